/**
 * `mtlc tune FILE --folds k [--trials n] [--data F] [--epochs n] [-o OUT.mtl] [--force]`: chooses
 * the `search(…)` task weights by k-fold cross-validation (runtime/experiments/tune.ts), prints
 * mean ± std of the selection metric per setting, and writes the file with the best weights in
 * place of the searches to `<name>.tuned.mtl` beside it, or to -o. Nothing is overwritten without
 * --force, and the output path is checked before any training starts.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import type { Command } from 'commander';
import { compile, type CheckedModel } from '../../compiler/index.js';
import type { SearchSpace, Setting, SettingResult } from '../../runtime/experiments/index.js';
import { plural } from '../frame.js';
import { NodeHost } from '../host.js';
import { checkedModel, dataSources, positiveInteger } from '../model-file.js';
import { duration } from '../progress.js';
import { wholeNumber, wholeNumberFrom } from '../number-options.js';
import { backendOption, type BackendChoice, reportRuntimeError, startBackend } from '../runtime-errors.js';
import { displayPath, ExitCode, writeOutputFile, type CliContext, type CommandModule, type CompiledFile } from './command.js';

interface TuneOptions {
  readonly folds: number;
  readonly trials?: number;
  readonly data?: string;
  readonly epochs?: number;
  readonly seed?: number;
  readonly output?: string;
  readonly force?: boolean;
  readonly backend?: BackendChoice;
  readonly model?: string;
}

export const tuneCommand: CommandModule = {
  name: 'tune',
  register(program: Command, ctx: CliContext): void {
    program
      .command('tune')
      .description('choose the search(…) task weights by k-fold cross-validation and write the tuned .mtl')
      .argument('<file>', 'the .mtl file')
      .requiredOption('--folds <k>', 'number of cross-validation folds (2 or more)', wholeNumberFrom(2))
      .option('--trials <n>', 'try n settings drawn at random from the grid (default: the whole grid)', positiveInteger)
      .option('--data <file>', "the data, CSV, JSONL or Parquet (default: the model's data { train })")
      .option('--epochs <n>', 'epochs per fold (default: train { epochs })', positiveInteger)
      .option('--seed <n>', 'seed of the fold assignment and random search (default: train { seed })', wholeNumber)
      .option('-o, --output <file>', 'the tuned .mtl to write (default: <name>.tuned.mtl beside FILE)')
      .option('--force', 'replace the output file if it exists')
      .addOption(backendOption())
      .option('--model <name>', 'the model to tune, when the file declares several')
      .action(async (file: string, options: TuneOptions, command: Command) => {
        // Each fold is scored on its held-out rows: select has validation data, whatever the file says.
        const chosen = checkedModel(ctx, file, { ...options, validation: true }, command);
        if (chosen === undefined) return;
        await tuneModel(ctx, file, chosen.model, chosen.compiled, options);
      });
  },
};

/** `examples/cars.mtl` → `examples/cars.tuned.mtl`. */
function tunedPath(file: string): string {
  const ext = path.extname(file);
  return path.join(path.dirname(file), `${path.basename(file, ext)}.tuned${ext === '' ? '.mtl' : ext}`);
}

