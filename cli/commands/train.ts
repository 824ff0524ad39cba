/**
 * `mtlc train FILE`: trains a model on its data and saves it as a model directory
 * (runtime/model/model-dir.ts). Progress goes to stderr (a bar on a terminal, a line per epoch
 * elsewhere); the per-task metrics table and where the model was saved go to stdout. Ctrl-C stops
 * after the current batch and saves; `--resume` continues from the checkpoint of the last complete
 * epoch. Bad data is listed with file, line and column, and nothing is trained (exit 1).
 * TensorFlow.js and the runtime are loaded only when the command runs.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { InvalidArgumentError, Option, type Command } from 'commander';
import { summarize, type CheckedModel } from '../../compiler/index.js';
// Types only: the runtime (and TensorFlow.js) is imported when the command runs.
import type { ProblemGroup, RunData } from '../../runtime/data/index.js';
import type { CheckpointState, RunHistory } from '../../runtime/model/index.js';
import type { Checkpoint, RunResult } from '../../runtime/train/index.js';
import { plural, type Colors } from '../frame.js';
import { metricsTable } from '../metrics-table.js';
import { byteSize } from '../number-options.js';
import { checkedModel, dataSources, positiveInteger, type DataSources } from '../model-file.js';
import { existingRuns, freshDir, runBase } from '../output-dir.js';
import { TrainingProgress } from '../progress.js';
import { backendOption, type BackendChoice, reportRuntimeError, startBackend, whileLocked } from '../runtime-errors.js';
import { displayPath, ExitCode, refuseToReplace, UsageError, type CliContext, type CommandModule } from './command.js';

interface TrainOptions {
  readonly data?: string;
  readonly validation?: string;
  readonly output?: string;
  readonly epochs?: number;
  readonly backend?: BackendChoice;
  readonly resume?: boolean;
  readonly force?: boolean;
  readonly skipBadRows?: boolean;
  /** `--max-bad-rows N%`: the share of rows --skip-bad-rows may leave out, in percent. */
  readonly maxBadRows?: number;
  readonly quiet?: boolean;
  readonly model?: string;
  /** `--report [file]`: true for the default file, report.html in the model directory. */
  readonly report?: string | boolean;
  /** `--memory SIZE`: the most a pack may take in memory before it is streamed from disk. */
  readonly memory?: number;
  /** `--engine pytorch`: train with the emitted PyTorch package (cli/train-pytorch.ts). */
  readonly engine?: 'tfjs' | 'pytorch';
  readonly workers?: number;
  readonly device?: 'cpu' | 'cuda';
  readonly python?: string;
}

/** Where default runs go, below the working directory. */
const RUNS_DIR = 'runs';

