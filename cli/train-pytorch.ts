/**
 * `mtlc train FILE --engine pytorch`: the run planned as the TensorFlow.js engine plans it (output
 * directory, epochs, data), the package built into `<run>/pytorch/`, the data bound once, and the
 * emitted trainer run on `--workers` local processes (runtime/pytorch/engine.ts, docs/scale.md).
 * No Python or no torch is one message and exit 2 before anything is written. Ctrl-C stops the
 * workers and saves the last complete epoch (exit 130); a failed worker is one message naming it
 * and the checkpoint to resume from (exit 1).
 */
import * as path from 'node:path';
import type { Command } from 'commander';
import type { CheckedModel } from '../compiler/index.js';
import type { TrainingData } from '../runtime/data/index.js';
import type { EpochRecord, RunHistory } from '../runtime/model/index.js';
import type { Evaluation } from '../runtime/train/index.js';
import { displayPath, ExitCode, UsageError, type CliContext } from './commands/command.js';
import type { DataSources } from './model-file.js';
import { plural } from './frame.js';
import { TrainingProgress } from './progress.js';
import { writePyTorchPackage } from './pytorch-package.js';
import { reportRuntimeError, whileLocked } from './runtime-errors.js';

export interface PyTorchOptions {
  readonly workers: number;
  readonly device: 'cpu' | 'cuda';
  /** Default: DEFAULT_PYTHON. */
  readonly python?: string;
  readonly quiet?: boolean;
  readonly skipBadRows?: boolean;
  readonly force?: boolean;
  readonly resume?: boolean;
}

/** What `mtlc train` shares with this engine, passed in so that neither module imports the other. */
export interface TrainSteps {
  readonly plan: () => Promise<{ outDir: string; epochs: number; done: number; sources: DataSources } | undefined>;
  readonly startBackend: () => Promise<unknown>;
  readonly describeData: (data: TrainingData) => string;
  readonly reportSkipped: (skipped: TrainingData['skipped']) => void;
  readonly printOutcome: (
    plan: { outDir: string; epochs: number; done: number; sources: DataSources },
    result: { history: RunHistory; train: Evaluation; validation?: Evaluation; notes: readonly string[]; checkpointEpoch?: number },
  ) => void;
}

export async function trainWithPyTorch(
  ctx: CliContext,
  file: string,
  source: { readonly file: string; readonly text: string },
  checked: CheckedModel,
  options: PyTorchOptions,
  command: Command,
  steps: TrainSteps,
): Promise<void> {
  const engine = await import('../runtime/pytorch/index.js');
  // A path is taken from the working directory; a bare name is looked up on PATH.
  const chosen = options.python ?? engine.DEFAULT_PYTHON;
  const python = chosen.includes('/') ? path.resolve(ctx.io.cwd, chosen) : chosen;
  const problem = engine.pythonProblem(python);
  if (problem !== undefined) {
    throw new UsageError(`--engine pytorch needs Python 3 with PyTorch: ${problem}; install it with: ${engine.INSTALL_TORCH}`);
  }
  const plan = await steps.plan();
  if (plan === undefined) return;
  await steps.startBackend();
  await whileLocked(ctx, plan.outDir, () =>
    trainLocked({ ctx, file, source, checked, options: { ...options, python }, command, steps, plan }),
  );
}

/** A run as trainWithPyTorch has settled it: the model, its options and its plan. */
interface PlannedRun {
  readonly ctx: CliContext;
  readonly file: string;
  readonly source: { readonly file: string; readonly text: string };
  readonly checked: CheckedModel;
  /** With `python` resolved (DEFAULT_PYTHON when not given, a path taken from the working directory). */
  readonly options: PyTorchOptions & { readonly python: string };
  readonly command: Command;
  readonly steps: TrainSteps;
  readonly plan: NonNullable<Awaited<ReturnType<TrainSteps['plan']>>>;
}

