/**
 * Task metrics (LANGUAGE.md §6), computed on the host from predictions, over labelled rows only.
 * Binary and multilabel outputs are thresholded at 0.5 (multilabel counts every label of every
 * row, like Keras); classify precision, recall, F1 and AUC are macro averages over classes
 * (one-vs-rest for AUC); `tag` accuracy counts labelled steps. A metric with nothing to count is NaN.
 */
import type { Metric, TaskNode } from '../../compiler/index.js';

/** The metrics for which a larger value is better; for the others (errors) smaller is. */
export const HIGHER_IS_BETTER: ReadonlySet<Metric> = new Set(['accuracy', 'auc', 'precision', 'recall', 'f1', 'r2']);

/** The part of a task its metrics depend on. */
export type MetricTask = Pick<TaskNode, 'kind' | 'units' | 'metrics'>;

/** What every task reports when it names no metrics. */
export function defaultMetrics(task: MetricTask): readonly Metric[] {
  if (task.metrics.length > 0) return task.metrics;
  return task.kind === 'regress' ? ['mae'] : ['accuracy'];
}

/**
 * The task's metrics over `n` rows of predictions and labels, both row-major with `width` values
 * per row (`units`, or `t · units` for `tag`); `mask[i] = 0` leaves row i out. `watched` is a
 * metric that `train { select }` reads: computed too when the head does not list it.
 */
export function computeMetrics(
  task: MetricTask,
  pred: Float32Array,
  label: Float32Array,
  mask: Uint8Array,
  n: number,
  watched?: Metric,
): Record<string, number> {
  const out: Record<string, number> = {};
  const metrics = defaultMetrics(task);
  for (const metric of watched === undefined || metrics.includes(watched) ? metrics : [...metrics, watched])
    out[metric] = metricValue(metric, task, pred, label, mask, n);
  return out;
}

export function metricValue(
  metric: Metric,
  task: MetricTask,
  pred: Float32Array,
  label: Float32Array,
  mask: Uint8Array,
  n: number,
): number {
  const units = task.units;
  const rows = labelledRows(mask, n);
  switch (metric) {
    case 'accuracy':
      return accuracy(task, pred, label, rows, n > 0 ? label.length / (n * units) : 1);
    case 'auc':
      return macro(units, (c) => auc(column(pred, units, c, rows), column(label, units, c, rows)));
    case 'precision':
    case 'recall':
    case 'f1':
      return task.kind === 'classify'
        ? macroClassScore(metric, pred, label, units, rows)
        : thresholdScore(metric, pred, label, units, rows);
    case 'mse':
      return meanOver(pred, label, units, rows, (e) => e * e);
    case 'mae':
      return meanOver(pred, label, units, rows, Math.abs);
    case 'rmse':
      return Math.sqrt(meanOver(pred, label, units, rows, (e) => e * e));
    case 'r2':
      return macro(units, (c) => r2(column(pred, units, c, rows), column(label, units, c, rows)));
  }
}

function labelledRows(mask: Uint8Array, n: number): number[] {
  const rows: number[] = [];
  for (let i = 0; i < n; i++) if (mask[i] !== 0) rows.push(i);
  return rows;
}

function column(values: Float32Array, units: number, c: number, rows: readonly number[]): Float64Array {
  const out = new Float64Array(rows.length);
  rows.forEach((r, i) => {
    out[i] = values[r * units + c]!;
  });
  return out;
}

function argmax(values: Float32Array, start: number, units: number): number {
  let best = 0;
  for (let c = 1; c < units; c++) if (values[start + c]! > values[start + best]!) best = c;
  return best;
}

function accuracy(task: MetricTask, pred: Float32Array, label: Float32Array, rows: readonly number[], steps: number): number {
  const units = task.units;
  let hits = 0;
  let total = 0;
  if (task.kind === 'classify' || task.kind === 'tag') {
    for (const r of rows) {
      for (let s = 0; s < steps; s++) {
        const start = (r * steps + s) * units;
        // A step whose one-hot row is all zero has no tag: padding, not counted.
        let labelled = false;
        for (let c = 0; c < units; c++) if (label[start + c]! > 0) labelled = true;
        if (!labelled) continue;
        total++;
        if (argmax(pred, start, units) === argmax(label, start, units)) hits++;
      }
    }
  } else {
    for (const r of rows) {
      for (let c = 0; c < units; c++) {
        total++;
        if (pred[r * units + c]! >= 0.5 === label[r * units + c]! >= 0.5) hits++;
      }
    }
  }
  return total === 0 ? NaN : hits / total;
}