export const trainCommand: CommandModule = {
  name: 'train',
  register(program: Command, ctx: CliContext): void {
    program
      .command('train')
      .description('train a model on its data and save it')
      .argument('<file>', 'the .mtl file')
      .option('--data <file>', "training data, CSV, JSONL or Parquet (default: the model's data { train })")
      .option('--validation <file>', 'validation data (default: data { validation }, else train { validation })')
      .option('-o, --output <dir>', `the model directory to write (default: ${RUNS_DIR}/<name>, then <name>-2, …)`)
      .option('--epochs <n>', 'epochs in all, counting those of a resumed run (default: train { epochs })', positiveInteger)
      .addOption(backendOption())
      .option('--resume', 'continue the training saved in the output directory (default: the latest run of this file)')
      .addOption(new Option('--force', 'replace a model already in the output directory').conflicts('resume'))
      .option('--skip-bad-rows', 'leave out rows with data problems, count and report them, instead of stopping')
      .option('--max-bad-rows <percent>', `the share of rows --skip-bad-rows may leave out (default: ${DEFAULT_MAX_BAD_ROWS}%)`, percentage)
      .option('--quiet', 'no progress: only the metrics table and where the model was saved')
      .option('--model <name>', 'the model to train, when the file declares several')
      .option('--report [file]', 'also write the HTML training report (default: report.html in the model directory)')
      .option(
        '--memory <size>',
        'stream a pack (.mtlpack) larger than this from disk, each epoch, instead of reading it whole (512m, 2g, …)',
        byteSize,
      )
      .addOption(new Option('--engine <engine>', 'what trains the model').choices(['tfjs', 'pytorch']).default('tfjs'))
      .option('--workers <n>', 'with --engine pytorch: local worker processes (default: 1)', positiveInteger)
      .addOption(new Option('--device <device>', 'with --engine pytorch: where the workers compute').choices(['cpu', 'cuda']))
      .option('--python <path>', 'with --engine pytorch: the Python that has torch (default: /usr/bin/python3)')
      .action(async (file: string, options: TrainOptions, command: Command) => {
        const chosen = checkedModel(ctx, file, options, command);
        if (chosen === undefined) return;
        if (options.engine === 'pytorch') {
          const { trainWithPyTorch } = await import('../train-pytorch.js');
          const source = { file: chosen.compiled.shown, text: chosen.compiled.source.text };
          const engine = { workers: options.workers ?? 1, device: options.device ?? 'cpu' };
          const c = ctx.colors(command);
          const modelDir = await import('../../runtime/model/index.js');
          const { describeGroup } = await import('../../runtime/data/index.js');
          await trainWithPyTorch(ctx, file, source, chosen.model, { ...options, ...engine }, command, {
            plan: () => planRun(ctx, file, chosen.model, options, modelDir),
            startBackend: () => startBackend(options.backend),
            describeData: (data) => describeData(ctx, data),
            reportSkipped: (skipped) => reportSkipped(ctx, skipped, c, describeGroup),
            printOutcome: (plan, result) => printOutcome(ctx, file, chosen.model, plan, result, c, ' --engine pytorch'),
          });
          return;
        }
        if (options.workers !== undefined || options.device !== undefined || options.python !== undefined) {
          throw new UsageError('--workers, --device and --python are for --engine pytorch');
        }
        await trainModel(ctx, file, chosen.model, options, command);
      });
  },
};

type ModelDirModule = typeof import('../../runtime/model/index.js');

/** Where a run writes, where it starts, and what it reads: all settled before TensorFlow.js starts. */
interface RunPlan {
  readonly outDir: string;
  /** Epochs in all, and those a resumed checkpoint already did. */
  readonly epochs: number;
  readonly done: number;
  readonly sources: DataSources;
}

/** Plans the run, then trains holding the output directory's lock (runtime/files: `.mtlc.lock`), so two runs never write one directory. */
async function trainModel(ctx: CliContext, file: string, checked: CheckedModel, options: TrainOptions, command: Command): Promise<void> {
  const modelDir = await import('../../runtime/model/index.js');
  const plan = await planRun(ctx, file, checked, options, modelDir);
  if (plan === undefined) return;
  await whileLocked(ctx, plan.outDir, () => trainLocked(ctx, file, checked, options, command, plan));
}

