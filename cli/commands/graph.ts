/**
 * `mtlc graph FILE [--format mermaid|dot] [--model NAME] [-o OUT]`: draws a checked model. A file
 * with errors has no checked model: its diagnostics are printed (on stderr) and the exit code is 1.
 */
import * as path from 'node:path';
import { Option, type Command } from 'commander';
import { graphDot, graphMermaid } from '../../compiler/index.js';
import { summaryLine } from '../frame.js';
import {
  compileFile,
  ExitCode,
  printDiagnostics,
  refuseToReplace,
  writeOutputFile,
  type CliContext,
  type CommandModule,
} from './command.js';

interface GraphOptions {
  readonly format: 'mermaid' | 'dot';
  readonly model?: string;
  readonly output?: string;
  readonly force?: boolean;
}

export const graphCommand: CommandModule = {
  name: 'graph',
  register(program: Command, ctx: CliContext): void {
    program
      .command('graph')
      .description('draw a model as a Mermaid or dot graph')
      .argument('<file>', 'the .mtl file')
      .addOption(new Option('--format <format>', 'output format').choices(['mermaid', 'dot']).default('mermaid'))
      .option('--model <name>', 'the model to draw, when the file declares several')
      .option('-o, --output <file>', 'write to a file instead of stdout')
      .option('--force', 'replace the -o file if it exists')
      .action(async (file: string, options: GraphOptions, command: Command) => {
        const c = ctx.colors(command);
        if (options.output !== undefined) refuseToReplace(path.resolve(ctx.io.cwd, options.output), options.output, options.force);
        const compiled = compileFile(ctx, file);
        if (compiled === undefined) return;
        const { errors, warnings } = printDiagnostics(compiled, c, (text) => ctx.err(text));
        if (errors > 0) {
          ctx.err(`${summaryLine(errors, warnings, 1, c)}\n`);
          ctx.report(ExitCode.problems);
          return;
        }
        const models = compiled.result.models;
        const names = models.map((m) => m.name);
        const model =
          options.model !== undefined ? models.find((m) => m.name === options.model) : models.length === 1 ? models[0] : undefined;
        if (model === undefined) {
          if (options.model !== undefined) ctx.fail(`"${file}" has no model "${options.model}" (it has: ${names.join(', ') || 'none'})`);
          else if (models.length === 0) ctx.fail(`"${file}" declares no model`);
          else ctx.fail(`"${file}" declares ${models.length} models (${names.join(', ')}): choose one with --model`);
          return;
        }
        const text = options.format === 'dot' ? graphDot(model) : graphMermaid(model);
        if (options.output === undefined) {
          ctx.out(text);
          return;
        }
        await writeOutputFile(ctx, path.resolve(ctx.io.cwd, options.output), options.output, text);
      });
  },
};