/** Rank-based ROC AUC (Mann–Whitney U); ties share their average rank. NaN without both classes. */
export function auc(scores: Float64Array, labels: Float64Array): number {
  const n = scores.length;
  const order = Array.from({ length: n }, (_, i) => i).sort((a, b) => scores[a]! - scores[b]!);
  const ranks = new Float64Array(n);
  for (let i = 0; i < n; ) {
    let j = i;
    while (j + 1 < n && scores[order[j + 1]!] === scores[order[i]!]) j++;
    const rank = (i + j) / 2 + 1;
    for (let k = i; k <= j; k++) ranks[order[k]!] = rank;
    i = j + 1;
  }
  let positives = 0;
  let rankSum = 0;
  for (let i = 0; i < n; i++) {
    if (labels[i]! >= 0.5) {
      positives++;
      rankSum += ranks[i]!;
    }
  }
  const negatives = n - positives;
  if (positives === 0 || negatives === 0) return NaN;
  return (rankSum - (positives * (positives + 1)) / 2) / (positives * negatives);
}

/** The mean over classes of a per-class value, skipping classes where it is undefined (NaN). */
function macro(units: number, value: (c: number) => number): number {
  let sum = 0;
  let count = 0;
  for (let c = 0; c < units; c++) {
    const v = value(c);
    if (!Number.isNaN(v)) {
      sum += v;
      count++;
    }
  }
  return count === 0 ? NaN : sum / count;
}

function score(metric: 'precision' | 'recall' | 'f1', tp: number, fp: number, fn: number): number {
  const precision = tp + fp === 0 ? 0 : tp / (tp + fp);
  const recall = tp + fn === 0 ? 0 : tp / (tp + fn);
  if (metric === 'precision') return precision;
  if (metric === 'recall') return recall;
  return precision + recall === 0 ? 0 : (2 * precision * recall) / (precision + recall);
}

/** Binary and multilabel: every (row, label) pair thresholded at 0.5, counted together. */
function thresholdScore(
  metric: 'precision' | 'recall' | 'f1',
  pred: Float32Array,
  label: Float32Array,
  units: number,
  rows: readonly number[],
): number {
  if (rows.length === 0) return NaN;
  let tp = 0,
    fp = 0,
    fn = 0;
  for (const r of rows) {
    for (let c = 0; c < units; c++) {
      const p = pred[r * units + c]! >= 0.5;
      const y = label[r * units + c]! >= 0.5;
      if (p && y) tp++;
      else if (p) fp++;
      else if (y) fn++;
    }
  }
  return score(metric, tp, fp, fn);
}

/** Classify: per class one-vs-rest from the argmax, averaged over the classes that occur. */
function macroClassScore(
  metric: 'precision' | 'recall' | 'f1',
  pred: Float32Array,
  label: Float32Array,
  units: number,
  rows: readonly number[],
): number {
  const tp = new Float64Array(units),
    fp = new Float64Array(units),
    fn = new Float64Array(units);
  for (const r of rows) {
    const p = argmax(pred, r * units, units);
    const y = argmax(label, r * units, units);
    if (p === y) tp[p]++;
    else {
      fp[p]++;
      fn[y]++;
    }
  }
  return macro(units, (c) => (tp[c]! + fp[c]! + fn[c]! === 0 ? NaN : score(metric, tp[c]!, fp[c]!, fn[c]!)));
}

function meanOver(pred: Float32Array, label: Float32Array, units: number, rows: readonly number[], f: (e: number) => number): number {
  if (rows.length === 0) return NaN;
  let sum = 0;
  for (const r of rows) for (let c = 0; c < units; c++) sum += f(pred[r * units + c]! - label[r * units + c]!);
  return sum / (rows.length * units);
}

/** Coefficient of determination of one output; a constant target scores 1 if matched exactly, else 0. */
function r2(pred: Float64Array, label: Float64Array): number {
  const n = label.length;
  if (n === 0) return NaN;
  let mean = 0;
  for (const y of label) mean += y / n;
  let res = 0,
    tot = 0;
  for (let i = 0; i < n; i++) {
    res += (label[i]! - pred[i]!) ** 2;
    tot += (label[i]! - mean) ** 2;
  }
  if (tot === 0) return res === 0 ? 1 : 0;
  return 1 - res / tot;
}