/** The run itself, once its output directory is locked. */
async function trainLocked(
  ctx: CliContext,
  file: string,
  checked: CheckedModel,
  options: TrainOptions,
  command: Command,
  plan: RunPlan,
): Promise<void> {
  const c = ctx.colors(command);
  const info = (text: string): void => {
    if (!options.quiet) ctx.err(text);
  };
  const { outDir, epochs, done } = plan;
  const modelDir = await import('../../runtime/model/index.js');
  const { describeGroup, isPack, prepareStreamedData, prepareTrainingData, sidecarNormalization, sidecarTargetScales } = await import(
    '../../runtime/data/index.js'
  );
  const { readCheckpoint, runTraining } = await import('../../runtime/train/index.js');

  // Before any model is loaded: TensorFlow.js would otherwise start a default backend of its own.
  const backend = await startBackend(options.backend);
  info(`backend: ${backend.label}\n`);
  let resume: Checkpoint | undefined;
  let data: RunData;
  try {
    if (options.resume) resume = await readCheckpoint(outDir);
    const streamed = isPack(plan.sources.train) ? streamedPack(plan.sources, options.memory) : undefined;
    if (streamed !== undefined) info(`streaming ${displayPath(ctx, plan.sources.train)} from disk: ${streamed}\n`);
    data =
      streamed !== undefined
        ? prepareStreamedData(checked, plan.sources.train, options.memory!)
        : await prepareTrainingData(checked, {
            ...plan.sources,
            skipBadRows: options.skipBadRows === true,
            ...(checked.data.format !== undefined ? { format: checked.data.format } : {}),
            ...(resume !== undefined
              ? { normalization: sidecarNormalization(resume.sidecar), targetScales: sidecarTargetScales(resume.sidecar) }
              : {}),
          });
  } catch (error) {
    resume?.model.dispose();
    reportRuntimeError(ctx, error);
    return;
  }
  reportSkipped(ctx, data.skipped, c, describeGroup);
  if (tooManySkipped(ctx, data, options.maxBadRows ?? DEFAULT_MAX_BAD_ROWS)) return;
  info(`data: ${describeData(ctx, data)}\n`);
  const batches = Math.ceil(data.train.n / checked.train.batch);
  const params = summarize(checked).total.toLocaleString('en-US');
  const span = done > 0 ? `epochs ${done + 1}–${epochs} (resuming after epoch ${done})` : plural(epochs, 'epoch');
  info(
    `training ${checked.name} (${plural(checked.heads.length, 'head')}, ${params} parameters): ${span} of ${plural(batches, 'batch', 'batches')}, into ${displayPath(ctx, outDir)}\n`,
  );

  if (options.force) await modelDir.clearModelDir(outDir);
  const progress = new TrainingProgress((text) => ctx.err(text), {
    tty: ctx.io.stderrIsTTY === true,
    epochs,
    initialEpoch: done,
    colors: c,
  });
  let stopRequested = false;
  let unsubscribe: (() => void) | undefined;
  unsubscribe = ctx.io.onInterrupt?.(() => {
    stopRequested = true;
    // The next Ctrl-C gets the default behaviour: the process ends at once.
    unsubscribe?.();
    progress.clear();
    ctx.err(`${c.yellow('interrupted')}: stopping after this batch and saving (Ctrl-C again quits at once)\n`);
  });
  let result: RunResult;
  try {
    result = await runTraining(data.model, data, {
      outDir,
      source: file,
      backend: backend.name,
      epochs,
      ...(resume !== undefined ? { resume } : {}),
      shouldStop: () => stopRequested,
      ...(options.quiet ? {} : { onBatch: (b) => progress.batch(b), onEpoch: (record) => progress.epoch(record) }),
    });
  } catch (error) {
    progress.clear();
    reportRuntimeError(ctx, error);
    return;
  } finally {
    unsubscribe?.();
  }
  progress.clear();
  printOutcome(ctx, file, checked, plan, result, c);
  ctx.out(`saved to ${displayPath(ctx, outDir)} (${progress.elapsed().toFixed(1)}s)\n`);
  if (options.report !== undefined && options.report !== false) {
    const { writeReport } = await import('../../runtime/report/index.js');
    const reportFile = reportPath(ctx, outDir, options);
    await writeReport(reportFile, { checked, history: result.history, source: file, command: `mtlc train ${file}` });
    ctx.out(`report: ${displayPath(ctx, reportFile)}\n`);
  }
  result.model.dispose();
  ctx.report(result.history.stopped === 'interrupted' ? ExitCode.interrupted : ExitCode.ok);
}

/**
 * The output directory, the epochs and the data files of a run, refusing (UsageError) a resume
 * with nothing to resume, epochs already done, and a model without data.
 */