async function tuneModel(
  ctx: CliContext,
  file: string,
  checked: CheckedModel,
  compiled: CompiledFile,
  options: TuneOptions,
): Promise<void> {
  const { gridSettings, gridSize, randomSettings, searchSpace, tunedSource } = await import('../../runtime/experiments/index.js');
  const space = searchSpace(checked);
  if (space.heads.length === 0) {
    ctx.fail(
      `nothing to tune: no weight of model "${checked.name}" is a search(…); write e.g. weights { ${checked.heads[0]?.name ?? 'task'}: search(0.1, 0.5, 1.0) }`,
    );
    return;
  }
  const output = path.resolve(ctx.io.cwd, options.output ?? tunedPath(file));
  const shownOutput = displayPath(ctx, output);
  if (fs.existsSync(output) && options.force !== true) {
    ctx.fail(`"${shownOutput}" exists: pass --force to replace it, or choose another -o`);
    return;
  }
  if (!fs.existsSync(path.dirname(output))) {
    ctx.fail(`cannot write "${shownOutput}": its directory does not exist`);
    return;
  }
  const sources = dataSources(ctx, file, checked, options, 'data');
  const seed = options.seed ?? checked.train.seed;
  const settings = options.trials !== undefined ? randomSettings(space, options.trials, seed) : gridSettings(space);

  await startBackend(options.backend);
  const { loadDataset, withDataClasses } = await import('../../runtime/data/index.js');
  const { objectiveOf, tune } = await import('../../runtime/experiments/index.js');
  let bound: Awaited<ReturnType<typeof loadDataset>>;
  let trained: CheckedModel;
  try {
    trained = await withDataClasses(checked, sources.train, checked.data.format);
    bound = await loadDataset(trained, sources.train, checked.data.format !== undefined ? { format: checked.data.format } : {});
  } catch (error) {
    reportRuntimeError(ctx, error);
    return;
  }
  if (bound.dataset.n < options.folds) {
    ctx.fail(`${options.folds} folds need at least ${options.folds} rows, and ${displayPath(ctx, bound.file)} has ${bound.dataset.n}`);
    return;
  }
  const objective = objectiveOf(checked);
  const searched =
    options.trials !== undefined && settings.length < gridSize(space)
      ? `${settings.length} of ${gridSize(space)} settings, drawn at random`
      : plural(settings.length, 'setting');
  const epochs = options.epochs ?? checked.train.epochs;
  ctx.out(
    `tuning ${checked.name} on ${displayPath(ctx, bound.file)} (${bound.dataset.n} rows): ${searched} × ${options.folds} folds, ${plural(epochs, 'epoch')} each\n`,
  );
  ctx.out(`score: ${objective.label}, ${objective.higherIsBetter ? 'higher' : 'lower'} is better; mean ± std over the folds\n\n`);
  const table = new SettingTable(space, objective.label);
  ctx.out(table.header());
  const started = performance.now();
  const runs = settings.length * options.folds;
  const result = await tune(trained, bound.dataset, settings, {
    folds: options.folds,
    seed,
    ...(options.epochs !== undefined ? { epochs: options.epochs } : {}),
    onResult: (r) => ctx.out(table.row(r)),
    onFold: ({ setting, fold, value }) => {
      const done = setting * options.folds + fold + 1;
      const elapsed = performance.now() - started;
      const left = done < runs ? `; about ${duration((elapsed / done) * (runs - done))} left` : '';
      ctx.err(
        `setting ${setting + 1}/${settings.length}, fold ${fold + 1}/${options.folds}: ${objective.label} ${value.toPrecision(4)} (${done}/${runs} done${left})\n`,
      );
    },
  });
  ctx.out(`\nbest: ${describeSetting(result.best.setting)} (${objective.label} ${formatScore(result.best)})\n`);

  const decl = compiled.result.ast.models.find((m) => m.name.text === checked.name)!;
  const text = tunedSource(compiled.result.text, decl, space, result.best.setting);
  // The tuned file must check as cleanly as its source did; anything else is a bug here.
  const again = compile(output, text, new NodeHost());
  if (again.diagnostics.some((d) => d.severity === 'error'))
    throw new Error(`the tuned file does not check: ${again.diagnostics[0]!.message}`);
  if (fs.existsSync(output) && options.force !== true) {
    ctx.fail(`"${shownOutput}" appeared while tuning: pass --force to replace it, or choose another -o`);
    return;
  }
  if (!(await writeOutputFile(ctx, output, shownOutput, text))) return;
  ctx.out(`wrote ${shownOutput}\n`);
  ctx.report(ExitCode.ok);
}

function describeSetting(setting: Setting): string {
  return Object.entries(setting)
    .map(([head, value]) => `${head} ${value}`)
    .join(', ');
}

function formatScore(r: SettingResult): string {
  const digits = (v: number) => (Number.isFinite(v) ? v.toPrecision(4) : String(v));
  return `${digits(r.mean)} ± ${digits(r.std)}`;
}

/** One column per searched head, then the score, aligned. */
class SettingTable {
  private readonly widths: number[];

  constructor(
    private readonly space: SearchSpace,
    private readonly label: string,
  ) {
    this.widths = space.heads.map((h, i) => Math.max(h.length, ...space.candidates[i]!.map((v) => String(v).length)));
  }

  header(): string {
    return `  ${this.space.heads.map((h, i) => h.padEnd(this.widths[i]!)).join('  ')}  ${this.label}\n`;
  }

  row(r: SettingResult): string {
    return `  ${this.space.heads.map((h, i) => String(r.setting[h]).padEnd(this.widths[i]!)).join('  ')}  ${formatScore(r)}\n`;
  }
}
