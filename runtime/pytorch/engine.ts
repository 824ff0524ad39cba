/**
 * `mtlc train --engine pytorch`: the run's data bound once here, as the TensorFlow.js engine binds
 * it (same columns, classes, normalization, masks, split), written beside the emitted package as
 * arrays the workers memory-map; the TensorFlow.js initial weights handed over; the emitted
 * `train.py` run on N local workers; its final weights brought back into the lowered model, which
 * is evaluated and saved as an ordinary model directory.
 */
import { type ChildProcess, spawn, spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import type * as tf from '@tensorflow/tfjs';
import type { CheckedModel } from '../../compiler/index.js';
import type { Dataset, TrainingData } from '../data/index.js';
import { type EpochRecord, lowerModel, type RunHistory, saveModelDir } from '../model/index.js';
import { evaluate, type Evaluation } from '../train/index.js';
import { type LayerArrays, modelWeights, readWeightsFiles, setModelWeights, writeWeightsFiles } from './weights.js';

export const INSTALL_TORCH = 'apt-get install -y python3-torch';

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
  readonly resume: boolean;
  readonly onEpoch?: (record: EpochRecord) => void;
  /** Called with a function that stops the workers (Ctrl-C). */
  readonly onStart?: (stop: () => void) => void;
}

export interface PyTorchRunResult {
  readonly history: RunHistory;
  readonly model: tf.LayersModel;
  readonly train: Evaluation;
  readonly validation?: Evaluation;
  readonly interrupted: boolean;
}

/** Error of the workers: their exit and the end of what they wrote on stderr. */
export class WorkerError extends Error {
  override name = 'WorkerError';
}

/** `scale/HEAD`: [mean, std] per output of each head trained on standardized targets, for metrics in the data's units. */
function scaleArrays(data: Dataset): LayerArrays {
  return Object.fromEntries(
    Object.entries(data.targetScales ?? {}).map(([head, scale]) => [
      `scale/${head}`,
      [{ shape: [2, scale.mean.length], values: Float32Array.from([...scale.mean, ...scale.std]) }],
    ]),
  );
}

function datasetArrays(split: string, data: Dataset, model: CheckedModel): LayerArrays {
  const arrays: Record<string, { shape: number[]; values: Float32Array }[]> = {};
  const n = data.n;
  for (const [name, values] of Object.entries(data.inputs)) {
    const floats = values instanceof Float32Array ? values : Float32Array.from(values);
    arrays[`${split}/input/${name}`] = [{ shape: [n, n === 0 ? 0 : floats.length / n], values: floats }];
  }
  for (const head of model.heads) {
    const label = data.labels[head.name];
    const values = label?.values ?? new Float32Array(n * head.task.outShape.reduce((a, b) => a * b, 1));
    arrays[`${split}/label/${head.name}`] = [{ shape: [n, ...head.task.outShape], values }];
    arrays[`${split}/mask/${head.name}`] = [{ shape: [n], values: Float32Array.from(label?.mask ?? new Uint8Array(n)) }];
  }
  return arrays;
}

export async function trainOnPyTorch(checked: CheckedModel, data: TrainingData, options: PyTorchRunOptions): Promise<PyTorchRunResult> {
  const work = options.packageDir;
  const dataFile = path.join(work, 'data');
  await writeWeightsFiles(
    {
      ...datasetArrays('train', data.train, checked),
      ...(data.validation ? datasetArrays('val', data.validation, checked) : {}),
      ...scaleArrays(data.train),
    },
    `${dataFile}.json`,
    `${dataFile}.bin`,
  );
  const model = lowerModel(checked);
  const initial = path.join(work, 'initial');
  await writeWeightsFiles(modelWeights(model), `${initial}.json`, `${initial}.bin`);
  const previous = options.resume ? ((await readHistory(options.outDir))?.epochs ?? []) : [];
  const epochs: EpochRecord[] = [...previous];
  const args = [
    path.join(work, 'train.py'),
    '--data',
    dataFile,
    '--weights',
    initial,
    '--out',
    work,
    '--epochs',
    String(options.epochs),
    '--workers',
    String(options.workers),
    '--device',
    options.device,
    ...(options.resume ? ['--resume'] : []),
  ];
  let interrupted = false;
  /** What train.py says of the run besides its epochs: the epoch it keeps, and whether it stopped early. */
  const run: { bestEpoch?: number; stopped?: 'early' } = {};
  const child = spawn(options.python, args, { stdio: ['ignore', 'pipe', 'pipe'], detached: true });
  options.onStart?.(() => {
    interrupted = true;
    stopGroup(child, 'SIGTERM');
  });
  // Node exiting for any reason takes the workers with it.
  const onExit = () => stopGroup(child, 'SIGKILL');
  process.once('exit', onExit);
  let stderr = '';
  let pending = '';
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
      const parsed = JSON.parse(line, (_key, value) => (value === null ? Number.NaN : value)) as
        | EpochRecord
        | { bestEpoch: number; stopped?: 'early' };
      if ('bestEpoch' in parsed) {
        run.bestEpoch = parsed.bestEpoch;
        if (parsed.stopped !== undefined) run.stopped = parsed.stopped;
        continue;
      }
      epochs.push(parsed);
      options.onEpoch?.(parsed);
    }
  });
  const code = await new Promise<number | null>((resolve) => child.on('close', (c) => resolve(c)));
  process.removeListener('exit', onExit);
  // torch.multiprocessing.spawn ends the other workers when one fails; this makes sure of it.
  stopGroup(child, 'SIGKILL');
  if (code !== 0 && !interrupted) {
    model.dispose();
    throw new WorkerError(`the PyTorch workers stopped (exit ${code}):\n${lastError(stderr)}`);
  }
  if (fs.existsSync(path.join(work, 'weights.json'))) {
    setModelWeights(model, await readWeightsFiles(path.join(work, 'weights.json'), path.join(work, 'weights.bin')));
  }
  const history: RunHistory = {
    format: 'mtl-history',
    version: 1,
    model: checked.name,
    backend: `pytorch (${options.workers} ${options.device} worker${options.workers === 1 ? '' : 's'})`,
    data: { train: data.files.train, ...(data.files.validation !== undefined ? { validation: data.files.validation } : {}) },
    epochs,
    ...(run.bestEpoch !== undefined ? { bestEpoch: run.bestEpoch } : {}),
    ...(interrupted ? { stopped: 'interrupted' as const } : run.stopped !== undefined ? { stopped: run.stopped } : {}),
  };
  const lambdas = epochs.at(-1)?.lambda;
  const evaluation = { batch: checked.train.batch, ...(lambdas !== undefined ? { lambdas } : {}) };
  const train = await evaluate(model, checked, data.train, evaluation);
  const validation = data.validation !== undefined ? await evaluate(model, checked, data.validation, evaluation) : undefined;
  await saveModelDir(options.outDir, model, { checked, source: options.source, sidecar: data.sidecar, history });
  return { history, model, train, ...(validation !== undefined ? { validation } : {}), interrupted };
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

/** The worker's own error out of a Python traceback (the last lines, which name it). */
function lastError(stderr: string): string {
  const lines = stderr.trim().split('\n');
  return lines.slice(-12).join('\n');
}

async function readHistory(dir: string): Promise<RunHistory | undefined> {
  try {
    return JSON.parse(await fs.promises.readFile(path.join(dir, 'history.json'), 'utf8')) as RunHistory;
  } catch {
    return undefined;
  }
}