async function planRun(
  ctx: CliContext,
  file: string,
  checked: CheckedModel,
  options: TrainOptions,
  modelDir: ModelDirModule,
): Promise<RunPlan | undefined> {
  const outDir = chooseOutputDir(ctx, file, options, modelDir);
  const shownDir = displayPath(ctx, outDir);
  if (typeof options.report === 'string') refuseToReplace(reportPath(ctx, outDir, options), options.report, options.force);
  let state: CheckpointState | undefined;
  let resumedData: Partial<RunHistory['data']> | undefined;
  if (options.resume) {
    try {
      state = await modelDir.readCheckpointState(outDir);
    } catch (error) {
      reportRuntimeError(ctx, error);
      return undefined;
    }
    if (state === undefined)
      throw new UsageError(`"${shownDir}" has no checkpoint to resume from (one is written at the end of every complete epoch)`);
    const pytorch = state.engine === 'pytorch';
    if (pytorch !== (options.engine === 'pytorch')) {
      throw new UsageError(
        `the checkpoint in "${shownDir}" is of a run on ${pytorch ? 'PyTorch' : 'TensorFlow.js'}: resume it with --engine ${pytorch ? 'pytorch' : 'tfjs'}`,
      );
    }
    if ((await modelDir.readRunHistory(outDir))?.stopped === 'early') {
      throw new UsageError(`training in "${shownDir}" stopped early (no more improvement): there is nothing to resume`);
    }
    // A resumed run reads the files it started with, unless told otherwise.
    resumedData = (await modelDir.readRunHistory(modelDir.checkpointDir(outDir)!))?.data;
  }
  const epochs = options.epochs ?? checked.train.epochs;
  const done = state?.epoch ?? 0;
  if (done >= epochs)
    throw new UsageError(
      `"${shownDir}" has trained ${done} of ${epochs} epochs already: pass --epochs with more than ${done} to train further`,
    );

  return { outDir, epochs, done, sources: dataSources(ctx, file, checked, options, 'training data', resumedData) };
}

/** `--report FILE`, or report.html in the model directory. */
function reportPath(ctx: CliContext, outDir: string, options: TrainOptions): string {
  return typeof options.report === 'string' ? path.resolve(ctx.io.cwd, options.report) : path.join(outDir, 'report.html');
}

/** What --skip-bad-rows left out of each file, one line per kind of problem. */
function reportSkipped(ctx: CliContext, skipped: RunData['skipped'], c: Colors, describe: (group: ProblemGroup) => string): void {
  for (const file of skipped) {
    const shown = displayPath(ctx, file.file);
    ctx.err(`${c.yellow('warning')}: skipped ${plural(file.rows, 'bad row')} of ${shown} (--skip-bad-rows):\n`);
    for (const group of file.problems) ctx.err(`  ${describe(group).replace(file.file, shown)}\n`);
    const listed = file.problems.reduce((sum, g) => sum + g.count, 0);
    if (file.problemCount > listed) ctx.err(`  and ${file.problemCount - listed} more\n`);
  }
}

/** The share of rows --skip-bad-rows may leave out unless --max-bad-rows says more: more is the data's problem, not a few bad rows. */
const DEFAULT_MAX_BAD_ROWS = 10;

/** Refuses (exit 1) a run that --skip-bad-rows left more than `maxPercent` of the rows out of. */
function tooManySkipped(ctx: CliContext, data: RunData, maxPercent: number): boolean {
  const skipped = data.skipped.reduce((sum, s) => sum + s.rows, 0);
  const rows = skipped + data.train.n + (data.validation?.n ?? 0);
  const percent = (100 * skipped) / rows;
  if (percent <= maxPercent) return false;
  ctx.fail(
    `--skip-bad-rows would leave out ${skipped} of ${rows} rows (${percent.toFixed(1)}%), more than ${maxPercent}%: fix the data, or allow it with --max-bad-rows ${Math.ceil(percent)}%`,
    ExitCode.problems,
  );
  return true;
}

/** `--max-bad-rows 25%` (or `25`): a percentage from 0 to 100; commander calls this with the raw text. */
function percentage(value: string): number {
  const n = Number(value.trim().replace(/%$/, ''));
  if (value.trim() === '' || !(n >= 0 && n <= 100)) throw new InvalidArgumentError('expected a percentage from 0 to 100, such as 25%.');
  return n;
}

/** `examples/data/penguins.csv, 342 rows: 274 to train, 68 to validate`. */
/** Why a pack is streamed, when it is: it is larger than `--memory`. */
function streamedPack(sources: DataSources, memory: number | undefined): string | undefined {
  if (memory === undefined || typeof sources.validation === 'string') return undefined;
  const size = fs.statSync(sources.train, { throwIfNoEntry: false })?.size;
  if (size === undefined || size <= memory) return undefined;
  const shown = (bytes: number) => (bytes < 2 ** 20 ? `${(bytes / 2 ** 10).toFixed(0)} KiB` : `${(bytes / 2 ** 20).toFixed(0)} MiB`);
  return `${shown(size)} is more than --memory ${shown(memory)}`;
}