/** The run, once its output directory is locked: bind, hand the data to the workers, train, save. */
async function trainLocked({ ctx, file, source, checked, options, command, steps, plan }: PlannedRun): Promise<void> {
  const c = ctx.colors(command);
  const engine = await import('../runtime/pytorch/index.js');
  const modelDir = await import('../runtime/model/index.js');
  const info = (text: string): void => {
    if (!options.quiet) ctx.err(text);
  };
  const dataModule = await import('../runtime/data/index.js');
  const packageDir = path.join(plan.outDir, 'pytorch');
  let data: TrainingData;
  let workerData: Awaited<ReturnType<typeof engine.writeWorkerData>>;
  let resume: { checkpoint: string; epochs: readonly EpochRecord[] } | undefined;
  try {
    const at = options.resume ? modelDir.checkpointDir(plan.outDir) : undefined;
    // A resumed run scales the data with the statistics it started with, as the TensorFlow.js engine does.
    const sidecar = at !== undefined ? await modelDir.readSidecar(at) : undefined;
    if (at !== undefined) {
      const epochs = (await modelDir.readRunHistory(at))?.epochs ?? [];
      resume = { checkpoint: path.join(at, modelDir.PYTORCH_CHECKPOINT), epochs: epochs.filter((e) => e.epoch <= plan.done) };
    }
    const bound = await dataModule.bindTrainingData(checked, {
      ...plan.sources,
      skipBadRows: options.skipBadRows === true,
      ...(checked.data.format !== undefined ? { format: checked.data.format } : {}),
      ...(sidecar !== undefined
        ? { normalization: dataModule.sidecarNormalization(sidecar), targetScales: dataModule.sidecarTargetScales(sidecar) }
        : {}),
    });
    if (options.force) await modelDir.clearModelDir(plan.outDir);
    await writePyTorchPackage(packageDir, displayPath(ctx, packageDir), checked, source, true);
    workerData = await engine.writeWorkerData(bound, packageDir);
    data = dataModule.scaleTrainingData(bound);
  } catch (error) {
    reportRuntimeError(ctx, error);
    return;
  }
  steps.reportSkipped(data.skipped);
  info(`data: ${steps.describeData(data)}\n`);
  const span = plan.done > 0 ? `epochs ${plan.done + 1}–${plan.epochs} (resuming after epoch ${plan.done})` : plural(plan.epochs, 'epoch');
  info(
    `training ${checked.name} on PyTorch, ${plural(options.workers, `${options.device} worker`)}: ${span}, into ${displayPath(ctx, plan.outDir)}\n`,
  );
  const progress = new TrainingProgress((text) => ctx.err(text), { tty: false, epochs: plan.epochs, initialEpoch: plan.done, colors: c });
  let stop: (() => void) | undefined;
  let stopRequested = false;
  let unsubscribe: (() => void) | undefined;
  unsubscribe = ctx.io.onInterrupt?.(() => {
    // The next Ctrl-C gets the default behaviour: the process ends at once (its workers with it).
    unsubscribe?.();
    ctx.err(`${c.yellow('interrupted')}: stopping the workers and saving the last complete epoch (Ctrl-C again quits at once)\n`);
    stopRequested = true;
    stop?.();
  });
  let result: Awaited<ReturnType<typeof engine.trainOnPyTorch>>;
  try {
    result = await engine.trainOnPyTorch(checked, data, {
      outDir: plan.outDir,
      packageDir,
      source: file,
      python: options.python,
      workers: options.workers,
      device: options.device,
      epochs: plan.epochs,
      workerData,
      ...(resume !== undefined ? { resume } : {}),
      ...(options.quiet ? {} : { onEpoch: (record: EpochRecord) => progress.epoch(record) }),
      onNote: (note) => ctx.err(`${c.yellow('note')}: ${note}\n`),
      onStart: (s) => {
        stop = s;
        // Ctrl-C came while the workers were being started.
        if (stopRequested) s();
      },
    });
  } catch (error) {
    if (error instanceof engine.WorkerError) {
      ctx.fail(workerErrorMessage(ctx, file, plan.outDir, error), ExitCode.problems);
      return;
    }
    reportRuntimeError(ctx, error);
    return;
  } finally {
    unsubscribe?.();
  }
  steps.printOutcome(plan, { ...result, notes: [] });
  ctx.out(`saved to ${displayPath(ctx, plan.outDir)} (${progress.elapsed().toFixed(1)}s)\n`);
  result.model.dispose();
  ctx.report(result.interrupted ? ExitCode.interrupted : ExitCode.ok);
}

/** The worker's failure, where the last complete epoch is, and how to go on from it. */
function workerErrorMessage(ctx: CliContext, file: string, outDir: string, error: Error & { checkpointEpoch: number | undefined }): string {
  const shown = displayPath(ctx, outDir);
  const checkpoint =
    error.checkpointEpoch !== undefined
      ? `; the checkpoint of epoch ${error.checkpointEpoch} is in ${shown}/checkpoint: continue with mtlc train ${file} -o ${shown} --engine pytorch --resume`
      : '; no epoch was complete, so there is no checkpoint to resume from';
  return `training stopped: ${error.message}${checkpoint}`;
}
