/**
 * Feature normalization for inputs declared `normalize` (LANGUAGE.md §7): mean and variance are
 * learned from the training rows only, stored with the model (mtl.json), and applied to every
 * split as `(x - mean) / max(sqrt(variance), 1e-7)`, as Keras' `Normalization` layer does.
 * A feature is a position on the input's last axis: `float[n]` has n features, a `float[t, f]`
 * sequence has f, shared by all t steps. Variance is the population variance.
 */
import type { CheckedModel, InputNode } from '../../compiler/index.js';
import type { Dataset } from './dataset.js';

export interface NormStats {
  readonly mean: readonly number[];
  readonly variance: readonly number[];
}

/** Keeps a constant feature from dividing by zero; the same floor Keras uses. */
export const NORMALIZE_EPSILON = 1e-7;

/** The inputs that get normalized: declared `normalize`, float, and not a category. */
export function normalizedInputs(model: CheckedModel): InputNode[] {
  return model.inputs.filter((i) => i.normalize && i.dtype === 'float' && i.category === undefined);
}

function featureCount(input: InputNode): number {
  return input.shape.length === 0 ? 1 : input.shape[input.shape.length - 1]!;
}

/** Mean and variance per feature of every normalized input, over `rows` (default: all rows). */
export function fitNormalization(model: CheckedModel, dataset: Dataset, rows?: ArrayLike<number>): Record<string, NormStats> {
  const stats: Record<string, NormStats> = {};
  for (const input of normalizedInputs(model)) {
    const values = dataset.inputs[input.name];
    if (values === undefined) throw new Error(`bug: the data set has no input "${input.name}"`);
    stats[input.name] = featureStats(values, dataset.n, featureCount(input), rows);
  }
  return stats;
}

/** Two passes in double precision: a mean first, then squared deviations from it. */
export function featureStats(values: Float32Array | Int32Array, n: number, features: number, rows?: ArrayLike<number>): NormStats {
  const width = n === 0 ? 0 : values.length / n;
  const count = rows === undefined ? n : rows.length;
  const perRow = width / features;
  const sum = new Float64Array(features);
  const squares = new Float64Array(features);
  const rowAt = (i: number): number => (rows === undefined ? i : rows[i]!);
  for (let i = 0; i < count; i++) {
    const start = rowAt(i) * width;
    for (let j = 0; j < width; j++) sum[j % features] += values[start + j]!;
  }
  const samples = count * perRow;
  const mean = Array.from(sum, (s) => (samples === 0 ? 0 : s / samples));
  for (let i = 0; i < count; i++) {
    const start = rowAt(i) * width;
    for (let j = 0; j < width; j++) {
      const d = values[start + j]! - mean[j % features]!;
      squares[j % features] += d * d;
    }
  }
  const variance = Array.from(squares, (s) => (samples === 0 ? 1 : s / samples));
  return { mean, variance };
}

/** Normalizes the inputs named in `stats`, in place, for every row of `dataset`. */
export function applyNormalization(dataset: Dataset, stats: Readonly<Record<string, NormStats>>): void {
  for (const [name, { mean, variance }] of Object.entries(stats)) {
    const values = dataset.inputs[name];
    if (values === undefined) throw new Error(`bug: the data set has no input "${name}"`);
    if (!(values instanceof Float32Array)) throw new Error(`bug: input "${name}" holds integers and cannot be normalized`);
    const features = mean.length;
    const scale = variance.map((v) => 1 / Math.max(Math.sqrt(v), NORMALIZE_EPSILON));
    for (let j = 0; j < values.length; j++) {
      const f = j % features;
      values[j] = (values[j]! - mean[f]!) * scale[f]!;
    }
  }
}
