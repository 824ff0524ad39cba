/**
 * `mtlc data synthetic --correlation ρ [--rows N] [--seed S] [-o FILE.csv]`: writes the two-task
 * regression data of the MMoE paper (Ma et al., 2018, §3.2; runtime/experiments/synthetic.ts) as
 * CSV — columns x_0 … x_{d-1}, y1, y2 — to a file, or to stdout without -o.
 *
 * `mtlc data pack FILE.mtl [--data X] [-o X.mtlpack]`: binds a data file for the model once and
 * writes it as a pack (runtime/data/pack.ts), which train, eval and predict open without parsing.
 *
 * An existing file is replaced only with --force.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import type { Command } from 'commander';
import { checkedModel, dataSources, positiveInteger } from '../model-file.js';
import { reportRuntimeError } from '../runtime-errors.js';
import { numberIn, wholeNumber } from '../number-options.js';
import { displayPath, writeOutputFile, type CliContext, type CommandModule } from './command.js';

interface SyntheticFlags {
  readonly correlation: number;
  readonly rows: number;
  readonly seed: number;
  readonly dim: number;
  readonly scale: number;
  readonly sines: number;
  readonly noise: number;
  readonly output?: string;
  readonly force?: boolean;
}

export const dataCommand: CommandModule = {
  name: 'data',
  register(program: Command, ctx: CliContext): void {
    const data = program
      .command('data')
      .description("data sets: mtlc data synthetic (the MMoE paper's two-task benchmark), mtlc data pack (data bound once for a model)")
      // Set here so the subcommand inherits them: main.ts configures top-level commands only.
      .exitOverride()
      .configureOutput(program.configureOutput())
      .showSuggestionAfterError(true);
    data
      .command('synthetic')
      .description('two regression tasks with a chosen correlation (Ma et al., 2018, §3.2), as CSV')
      .requiredOption('--correlation <rho>', "ρ, the cosine between the two tasks' weight vectors, from -1 to 1", numberIn(-1, 1))
      .option('--rows <n>', 'rows to generate', positiveInteger, 10000)
      .option('--seed <n>', 'the seed of the vectors, sinusoids, inputs and noise', wholeNumber, 1)
      .option('--dim <d>', 'input dimension d', positiveInteger, 100)
      .option('--scale <c>', 'c, the length of the weight vectors', numberIn(0, Number.MAX_VALUE), 1)
      .option('--sines <m>', 'm, the number of sinusoids', wholeNumber, 10)
      .option('--noise <sigma>', 'σ, the standard deviation of the label noise', numberIn(0, Number.MAX_VALUE), 0.1)
      .option('-o, --output <file>', 'the CSV file to write (default: stdout)')
      .option('--force', 'replace the output file if it exists')
      .action(async (flags: SyntheticFlags) => {
        if (flags.dim < 2) {
          ctx.fail('--dim must be at least 2: the two tasks need two orthogonal directions');
          return;
        }
        if (flags.output !== undefined && refusesToReplace(ctx, path.resolve(ctx.io.cwd, flags.output), flags.output, flags.force)) return;
        const { syntheticCsv, syntheticData } = await import('../../runtime/experiments/index.js');
        const csv = syntheticCsv(
          syntheticData({
            correlation: flags.correlation,
            rows: flags.rows,
            seed: flags.seed,
            dim: flags.dim,
            scale: flags.scale,
            sines: flags.sines,
            noise: flags.noise,
          }),
        );
        if (flags.output === undefined) {
          ctx.out(csv);
          return;
        }
        const target = path.resolve(ctx.io.cwd, flags.output);
        if (!(await writeOutputFile(ctx, target, flags.output, csv))) return;
        ctx.err(`wrote ${displayPath(ctx, target)}: ${flags.rows} rows, ρ = ${flags.correlation}, seed ${flags.seed}\n`);
      });
    data
      .command('pack')
      .description('bind a data file for a model once, into a pack that train, eval and predict open without parsing')
      .argument('<file>', 'the .mtl file')
      .option('--model <name>', 'the model to pack for, when the file declares several')
      .option('--data <file>', "the data, CSV, JSONL or Parquet (default: the model's data { train })")
      .option('-o, --output <file>', 'the pack to write (default: the data file with .mtlpack for its extension)')
      .option('--skip-bad-rows', 'leave out rows with problems (and count them) instead of stopping')
      .option('--force', 'replace the pack if it exists')
      .action(async (file: string, flags: PackFlags, command: Command) => {
        const chosen = checkedModel(ctx, file, flags, command);
        if (chosen === undefined) return;
        const source = dataSources(ctx, file, chosen.model, flags, 'data').train;
        const target = flags.output !== undefined ? path.resolve(ctx.io.cwd, flags.output) : `${source.replace(/\.[^./\\]*$/, '')}.mtlpack`;
        const shown = flags.output ?? displayPath(ctx, target);
        if (refusesToReplace(ctx, target, shown, flags.force)) return;
        const { loadDataset, withDataClasses, writePack } = await import('../../runtime/data/index.js');
        const started = performance.now();
        let manifest: Awaited<ReturnType<typeof writePack>>;
        try {
          const model = await withDataClasses(chosen.model, source, chosen.model.data.format);
          const bound = await loadDataset(model, source, { skipBadRows: flags.skipBadRows === true });
          manifest = await writePack(model, bound, source, target);
        } catch (error) {
          reportRuntimeError(ctx, error);
          return;
        }
        const seconds = ((performance.now() - started) / 1000).toFixed(1);
        const skipped = manifest.skipped > 0 ? `, ${manifest.skipped} bad rows left out` : '';
        ctx.err(
          `wrote ${shown}: ${manifest.rows} rows for ${manifest.model}${skipped}, ${(manifest.size / 1e6).toFixed(1)} MB (${seconds}s)\n`,
        );
      });
  },
};

/** True after refusing (exit 2) to replace an existing output file without --force. */
function refusesToReplace(ctx: CliContext, file: string, shown: string, force: boolean | undefined): boolean {
  if (force === true || !fs.existsSync(file)) return false;
  ctx.fail(`"${shown}" exists: pass --force to replace it, or choose another -o`);
  return true;
}

interface PackFlags {
  readonly model?: string;
  readonly data?: string;
  readonly output?: string;
  readonly skipBadRows?: boolean;
  readonly force?: boolean;
}