function describeData(ctx: CliContext, data: RunData): string {
  const train = displayPath(ctx, data.files.train);
  if (data.validation === undefined) return `${train}, ${data.train.n} rows to train, none to validate`;
  const from = data.files.validation !== undefined ? ` (from ${displayPath(ctx, data.files.validation)})` : '';
  return `${train}, ${data.train.n + data.validation.n} rows: ${data.train.n} to train, ${data.validation.n} to validate${from}`;
}

/** The metrics table of the saved model, and how the run ended when it did not run its course. */
function printOutcome(
  ctx: CliContext,
  file: string,
  checked: CheckedModel,
  plan: RunPlan,
  result: Pick<RunResult, 'history' | 'train' | 'validation' | 'notes' | 'checkpointEpoch'>,
  c: Colors,
  /** What resuming needs besides `-o DIR --resume` (`--engine pytorch`). */
  resumeFlags = '',
): void {
  const history = result.history;
  const splits = [
    { title: 'train', evaluation: result.train },
    ...(result.validation !== undefined ? [{ title: 'validation', evaluation: result.validation }] : []),
  ];
  const lastEpoch = history.epochs[history.epochs.length - 1]?.epoch ?? plan.done;
  const weightsOf =
    history.bestEpoch !== undefined && history.bestEpoch !== lastEpoch ? `, with the weights of epoch ${history.bestEpoch}` : '';
  // An epoch cut short (TensorFlow.js stops after a batch), or the last complete one (PyTorch's workers are stopped at once).
  const cutShort = history.epochs.at(-1)?.partial === true;
  const stoppedAt = cutShort ? `in epoch ${lastEpoch}` : `after epoch ${lastEpoch}`;
  const when = history.stopped === 'interrupted' ? `, interrupted ${stoppedAt}` : ` after ${plural(lastEpoch, 'epoch')}${weightsOf}`;
  ctx.out(`\n${checked.name}${when}:\n\n${metricsTable(checked.heads, splits)}\n`);
  for (const note of result.notes) ctx.err(`${c.yellow('note')}: ${note}\n`);
  if (history.stopped === 'early') {
    ctx.out(
      `stopped early after epoch ${lastEpoch}: no improvement for ${checked.train.earlyStop} epochs; the model keeps the weights of epoch ${history.bestEpoch}\n`,
    );
  } else if (history.stopped === 'interrupted') {
    const resumeHint =
      result.checkpointEpoch !== undefined
        ? `; its checkpoint holds epoch ${result.checkpointEpoch}: continue with mtlc train ${file} -o ${displayPath(ctx, plan.outDir)}${resumeFlags} --resume`
        : '';
    const saved = cutShort ? 'the model as it stands' : 'the model of that epoch';
    ctx.out(`interrupted ${stoppedAt}: saved ${saved}${resumeHint}\n`);
  }
}

/**
 * The model directory: `-o` as given (refused when it holds a model, unless --force or --resume),
 * else a fresh `runs/<name>[-k]`, or with --resume the latest of those that has a checkpoint.
 */
function chooseOutputDir(ctx: CliContext, file: string, options: TrainOptions, modelDir: ModelDirModule): string {
  const base = runBase(ctx.io.cwd, RUNS_DIR, file);
  if (options.output !== undefined) {
    const dir = path.resolve(ctx.io.cwd, options.output);
    if (!options.resume && !options.force && modelDir.holdsModel(dir)) {
      throw new UsageError(
        `"${options.output}" already holds a model: pass --force to replace it, --resume to continue its training, or choose another -o`,
      );
    }
    return dir;
  }
  if (options.resume) {
    const runs = existingRuns(base).filter((dir) => modelDir.checkpointDir(dir) !== undefined);
    if (runs.length === 0)
      throw new UsageError(`no run of "${file}" to resume in ${displayPath(ctx, path.dirname(base))}: name its directory with -o`);
    return runs[runs.length - 1]!;
  }
  return freshDir(base);
}
