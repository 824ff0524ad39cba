/**
 * `mtlc train FILE --engine pytorch`: the run planned as the TensorFlow.js engine plans it (output
 * directory, epochs, data), the package built into `<run>/pytorch/`, the data bound once, and the
 * emitted trainer run on `--workers` local processes (runtime/pytorch/engine.ts, docs/scale.md).
 * No Python or no torch is one message and exit 2 before anything is written.
 */
import * as path from 'node:path';
import type { Command } from 'commander';
import type { CheckedModel } from '../compiler/index.js';
import type { TrainingData } from '../runtime/data/index.js';
import type { RunHistory } from '../runtime/model/index.js';
import type { Evaluation } from '../runtime/train/index.js';
import { displayPath, ExitCode, UsageError, type CliContext } from './commands/command.js';
import type { DataSources } from './model-file.js';
import { plural } from './frame.js';
import { TrainingProgress } from './progress.js';
import { writePyTorchPackage } from './pytorch-package.js';
import { reportRuntimeError } from './runtime-errors.js';

export interface PyTorchOptions {
  readonly workers: number;
  readonly device: 'cpu' | 'cuda';
  readonly python: string;
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
    result: { history: RunHistory; train: Evaluation; validation?: Evaluation; notes: readonly string[] },
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
  const c = ctx.colors(command);
  const info = (text: string): void => {
    if (!options.quiet) ctx.err(text);
  };
  const engine = await import('../runtime/pytorch/index.js');
  const python = path.resolve(ctx.io.cwd, options.python);
  const problem = engine.pythonProblem(options.python.includes('/') ? python : options.python);
  if (problem !== undefined) {
    throw new UsageError(`--engine pytorch needs Python 3 with PyTorch: ${problem}; install it with: ${engine.INSTALL_TORCH}`);
  }
  const modelDir = await import('../runtime/model/index.js');
  const plan = await steps.plan();
  if (plan === undefined) return;
  await steps.startBackend();
  const { prepareTrainingData } = await import('../runtime/data/index.js');
  let data: Awaited<ReturnType<typeof prepareTrainingData>>;
  try {
    data = await prepareTrainingData(checked, {
      ...plan.sources,
      skipBadRows: options.skipBadRows === true,
      ...(checked.data.format !== undefined ? { format: checked.data.format } : {}),
    });
  } catch (error) {
    reportRuntimeError(ctx, error);
    return;
  }
  steps.reportSkipped(data.skipped);
  info(`data: ${steps.describeData(data)}\n`);
  const packageDir = path.join(plan.outDir, 'pytorch');
  if (options.force) await modelDir.clearModelDir(plan.outDir);
  await writePyTorchPackage(packageDir, displayPath(ctx, packageDir), checked, source, true);
  info(
    `training ${checked.name} on PyTorch, ${plural(options.workers, `${options.device} worker`)}: ${plural(plan.epochs - plan.done, 'epoch')}, into ${displayPath(ctx, plan.outDir)}\n`,
  );
  const progress = new TrainingProgress((text) => ctx.err(text), { tty: false, epochs: plan.epochs, initialEpoch: plan.done, colors: c });
  let stop: (() => void) | undefined;
  const unsubscribe = ctx.io.onInterrupt?.(() => {
    ctx.err(`${c.yellow('interrupted')}: stopping the workers and saving the last complete epoch\n`);
    stop?.();
  });
  let result: Awaited<ReturnType<typeof engine.trainOnPyTorch>>;
  try {
    result = await engine.trainOnPyTorch(checked, data, {
      outDir: plan.outDir,
      packageDir,
      source: file,
      python: options.python.includes('/') ? python : options.python,
      workers: options.workers,
      device: options.device,
      epochs: plan.epochs,
      resume: options.resume === true,
      ...(options.quiet ? {} : { onEpoch: (record) => progress.epoch(record) }),
      onStart: (s) => {
        stop = s;
      },
    });
  } catch (error) {
    reportRuntimeError(ctx, error);
    return;
  } finally {
    unsubscribe?.();
  }
  steps.printOutcome(plan, { ...result, notes: [] });
  ctx.out(`saved to ${displayPath(ctx, plan.outDir)} (${progress.elapsed().toFixed(1)}s)\n`);
  result.model.dispose();
  ctx.report(ExitCode.ok);
}
