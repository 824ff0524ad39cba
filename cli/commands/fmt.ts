/**
 * `mtlc fmt FILE… [--check] [--stdout]`: rewrites files in the canonical layout (compiler/format.ts).
 * `--check` changes nothing and exits 1 when a file would change; `--stdout` prints instead of
 * writing. A file with syntax errors is never formatted: its errors are shown, and the exit code is 1.
 */
import * as path from 'node:path';
import { Option, type Command } from 'commander';
import { formatFile, parse } from '../../compiler/index.js';
import { frameSource, plural, renderDiagnostic } from '../frame.js';
import { writeFileAtomic } from '../../runtime/files/index.js';
import { describeError, readSource } from '../host.js';
import { ExitCode, type CliContext, type CommandModule } from './command.js';

interface FmtOptions {
  readonly check?: boolean;
  readonly stdout?: boolean;
}

export const fmtCommand: CommandModule = {
  name: 'fmt',
  register(program: Command, ctx: CliContext): void {
    program
      .command('fmt')
      .description('format files in place, comments kept')
      .argument('<files...>', '.mtl files to format')
      .option('--check', 'change nothing; exit 1 if a file is not formatted')
      .addOption(new Option('--stdout', 'print the formatted text instead of writing it').conflicts('check'))
      .action(async (files: string[], options: FmtOptions, command: Command) => {
        const c = ctx.colors(command);
        const unformatted: string[] = [];
        for (const file of files) {
          const absolute = path.resolve(ctx.io.cwd, file);
          const read = readSource(absolute);
          if (!read.ok) {
            ctx.fail(`cannot read "${file}": ${read.reason}`);
            continue;
          }
          const formatted = formatFile(read.text);
          if (formatted === undefined) {
            const source = frameSource(file, read.text);
            for (const d of parse(read.text).diagnostics) ctx.err(renderDiagnostic(d, source, { colors: c }));
            ctx.err(`mtlc: "${file}" has syntax errors: not formatted\n`);
            ctx.report(ExitCode.problems);
            continue;
          }
          if (options.stdout) {
            ctx.out(formatted);
          } else if (formatted !== read.text) {
            unformatted.push(file);
            if (options.check) continue;
            try {
              await writeFileAtomic(absolute, formatted);
              ctx.out(`formatted ${file}\n`);
            } catch (error) {
              ctx.fail(`cannot write "${file}": ${describeError(error)}`);
            }
          }
        }
        if (options.check && unformatted.length > 0) {
          for (const file of unformatted) ctx.out(`would reformat ${file}\n`);
          ctx.out(`${unformatted.length} of ${plural(files.length, 'file')} not formatted: run mtlc fmt\n`);
          ctx.report(ExitCode.problems);
        }
      });
  },
};
