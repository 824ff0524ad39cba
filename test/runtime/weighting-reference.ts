/**
 * A plain-JavaScript reference for the weighting tests: a two-task linear network on plain arrays,
 * with its masked MSE losses and hand-derived gradients, independent of TensorFlow.js.
 *
 *   h = x·W + b            (shared: W is [2 in][2 out], b is [2])
 *   y_t = h·v_t + c_t      (task t ∈ {a, b}: v_t is [2], c_t a number)
 *   L_t = (1/n_t) Σ_{rows labelled for t} (y_t − target_t)²
 */
import * as tf from '@tensorflow/tfjs';
import type { CheckedModel, OptimizerSpec, WeightingSpec } from '../../compiler/ir.js';
import type { Dataset } from '../../runtime/data/index.js';
import { head, input, model, src, trunk } from './fixtures.js';

export type Task = 'a' | 'b';
export const TASKS: readonly Task[] = ['a', 'b'];

export interface Params {
  W: number[][];
  b: number[];
  v: Record<Task, number[]>;
  c: Record<Task, number>;
}

export interface Rows {
  x: number[][];
  target: Record<Task, number[]>;
  labelled: Record<Task, boolean[]>;
}

/** Six rows; a lacks row 5's label, b lacks rows 0 and 1. */
export const ROWS: Rows = {
  x: [
    [1, 0.5],
    [-0.5, 1],
    [0.3, -1.2],
    [2, 0.1],
    [-1, -1],
    [0.7, 0.4],
  ],
  target: { a: [1.5, -0.2, 0.4, 2.2, -1.1, 0], b: [0, 0, -1.3, -2.4, 1.6, -0.5] },
  labelled: { a: [true, true, true, true, true, false], b: [false, false, true, true, true, true] },
};

/** Hand-set starting weights, chosen so that the two tasks' shared gradients conflict. */
export const START: Params = {
  W: [
    [0.5, -0.3],
    [0.2, 0.8],
  ],
  b: [0.1, -0.1],
  v: { a: [0.9, 0.4], b: [0.7, -0.6] },
  c: { a: 0.05, b: -0.05 },
};

export function clone(p: Params): Params {
  return { W: p.W.map((r) => [...r]), b: [...p.b], v: { a: [...p.v.a], b: [...p.v.b] }, c: { ...p.c } };
}

function hidden(p: Params, x: number[]): number[] {
  return [0, 1].map((k) => x[0]! * p.W[0]![k]! + x[1]! * p.W[1]![k]! + p.b[k]!);
}

export function loss(p: Params, rows: Rows, t: Task): number {
  let sum = 0;
  let n = 0;
  rows.x.forEach((x, r) => {
    if (!rows.labelled[t][r]) return;
    const h = hidden(p, x);
    const y = h[0]! * p.v[t][0]! + h[1]! * p.v[t][1]! + p.c[t];
    sum += (y - rows.target[t][r]!) ** 2;
    n++;
  });
  return n > 0 ? sum / n : 0;
}

/** ∂L_t on every parameter (zeros on the other task's head). */
export function gradient(p: Params, rows: Rows, t: Task): Params {
  const g: Params = {
    W: [
      [0, 0],
      [0, 0],
    ],
    b: [0, 0],
    v: { a: [0, 0], b: [0, 0] },
    c: { a: 0, b: 0 },
  };
  const n = rows.labelled[t].filter(Boolean).length;
  rows.x.forEach((x, r) => {
    if (!rows.labelled[t][r]) return;
    const h = hidden(p, x);
    const y = h[0]! * p.v[t][0]! + h[1]! * p.v[t][1]! + p.c[t];
    const dy = (2 * (y - rows.target[t][r]!)) / n;
    for (let k = 0; k < 2; k++) {
      g.v[t][k]! += dy * h[k]!;
      const dh = dy * p.v[t][k]!;
      g.b[k]! += dh;
      for (let i = 0; i < 2; i++) g.W[i]![k]! += x[i]! * dh;
    }
    g.c[t] += dy;
  });
  return g;
}

