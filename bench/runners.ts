/**
 * The contenders of the training benchmark, each able to train one more epoch on demand so that
 * the benchmark can interleave them (a noisy neighbour then slows all of them alike):
 *
 * - `mtlRunner`: `train` from runtime/train/loop.ts, the loop `mtlc train` runs, with the
 *   optimizer `mtlc train` makes from the model's `train { }`;
 * - `fitRunner`: the same architecture written with tfjs-layers and trained with `model.fit`, as
 *   a user would by hand (plain categorical cross-entropy per head, `tf.train.adam`);
 * - `torchRunner`: bench/torch_train.py in a child process.
 */
import { spawnSync } from 'node:child_process';
import * as tf from '@tensorflow/tfjs';
import type { CheckedModel } from '../compiler/index.js';
import { installAccelerators, uninstallFastBatchMatMul, uninstallFusedDense, uninstallWasmCopies } from '../runtime/accel/index.js';
import type { Dataset } from '../runtime/data/index.js';
import { lowerModel } from '../runtime/model/index.js';
import { DEFAULT_PYTHON, pythonProblem } from '../runtime/pytorch/index.js';
import { train, createOptimizer } from '../runtime/train/index.js';

/** Milliseconds one epoch took: on the wall clock, and of this process's CPU time. */
export interface EpochTime {
  readonly wall: number;
  readonly cpu: number;
}

export interface Runner {
  readonly name: string;
  /** Trains one epoch over the data set. */
  epoch(): Promise<EpochTime>;
  dispose(): void;
}

/** Times `run`. CPU time is what the machine's other processes leave unchanged: it is the figure to compare when they are busy. */
export async function timed(run: () => Promise<unknown>): Promise<EpochTime> {
  const wall = performance.now();
  const cpu = process.cpuUsage();
  await run();
  const used = process.cpuUsage(cpu);
  return { wall: performance.now() - wall, cpu: (used.user + used.system) / 1000 };
}

/** One epoch of `train`, the same model and optimizer carried from call to call. */
export function mtlRunner(checked: CheckedModel, data: Dataset): Runner {
  const model = lowerModel(checked);
  const optimizer = createOptimizer(checked.train.optimizer);
  let epochs = 0;
  return {
    name: 'mtl train',
    // A different shuffle every call, as consecutive epochs of one run would have.
    epoch: () => timed(() => train(model, checked, { train: data }, { epochs: 1, optimizer, seed: checked.train.seed + epochs++ })),
    dispose() {
      optimizer.dispose();
      model.dispose();
    },
  };
}

/**
 * `model.fit` on the same data, batch and optimizer settings. `stock` runs it with the wasm
 * backend's own kernels (what a user gets from TensorFlow.js); otherwise with mtl's replacements
 * of `BatchMatMul`, `Identity`, `Slice`, `SplitV` and `Concat` (runtime/accel/batch-matmul.ts, runtime/accel/copies.ts).
 */
export function fitRunner(checked: CheckedModel, data: Dataset, stock: boolean): Runner {
  const model = lowerModel(checked);
  const spec = checked.train.optimizer;
  const optimizer = spec.kind === 'adam' ? tf.train.adam(spec.lr, spec.beta1, spec.beta2) : tf.train.adam(0.001);
  model.compile({ optimizer, loss: checked.heads.map(() => 'categoricalCrossentropy') });
  const input = checked.inputs[0]!;
  const xs = tf.tensor(data.inputs[input.name]!, [data.n, ...input.shape]);
  const ys = model.outputNames.map((name) => {
    const head = checked.heads.find((h) => h.name === name)!;
    return tf.tensor(data.labels[name]!.values, [data.n, ...head.task.outShape]);
  });
  return {
    name: stock ? 'model.fit (stock)' : 'model.fit + mtl kernels',
    async epoch() {
      if (stock) {
        uninstallFastBatchMatMul();
        uninstallWasmCopies();
        uninstallFusedDense();
      }
      try {
        return await timed(async () => {
          const history = await model.fit(xs, ys, { batchSize: checked.train.batch, epochs: 1, shuffle: true, verbose: 0 });
          if (!Number.isFinite(history.history['loss']![0] as number)) throw new Error('model.fit: loss is not finite');
        });
      } finally {
        installAccelerators();
      }
    },
    dispose() {
      tf.dispose([xs, ...ys]);
      optimizer.dispose();
      model.dispose();
    },
  };
}

export interface TorchResult {
  readonly model: string;
  readonly samples_per_s: number;
  /** Per second of the process's CPU time. */
  readonly samples_per_cpu_s: number;
  readonly threads: number;
  readonly torch: string;
}

export const PYTHON = DEFAULT_PYTHON;

/** True when Debian's PyTorch is importable (see bench/torch_train.py for how to install it). */
export function torchAvailable(): boolean {
  return pythonProblem(PYTHON) === undefined;
}

/**
 * bench/torch_train.py on `models` with `threads` threads for PyTorch and for OpenBLAS/OpenMP
 * (OpenBLAS otherwise starts one thread per core of its own). Results keyed by model.
 */
export function torchRunner(
  script: string,
  models: readonly string[],
  threads: number,
  steps: number,
  workers = 1,
  flags: readonly string[] = [],
): Map<string, TorchResult> {
  const env = { ...process.env, OPENBLAS_NUM_THREADS: String(threads), OMP_NUM_THREADS: String(threads), MKL_NUM_THREADS: String(threads) };
  const args = [
    script,
    '--models',
    models.join(','),
    '--threads',
    String(threads),
    '--steps',
    String(steps),
    '--workers',
    String(workers),
    ...flags,
  ];
  const run = spawnSync(PYTHON, args, {
    env,
    encoding: 'utf8',
  });
  if (run.status !== 0) throw new Error(`${script} exited ${run.status}: ${run.stderr}`);
  const results = new Map<string, TorchResult>();
  for (const line of run.stdout.split('\n')) {
    if (line.trim() === '') continue;
    const result = JSON.parse(line) as TorchResult;
    results.set(result.model, result);
  }
  return results;
}
