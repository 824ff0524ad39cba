/**
 * Regression targets on a common scale: a `regress` head's labels are standardized for training,
 * `(y - mean) / std` per output with the mean and population standard deviation of the training
 * rows that carry the label, so that one task's raw units (horsepower², 13,070) do not swamp the
 * others' losses. The statistics are saved with the model (mtl.json); predictions and metrics are
 * turned back into the data's units. `normalize: false` on the head keeps the raw targets.
 */
import type { CheckedModel } from '../../compiler/index.js';
import type { Dataset, TargetScale, TargetScales } from './dataset.js';
import { featureStats, NORMALIZE_EPSILON } from './normalize.js';

/**
 * The mean and standard deviation of every standardized head's targets over the rows that carry
 * them, among `rows` (default: all), as fitNormalization takes them.
 */
export function fitTargetScales(model: CheckedModel, dataset: Dataset, rows?: ArrayLike<number>): Record<string, TargetScale> {
  const scales: Record<string, TargetScale> = {};
  for (const head of model.heads) {
    if (head.task.kind !== 'regress' || head.task.normalize === false) continue;
    const label = dataset.labels[head.name];
    if (label === undefined) continue;
    const labelled: number[] = [];
    for (let k = 0; k < (rows?.length ?? dataset.n); k++) {
      const i = rows === undefined ? k : rows[k]!;
      if (label.mask[i] !== 0) labelled.push(i);
    }
    const { mean, variance } = featureStats(label.values, dataset.n, head.task.units, labelled);
    scales[head.name] = { mean, std: variance.map((v) => Math.max(Math.sqrt(v), NORMALIZE_EPSILON)) };
  }
  return scales;
}

/** Standardizes the labelled targets of the heads in `scales`, in place, and marks the data set with them. */
export function standardizeTargets(dataset: Dataset, scales: TargetScales): Dataset {
  for (const [name, scale] of Object.entries(scales)) {
    const label = dataset.labels[name];
    if (label === undefined) continue;
    const units = scale.mean.length;
    for (let i = 0; i < dataset.n; i++) {
      if (label.mask[i] === 0) continue;
      for (let u = 0; u < units; u++) label.values[i * units + u] = (label.values[i * units + u]! - scale.mean[u]!) / scale.std[u]!;
    }
  }
  return { ...dataset, targetScales: scales };
}

/** Values on the standardized scale (predictions or targets, row-major) back in the data's units. */
export function inDataUnits(values: Float32Array, scale: TargetScale | undefined): Float32Array {
  if (scale === undefined) return values;
  const units = scale.mean.length;
  return values.map((v, j) => v * scale.std[j % units]! + scale.mean[j % units]!);
}
