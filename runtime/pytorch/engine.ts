/**
 * `mtlc train --engine pytorch`: the run's data bound once, as the TensorFlow.js engine binds it
 * (same columns, classes, normalization, masks, split), handed to the workers as a pack they
 * memory-map (worker-data.ts); the TensorFlow.js initial weights handed over; the emitted
 * `train.py` run on N local workers. Each epoch they complete becomes the model directory's
 * `checkpoint/` (the torch state and the weights as a TensorFlow.js model); at the end, or on
 * Ctrl-C, the last complete epoch's weights are evaluated and saved as an ordinary model directory.
 */
import { type ChildProcess, spawn, spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import type * as tf from '@tensorflow/tfjs';
import type { CheckedModel } from '../../compiler/index.js';
import type { TrainingData } from '../data/index.js';
import {
  type CheckpointState,
  type EpochRecord,
  lowerModel,
  PYTORCH_CHECKPOINT,
  type RunHistory,
  saveModelDir,
  writeCheckpointDir,
} from '../model/index.js';
import { evaluate, type Evaluation } from '../train/index.js';
import { type LayerArrays, modelWeights, readWeightsFiles, setModelWeights, writeWeightsFiles } from './weights.js';
import type { WorkerData } from './worker-data.js';

export const INSTALL_TORCH = 'apt-get install -y python3-torch';

/** The Python trained with unless `--python` says otherwise: Debian's, which that package gives torch. */
export const DEFAULT_PYTHON = '/usr/bin/python3';

/** Why this Python cannot train (no interpreter, or no torch), or undefined when it can. */
export function pythonProblem(python: string): string | undefined {
  const probe = spawnSync(python, ['-c', 'import torch, numpy'], { encoding: 'utf8' });
  if (probe.error !== undefined) return `cannot run ${python} (${probe.error.message})`;
  if (probe.status !== 0) return `${python} cannot import torch (${probe.stderr.trim().split('\n').pop() ?? `exit ${probe.status}`})`;
  return undefined;
}

export interface PyTorchRunOptions {
  readonly outDir: string;
  /** The package directory, already written (model.py, mtl_layers.py, train.py). */
  readonly packageDir: string;
  readonly source: string;
  readonly python: string;
  readonly workers: number;
  readonly device: 'cpu' | 'cuda';
  readonly epochs: number;
  /** The data as the workers read it (writeWorkerData). */
  readonly workerData: WorkerData;
  /** The checkpoint to continue from (its `checkpoint.pt`) and the epochs of its history. */
  readonly resume?: { readonly checkpoint: string; readonly epochs: readonly EpochRecord[] };
  readonly onEpoch?: (record: EpochRecord) => void;
  /** What the launcher says on the way that is not an epoch (another port, say). */
  readonly onNote?: (note: string) => void;
  /** Called with a function that stops the workers (Ctrl-C). */
  readonly onStart?: (stop: () => void) => void;
}

export interface PyTorchRunResult {
  readonly history: RunHistory;
  readonly model: tf.LayersModel;
  readonly train: Evaluation;
  readonly validation?: Evaluation;
  readonly interrupted: boolean;
  /** The epoch the model directory's checkpoint holds. */
  readonly checkpointEpoch?: number;
}

/** The workers stopped with an error: which one and why, and the epoch the checkpoint holds. */
export class WorkerError extends Error {
  override name = 'WorkerError';
  constructor(
    message: string,
    readonly checkpointEpoch: number | undefined,
  ) {
    super(message);
  }
}

/** Ctrl-C came before the workers completed an epoch: there is nothing new to save. */
export class StoppedBeforeAnEpoch extends Error {
  override name = 'StoppedBeforeAnEpoch';
}

/** What the launcher reports of a worker that failed (train.py's failed_worker). */
interface FailedWorker {
  readonly worker: number;
  readonly workers: number;
  readonly signal?: string;
  readonly exit?: number;
  readonly error?: string;
}

/** A line the launcher writes on stdout: an epoch, the epoch the run keeps, a note, or the worker that failed. */
type LauncherLine =
  | EpochRecord
  | { readonly bestEpoch: number; readonly stopped?: 'early' }
  | { readonly note: string }
  | { readonly failed: FailedWorker };

export async function trainOnPyTorch(checked: CheckedModel, data: TrainingData, options: PyTorchRunOptions): Promise<PyTorchRunResult> {
  const work = options.packageDir;
  for (const entry of fs.readdirSync(work)) {
    if (/^epoch-\d+(\.tmp)?$/.test(entry)) fs.rmSync(path.join(work, entry), { recursive: true, force: true });
  }
  const model = lowerModel(data.model);
  const initial = path.join(work, 'initial');
  await writeWeightsFiles(modelWeights(model), `${initial}.json`, `${initial}.bin`);
  const epochs: EpochRecord[] = [...(options.resume?.epochs ?? [])];
  let checkpointEpoch = epochs.at(-1)?.epoch;
  /** With early_stop or select: the epoch the run keeps, its weights, and whether it stopped early. */
  const kept: { epoch?: number; weights?: LayerArrays; stopped?: 'early' } = {};
  const history = (stopped?: RunHistory['stopped']): RunHistory => ({
    format: 'mtl-history',
    version: 1,
    model: checked.name,
    backend: `pytorch (${options.workers} ${options.device} worker${options.workers === 1 ? '' : 's'})`,
    data: { train: data.files.train, ...(data.files.validation !== undefined ? { validation: data.files.validation } : {}) },
    epochs: [...epochs],
    ...(kept.epoch !== undefined ? { bestEpoch: kept.epoch } : {}),
    ...(stopped !== undefined ? { stopped } : {}),
  });
  const parts = { checked: data.model, source: options.source, sidecar: data.sidecar };
  /** An epoch the workers completed becomes the checkpoint: its weights in the model, its torch state beside them. */
  const takeEpoch = async (record: EpochRecord): Promise<void> => {
    const from = path.join(work, `epoch-${record.epoch}`);
    setModelWeights(model, await readWeightsFiles(path.join(from, 'weights.json'), path.join(from, 'weights.bin')));
    // The best epoch's weights so far (early_stop, select), which the saved model gets.
    if (fs.existsSync(path.join(from, 'kept.json')))
      kept.weights = await readWeightsFiles(path.join(from, 'kept.json'), path.join(from, 'kept.bin'));
    epochs.push(record);
    await writeCheckpointDir(options.outDir, model, { ...parts, history: history() }, checkpointState(record.epoch), new Uint8Array(0), {
      [PYTORCH_CHECKPOINT]: path.join(from, 'checkpoint.pt'),
    });
    await fs.promises.rm(from, { recursive: true, force: true });
    checkpointEpoch = record.epoch;
    options.onEpoch?.(record);
  };
  const child = spawn(options.python, trainArgs(options, initial), { stdio: ['ignore', 'pipe', 'pipe'], detached: true });
  // Its own process group: a Ctrl-C at the terminal reaches mtlc only, which stops the group itself.
  let interrupted = false;
  options.onStart?.(() => {
    interrupted = true;
    stopGroup(child, 'SIGTERM');
  });
  // Node exiting for any reason takes the workers with it.
  const onExit = () => stopGroup(child, 'SIGKILL');
  process.once('exit', onExit);
  let stderr = '';
  let pending = '';
  let failed: FailedWorker | undefined;
  let taking: Promise<void> = Promise.resolve();
  let takeError: unknown;
  child.stderr!.on('data', (chunk: Buffer) => {
    stderr = (stderr + chunk.toString()).slice(-8000);
  });
  child.stdout!.on('data', (chunk: Buffer) => {
    pending += chunk.toString();
    for (let i = pending.indexOf('\n'); i >= 0; i = pending.indexOf('\n')) {
      const line = pending.slice(0, i).trim();
      pending = pending.slice(i + 1);
      if (!line.startsWith('{')) continue;
      // train.py writes NaN (a metric with nothing to count) as null: JSON has no NaN.
      const message = JSON.parse(line, (_key, value) => (value === null ? Number.NaN : value)) as LauncherLine;
      if ('note' in message) options.onNote?.(message.note);
      else if ('bestEpoch' in message) {
        kept.epoch = message.bestEpoch;
        if (message.stopped !== undefined) kept.stopped = message.stopped;
      } else if ('failed' in message) failed = message.failed;
      else {
        // Epochs are taken one after another, each after the one before is on disk.
        taking = taking
          .then(() => (takeError === undefined ? takeEpoch(message) : undefined))
          .catch((error: unknown) => {
            takeError = error;
            stopGroup(child, 'SIGKILL');
          });
      }
    }
  });
  const [code, signal] = await new Promise<[number | null, NodeJS.Signals | null]>((resolve) =>
    child.on('close', (c, s) => resolve([c, s])),
  );
  process.removeListener('exit', onExit);
  // The launcher ends the other workers when one fails; this makes sure of it.
  stopGroup(child, 'SIGKILL');
  await taking;
  if (takeError !== undefined || (code !== 0 && !interrupted)) {
    model.dispose();
    throw takeError ?? new WorkerError(workerFailure(failed, options.workers, code, signal, stderr), checkpointEpoch);
  }
  // No epoch taken in this run: only those of the resumed one.
  if (interrupted && epochs.length === (options.resume?.epochs.length ?? 0)) {
    model.dispose();
    const held = checkpointEpoch !== undefined ? `; the checkpoint still holds epoch ${checkpointEpoch}` : '';
    throw new StoppedBeforeAnEpoch(`interrupted before the workers completed an epoch: nothing new was saved${held}`);
  }
  if (kept.weights !== undefined) setModelWeights(model, kept.weights);
  const final = history(interrupted ? 'interrupted' : kept.stopped);
  const lambdas = epochs.at(-1)?.lambda;
  const evaluation = { batch: checked.train.batch, ...(lambdas !== undefined ? { lambdas } : {}) };
  const train = await evaluate(model, data.model, data.train, evaluation);
  const validation = data.validation !== undefined ? await evaluate(model, data.model, data.validation, evaluation) : undefined;
  await saveModelDir(options.outDir, model, { ...parts, history: final });
  return {
    history: final,
    model,
    train,
    ...(validation !== undefined ? { validation } : {}),
    interrupted,
    ...(checkpointEpoch !== undefined ? { checkpointEpoch } : {}),
  };
}

/** train.py's command line: the data, the initial weights, every epoch kept for mtlc to take. */
function trainArgs(options: PyTorchRunOptions, initial: string): string[] {
  const { workerData } = options;
  return [
    path.join(options.packageDir, 'train.py'),
    '--data',
    workerData.pack,
    ...(workerData.validationRows !== undefined ? ['--validation-rows', workerData.validationRows] : []),
    ...(workerData.validationPack !== undefined ? ['--validation-data', workerData.validationPack] : []),
    '--weights',
    initial,
    '--out',
    options.packageDir,
    '--epochs',
    String(options.epochs),
    '--workers',
    String(options.workers),
    '--device',
    options.device,
    '--keep-epochs',
    ...(options.resume !== undefined ? ['--resume', options.resume.checkpoint] : []),
  ];
}

/** The state.json of a PyTorch run's checkpoint: its epoch; the training state is checkpoint.pt. */
function checkpointState(epoch: number): CheckpointState {
  return {
    format: 'mtl-checkpoint',
    version: 1,
    epoch,
    optimizer: { className: 'torch', weights: [], runningProducts: [] },
    strategy: [],
    engine: 'pytorch',
  };
}

/** One paragraph on why the workers stopped: the worker and its signal, exit or error. */
function workerFailure(
  failed: FailedWorker | undefined,
  workers: number,
  code: number | null,
  signal: NodeJS.Signals | null,
  stderr: string,
): string {
  if (failed !== undefined) {
    const why =
      failed.signal !== undefined
        ? `was killed (${failed.signal})`
        : failed.exit !== undefined
          ? `exited with code ${failed.exit}`
          : `failed: ${failed.error ?? 'no message'}`;
    return `PyTorch worker ${failed.worker} of ${failed.workers} ${why}, and the other workers were stopped`;
  }
  const who = workers === 1 ? 'the PyTorch worker' : 'the PyTorch launcher';
  if (signal !== null) return `${who} was killed (${signal})`;
  const last = stderr.trim().split('\n').pop()?.trim();
  return `${who} stopped (exit ${code})${last !== undefined && last !== '' ? `: ${last}` : ''}`;
}

/** Signals the launcher's whole process group (it and its workers); quiet when it is gone. */
function stopGroup(child: ChildProcess, signal: NodeJS.Signals): void {
  if (child.pid === undefined) return;
  try {
    process.kill(-child.pid, signal);
  } catch {
    // Already gone.
  }
}
