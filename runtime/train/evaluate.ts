/**
 * Evaluation of a model on a data set: predictions in batches (inference mode), each task's masked
 * loss accumulated on the device with the same functions training uses (on standardized targets
 * where the model trains on them), and each task's metrics computed on the host from the
 * predictions, in the data's units.
 */
import * as tf from '@tensorflow/tfjs';
import type { CheckedModel } from '../../compiler/index.js';
import { applyModel, batchTensors, disposeBatch, headsInOutputOrder } from './batch.js';
import { Batches, type Dataset, inDataUnits } from '../data/index.js';
import { maskedLoss } from './losses/index.js';
import { computeMetrics } from './metrics.js';

export interface Evaluation {
  /** Σ λ_i · taskLoss_i. */
  readonly loss: number;
  /** Mean loss per head over its labelled rows (0 when none). */
  readonly taskLoss: Record<string, number>;
  readonly metrics: Record<string, Record<string, number>>;
  /** Labelled rows per head. */
  readonly labelled: Record<string, number>;
}

export interface EvaluateOptions {
  readonly batch?: number;
  /** λ per head for the total loss; default 1. */
  readonly lambdas?: Readonly<Record<string, number>>;
}

const DEFAULT_BATCH = 256;

function allRows(n: number): Int32Array {
  return Int32Array.from({ length: n }, (_, i) => i);
}

/** Each head's predictions on every row, row-major (`n * product(outShape)` values), in the data's units. */
export async function predict(
  model: tf.LayersModel,
  checked: CheckedModel,
  data: Dataset,
  batch = DEFAULT_BATCH,
): Promise<Record<string, Float32Array>> {
  const { predictions } = await run(model, checked, data, batch, false);
  return Object.fromEntries(Object.entries(predictions).map(([name, values]) => [name, inDataUnits(values, data.targetScales?.[name])]));
}

export async function evaluate(
  model: tf.LayersModel,
  checked: CheckedModel,
  data: Dataset,
  options: EvaluateOptions = {},
): Promise<Evaluation> {
  const heads = headsInOutputOrder(model, checked.heads);
  const { predictions, sums, counts } = await run(model, checked, data, options.batch ?? DEFAULT_BATCH, true);
  const taskLoss: Record<string, number> = {};
  const metrics: Record<string, Record<string, number>> = {};
  const labelled: Record<string, number> = {};
  let loss = 0;
  const select = checked.train.select;
  heads.forEach((head, i) => {
    const name = head.name;
    taskLoss[name] = counts[i]! > 0 ? sums[i]! / counts[i]! : 0;
    loss += (options.lambdas?.[name] ?? 1) * taskLoss[name]!;
    const label = data.labels[name];
    const mask = label?.mask ?? new Uint8Array(data.n);
    labelled[name] = mask.reduce((a, b) => a + (b !== 0 ? 1 : 0), 0);
    const values = label?.values ?? new Float32Array(predictions[name]!.length);
    const watched = select?.head === name && select.metric !== 'loss' ? select.metric : undefined;
    // Metrics in the data's units; the loss stays on the scale the model trains on.
    const scale = data.targetScales?.[name];
    metrics[name] = computeMetrics(head.task, inDataUnits(predictions[name]!, scale), inDataUnits(values, scale), mask, data.n, watched);
  });
  return { loss, taskLoss, metrics, labelled };
}

async function run(
  model: tf.LayersModel,
  checked: CheckedModel,
  data: Dataset,
  batchSize: number,
  withLoss: boolean,
): Promise<{ predictions: Record<string, Float32Array>; sums: number[]; counts: number[] }> {
  const heads = headsInOutputOrder(model, checked.heads);
  const width = heads.map((h) => h.task.outShape.reduce((a, b) => a * b, 1));
  const predictions: Record<string, Float32Array> = {};
  heads.forEach((h, i) => {
    predictions[h.name] = new Float32Array(data.n * width[i]!);
  });
  let accumulated: tf.Tensor1D = tf.zeros([2 * heads.length]);
  let offset = 0;
  for (const batch of new Batches(data, allRows(data.n), batchSize).epoch(0)) {
    const tensors = batchTensors(model, heads, batch);
    const { outputs, stats } = tf.tidy(() => {
      const ys = applyModel(model, tensors.xs, false);
      if (!withLoss) return { outputs: ys, stats: undefined };
      const losses = heads.map((h, i) => maskedLoss(h.task, tensors.labels[h.name]!.y, ys[i]!, tensors.labels[h.name]!.mask));
      return { outputs: ys, stats: tf.stack([...losses.map((l) => l.sum), ...losses.map((l) => l.count)]) as tf.Tensor1D };
    });
    disposeBatch(tensors);
    if (stats !== undefined) {
      const next = accumulated.add(stats) as tf.Tensor1D;
      tf.dispose([accumulated, stats]);
      accumulated = next;
    }
    const values = await Promise.all(outputs.map((o) => o.data() as Promise<Float32Array>));
    tf.dispose(outputs);
    heads.forEach((h, i) => predictions[h.name]!.set(values[i]!, offset * width[i]!));
    offset += batch.size;
  }
  const totals = Array.from(await accumulated.data());
  accumulated.dispose();
  return { predictions, sums: totals.slice(0, heads.length), counts: totals.slice(heads.length) };
}
