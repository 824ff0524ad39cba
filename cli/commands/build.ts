/**
 * `mtlc build FILE [-o DIR]`: writes the untrained model as a model directory (runtime/model/model-dir.ts:
 * the TensorFlow.js LayersModel plus the mtl sidecar and checked model), so it loads with
 * `tf.loadLayersModel` and `mtlc predict` reads it. `--emit ts` instead writes a readable
 * TypeScript module that builds the same network by hand (runtime/model/emit-ts.ts), on stdout without
 * `-o`. `--target pytorch` writes the model as a Python package for PyTorch instead (compiler/pytorch/,
 * docs/scale.md). A previous build in DIR is replaced; a trained model or another file only with `--force`.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { Option, type Command } from 'commander';
import { summarize } from '../../compiler/index.js';
import { describeError } from '../host.js';
import { checkedModel } from '../model-file.js';
import { runBase } from '../output-dir.js';
import { backendOption, type BackendChoice, startBackend } from '../runtime-errors.js';
import { displayPath, refuseToReplace, UsageError, writeOutputFile, type CliContext, type CommandModule } from './command.js';

interface BuildOptions {
  readonly output?: string;
  readonly emit: 'layers' | 'ts';
  readonly force?: boolean;
  readonly model?: string;
  readonly backend?: BackendChoice;
  readonly target: 'tfjs' | 'pytorch';
}

/** Where builds go by default, below the working directory. */
const BUILD_DIR = 'build';

export const buildCommand: CommandModule = {
  name: 'build',
  register(program: Command, ctx: CliContext): void {
    program
      .command('build')
      .description('write the untrained model (TensorFlow.js LayersModel), or a TypeScript module with --emit ts')
      .argument('<file>', 'the .mtl file')
      .option('-o, --output <path>', `the model directory (default: ${BUILD_DIR}/<name>), or with --emit ts the .ts file (default: stdout)`)
      .addOption(new Option('--target <engine>', 'the engine to build for').choices(['tfjs', 'pytorch']).default('tfjs'))
      .addOption(new Option('--emit <kind>', 'what to write for tfjs').choices(['layers', 'ts']).default('layers'))
      .option('--force', 'replace a trained model, or an existing .ts file')
      .option('--model <name>', 'the model to build, when the file declares several')
      .addOption(backendOption())
      .action(async (file: string, options: BuildOptions, command: Command) => {
        const chosen = checkedModel(ctx, file, options, command);
        if (chosen === undefined) return;
        const checked = chosen.model;
        if (options.target === 'pytorch') {
          if (options.emit !== 'layers') throw new UsageError('--emit is for --target tfjs; --target pytorch writes a Python package');
          const dir =
            options.output !== undefined ? path.resolve(ctx.io.cwd, options.output) : `${runBase(ctx.io.cwd, BUILD_DIR, file)}-pytorch`;
          const shown = displayPath(ctx, dir);
          const { writePyTorchPackage } = await import('../pytorch-package.js');
          const source = { file: chosen.compiled.shown, text: chosen.compiled.source.text };
          let written: string[];
          try {
            written = await writePyTorchPackage(dir, shown, checked, source, options.force);
          } catch (error) {
            if (error instanceof UsageError) throw error;
            ctx.fail(`cannot write "${shown}": ${describeError(error)}`);
            return;
          }
          ctx.out(`wrote ${shown}: ${checked.name} for PyTorch (${written.join(', ')})\n`);
          return;
        }
        if (options.emit === 'ts') {
          const { emitTypeScript } = await import('../../runtime/model/index.js');
          const text = emitTypeScript(checked);
          if (options.output === undefined) {
            ctx.out(text);
            return;
          }
          const target = path.resolve(ctx.io.cwd, options.output);
          refuseToReplace(target, options.output, options.force);
          if (!(await writeOutputFile(ctx, target, options.output, text))) return;
          ctx.out(`wrote ${options.output}\n`);
          return;
        }
        const dir = options.output !== undefined ? path.resolve(ctx.io.cwd, options.output) : runBase(ctx.io.cwd, BUILD_DIR, file);
        await startBackend(options.backend);
        const modelDir = await import('../../runtime/model/index.js');
        if (fs.existsSync(dir) && !fs.statSync(dir).isDirectory()) {
          throw new UsageError(`"${displayPath(ctx, dir)}" is a file, not a directory: choose another -o`);
        }
        if (!options.force && modelDir.holdsTrainedModel(dir)) {
          throw new UsageError(
            `"${displayPath(ctx, dir)}" holds a trained model: pass --force to replace it with an untrained one, or choose another -o`,
          );
        }
        const { lowerModel } = await import('../../runtime/model/index.js');
        const { buildSidecar } = await import('../../runtime/model/index.js');
        const model = lowerModel(checked);
        try {
          await modelDir.clearModelDir(dir);
          await modelDir.saveModelDir(dir, model, { checked, source: file, sidecar: buildSidecar(checked) });
        } catch (error) {
          ctx.fail(`cannot write "${displayPath(ctx, dir)}": ${describeError(error)}`);
          return;
        } finally {
          model.dispose();
        }
        const params = summarize(checked).total.toLocaleString('en-US');
        ctx.out(
          `wrote ${displayPath(ctx, dir)}: ${checked.name}, ${params} parameters, untrained (model.json, weights.bin, mtl.json, checked.json)\n`,
        );
      });
  },
};