/** The shared part of a gradient as one vector: W row by row, then b. */
export function sharedVector(g: Params): number[] {
  return [...g.W.flat(), ...g.b];
}

export const dot = (u: readonly number[], v: readonly number[]): number => u.reduce((s, x, i) => s + x * v[i]!, 0);
export const scale = (u: readonly number[], k: number): number[] => u.map((x) => x * k);
export const plus = (u: readonly number[], v: readonly number[]): number[] => u.map((x, i) => x + v[i]!);
export const minus = (u: readonly number[], v: readonly number[]): number[] => u.map((x, i) => x - v[i]!);

/** p − lr·(shared update on W and b, and per task k_t·∂L_t on its own head). */
export function sgdStep(p: Params, lr: number, shared: readonly number[], own: Record<Task, { v: number[]; c: number }>): Params {
  const q = clone(p);
  for (let i = 0; i < 2; i++) for (let k = 0; k < 2; k++) q.W[i]![k]! -= lr * shared[i * 2 + k]!;
  for (let k = 0; k < 2; k++) q.b[k]! -= lr * shared[4 + k]!;
  for (const t of TASKS) {
    for (let k = 0; k < 2; k++) q.v[t][k]! -= lr * own[t].v[k]!;
    q.c[t] -= lr * own[t].c;
  }
  return q;
}

/** The reference network as an mtl model: trunk dense(2) and two regress(1) heads, plain SGD. */
export function referenceModel(weighting: WeightingSpec, lr: number, weights: Record<Task, number> = { a: 1, b: 1 }): CheckedModel {
  const x = input('x', [2]);
  const shared = trunk('shared', src.input(x), [['dense', { units: 2 }]]);
  const base = model('Reference', {
    inputs: [x],
    trunks: [shared],
    heads: [head('a', src.trunk(shared), [], 'regress', 1), head('b', src.trunk(shared), [], 'regress', 1)],
    weights,
  });
  const optimizer: OptimizerSpec = { kind: 'sgd', lr, momentum: 0 };
  return { ...base, weighting, train: { ...base.train, optimizer, batch: ROWS.x.length, shuffle: false } };
}

export function referenceData(rows: Rows = ROWS): Dataset {
  const n = rows.x.length;
  const column = (t: Task) => ({
    values: Float32Array.from(rows.target[t].map((v, r) => (rows.labelled[t][r] ? v : 0))),
    mask: Uint8Array.from(rows.labelled[t].map((l) => (l ? 1 : 0))),
  });
  return { n, inputs: { x: Float32Array.from(rows.x.flat()) }, labels: { a: column('a'), b: column('b') } };
}

/** Loads the parameters into a lowered reference model. */
export function setParams(m: tf.LayersModel, p: Params): void {
  tf.tidy(() => {
    m.getLayer('shared/dense_1').setWeights([tf.tensor2d(p.W), tf.tensor1d(p.b)]);
    for (const t of TASKS) m.getLayer(t).setWeights([tf.tensor2d(p.v[t].map((v) => [v])), tf.tensor1d([p.c[t]])]);
  });
}

/** Reads the parameters back from a lowered reference model. */
export function getParams(m: tf.LayersModel): Params {
  const read = (name: string) =>
    m
      .getLayer(name)
      .getWeights()
      .map((w) => Array.from(w.dataSync()));
  const [W, b] = read('shared/dense_1') as [number[], number[]];
  const [va, ca] = read('a') as [number[], number[]];
  const [vb, cb] = read('b') as [number[], number[]];
  return { W: [W.slice(0, 2), W.slice(2, 4)], b, v: { a: va, b: vb }, c: { a: ca[0]!, b: cb[0]! } };
}

/** Every parameter as one list, for element-wise comparison. */
export function flatParams(p: Params): number[] {
  return [...p.W.flat(), ...p.b, ...p.v.a, p.c.a, ...p.v.b, p.c.b];
}
