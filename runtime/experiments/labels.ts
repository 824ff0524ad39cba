/**
 * How alike two tasks' labels are, from the data alone (`mtlc relate`). Two numbers per pair of
 * heads i, j, each over the N rows where both labels exist:
 *
 * - agreement, the seed tutorial's relatedness R_ij = (1/N) Σ_k I(y_ik = y_jk). Comparing labels
 *   only means something when both tasks draw them from the same finite set, so R_ij is computed
 *   only for two heads of the same discrete kind (classify, binary, multilabel, tag) with the same
 *   output shape and the same class names (or none on both); two labels are equal when their whole
 *   encodings are (class id, 0/1, label set, tag sequence). Any other pair is "not meaningful", with
 *   the reason: different label spaces, different class names, or continuous (regress) labels,
 *   whose exact equality says nothing.
 * - Pearson's r of the labels as numbers, defined when both labels are scalars (binary, classify(2)
 *   as its class id 0/1, regress(1)) and neither is constant over those rows.
 */
import { type CheckedModel, type HeadNode, type TaskNode, describeTask } from '../../compiler/index.js';
import type { Dataset, LabelColumn } from '../data/index.js';

/** One cell of a task-by-task matrix: a value, or the reason there is none. */
export interface PairValue {
  readonly value?: number;
  /** Rows labelled for both tasks. */
  readonly rows: number;
  /** Why there is no value ("not meaningful: …"). */
  readonly note?: string;
}

export interface LabelRelations {
  readonly tasks: readonly string[];
  readonly agreement: readonly (readonly PairValue[])[];
  readonly correlation: readonly (readonly PairValue[])[];
}

const DISCRETE: ReadonlySet<TaskNode['kind']> = new Set(['classify', 'binary', 'multilabel', 'tag']);

function sameList(a: readonly string[] | undefined, b: readonly string[] | undefined): boolean {
  if (a === undefined || b === undefined) return a === b;
  return a.length === b.length && a.every((x, i) => x === b[i]);
}

/** Why R_ij is not meaningful for two tasks, or undefined when it is. */
function agreementProblem(a: TaskNode, b: TaskNode): string | undefined {
  if (a.kind === 'regress' && b.kind === 'regress') return 'not meaningful: continuous labels (see the correlation)';
  const sameShape = a.kind === b.kind && a.outShape.length === b.outShape.length && a.outShape.every((d, i) => d === b.outShape[i]);
  if (!sameShape || !DISCRETE.has(a.kind)) return `not meaningful: different label spaces (${describeTask(a)} vs ${describeTask(b)})`;
  if (!sameList(a.classes, b.classes)) return 'not meaningful: different class names';
  return undefined;
}

/** Whether a task's label is one number: binary, classify(2) (its class id), regress(1). */
function scalarLabel(task: TaskNode): boolean {
  return task.kind === 'binary' || (task.kind === 'classify' && task.units === 2) || (task.kind === 'regress' && task.units === 1);
}

/** A row's label as one number (call only when `scalarLabel`). */
function scalarAt(task: TaskNode, values: Float32Array, row: number): number {
  if (task.kind === 'classify') return values[row * 2 + 1]!;
  return values[row]!;
}

function bothLabelled(a: Uint8Array, b: Uint8Array): number[] {
  const rows: number[] = [];
  for (let k = 0; k < a.length; k++) if (a[k] !== 0 && b[k] !== 0) rows.push(k);
  return rows;
}

function agreement(a: HeadNode, b: HeadNode, la: LabelColumn, lb: LabelColumn, rows: readonly number[], n: number): PairValue {
  const problem = agreementProblem(a.task, b.task);
  if (problem !== undefined) return { rows: rows.length, note: problem };
  if (rows.length === 0) return { rows: 0, note: 'no row has both labels' };
  const width = la.values.length / n;
  let equal = 0;
  for (const k of rows) {
    let same = true;
    for (let c = 0; c < width && same; c++) same = la.values[k * width + c] === lb.values[k * width + c];
    if (same) equal++;
  }
  return { value: equal / rows.length, rows: rows.length };
}

/** Pearson's r in two passes over the shared rows. */
export function pearson(x: ArrayLike<number>, y: ArrayLike<number>): number | undefined {
  const n = x.length;
  if (n < 2) return undefined;
  let mx = 0;
  let my = 0;
  for (let k = 0; k < n; k++) {
    mx += x[k]!;
    my += y[k]!;
  }
  mx /= n;
  my /= n;
  let sxy = 0;
  let sxx = 0;
  let syy = 0;
  for (let k = 0; k < n; k++) {
    const dx = x[k]! - mx;
    const dy = y[k]! - my;
    sxy += dx * dy;
    sxx += dx * dx;
    syy += dy * dy;
  }
  if (sxx === 0 || syy === 0) return undefined;
  return sxy / Math.sqrt(sxx * syy);
}

function correlation(a: HeadNode, b: HeadNode, la: LabelColumn, lb: LabelColumn, rows: readonly number[]): PairValue {
  if (!scalarLabel(a.task) || !scalarLabel(b.task)) return { rows: rows.length, note: 'undefined: a label is not one number' };
  const r = pearson(
    rows.map((k) => scalarAt(a.task, la.values, k)),
    rows.map((k) => scalarAt(b.task, lb.values, k)),
  );
  if (r === undefined)
    return {
      rows: rows.length,
      note: rows.length < 2 ? 'undefined: fewer than two rows have both labels' : 'undefined: a label is constant',
    };
  return { value: r, rows: rows.length };
}

/** Both numbers for one pair, over the rows labelled for both (found once). */
function relation(a: HeadNode, b: HeadNode, data: Dataset): { agreement: PairValue; correlation: PairValue } {
  const la = data.labels[a.name];
  const lb = data.labels[b.name];
  if (la === undefined || lb === undefined)
    return { agreement: { rows: 0, note: 'no labels in the data' }, correlation: { rows: 0, note: 'no labels in the data' } };
  const rows = bothLabelled(la.mask, lb.mask);
  return { agreement: agreement(a, b, la, lb, rows, data.n), correlation: correlation(a, b, la, lb, rows) };
}

/** Both matrices for every pair of the model's heads (diagonal included), in head order. */
export function labelRelations(model: CheckedModel, data: Dataset): LabelRelations {
  const heads = model.heads;
  const pairs = heads.map((a) => heads.map((b) => relation(a, b, data)));
  return {
    tasks: heads.map((h) => h.name),
    agreement: pairs.map((row) => row.map((p) => p.agreement)),
    correlation: pairs.map((row) => row.map((p) => p.correlation)),
  };
}
