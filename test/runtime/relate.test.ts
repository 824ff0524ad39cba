import { beforeAll, describe, expect, it } from 'vitest';
import * as tf from '@tensorflow/tfjs';
import { compile } from '../../compiler/compile.js';
import type { CheckedModel } from '../../compiler/ir.js';
import type { Dataset, LabelColumn } from '../../runtime/data/dataset.js';
import { mulberry32 } from '../../runtime/data/random.js';
import { relateGradients } from '../../runtime/experiments/gradients.js';
import { labelRelations } from '../../runtime/experiments/labels.js';
import { lowerModel } from '../../runtime/model/lower.js';
import { applyModel, batchTensors, disposeBatch, headsInOutputOrder } from '../../runtime/train/batch.js';
import { Batches } from '../../runtime/data/index.js';
import { splitVariables } from '../../runtime/train/index.js';
import { maskedLoss } from '../../runtime/train/losses/index.js';

beforeAll(async () => {
  await tf.setBackend('cpu');
});

function checked(text: string): CheckedModel {
  const result = compile('/project/main.mtl', text);
  expect(result.diagnostics.filter((d) => d.severity === 'error')).toEqual([]);
  return result.models[0]!;
}

/** A label column from raw values: class ids one-hot encoded, numbers as they are; null is missing. */
function classes(ids: readonly (number | null)[], n: number): LabelColumn {
  const values = new Float32Array(ids.length * n);
  ids.forEach((id, k) => {
    if (id !== null) values[k * n + id] = 1;
  });
  return { values, mask: Uint8Array.from(ids, (id) => (id === null ? 0 : 1)) };
}
function numbers(ys: readonly (number | null)[]): LabelColumn {
  return { values: Float32Array.from(ys, (y) => y ?? 0), mask: Uint8Array.from(ys, (y) => (y === null ? 0 : 1)) };
}

const LABELS = `model M {
  input x: float[2]
  trunk t = x -> dense(4, relu)
  head a = t -> classify(3)
  head b = t -> classify(3)
  head c = t -> binary()
  head d = t -> regress(1)
  head e = t -> regress(1)
  head f = t -> classify(3) { classes: ["p", "q", "r"] }
  head g = t -> classify(2)
}`;

describe('label relatedness R_ij = (1/N) Σ_k I(y_ik = y_jk)', () => {
  const a = [0, 1, 2, 2, null, 1, 0, 2, 1, null];
  const b = [0, 2, 2, 1, 1, 1, null, 2, 0, 0];
  const c = [1, 0, 1, 1, 0, null, 0, 1, 1, 0];
  const d = [0.5, 1.5, -2, 3, 0, 1, null, 2.5, 1, 0];
  const e = [1, 2, -1, 4, 1, null, 2, 3, 2, 1];
  const g = [1, 0, 0, 1, 1, 0, 0, 1, 0, null];
  const data: Dataset = {
    n: 10,
    inputs: { x: new Float32Array(20) },
    labels: {
      a: classes(a, 3),
      b: classes(b, 3),
      c: numbers(c),
      d: numbers(d),
      e: numbers(e),
      f: classes(a, 3),
      g: classes(g, 2),
    },
  };
  const relations = labelRelations(checked(LABELS), data);
  const at = (matrix: typeof relations.agreement, i: string, j: string) => matrix[relations.tasks.indexOf(i)]![relations.tasks.indexOf(j)]!;

  it('counts equal labels over the rows where both exist', () => {
    let both = 0;
    let equal = 0;
    for (let k = 0; k < 10; k++) {
      if (a[k] === null || b[k] === null) continue;
      both++;
      if (a[k] === b[k]) equal++;
    }
    expect(both).toBe(7);
    expect(at(relations.agreement, 'a', 'b')).toEqual({ value: equal / both, rows: both });
    expect(at(relations.agreement, 'b', 'a')).toEqual(at(relations.agreement, 'a', 'b'));
    expect(at(relations.agreement, 'a', 'a')).toEqual({ value: 1, rows: 8 });
  });

  it('marks pairs whose label spaces differ, and continuous labels, as not meaningful', () => {
    expect(at(relations.agreement, 'a', 'c')).toEqual({
      rows: 7,
      note: 'not meaningful: different label spaces (classify(3) vs binary())',
    });
    expect(at(relations.agreement, 'a', 'd')).toEqual({
      rows: 7,
      note: 'not meaningful: different label spaces (classify(3) vs regress(1))',
    });
    expect(at(relations.agreement, 'd', 'e')).toEqual({ rows: 8, note: 'not meaningful: continuous labels (see the correlation)' });
    expect(at(relations.agreement, 'a', 'f')).toEqual({ rows: 8, note: 'not meaningful: different class names' });
    expect(at(relations.agreement, 'a', 'g').note).toBe('not meaningful: different label spaces (classify(3) vs classify(2))');
  });

  it("gives Pearson's r of scalar labels, matching the plain formula", () => {
    const plain = (x: number[], y: number[]) => {
      const mx = x.reduce((s, v) => s + v, 0) / x.length;
      const my = y.reduce((s, v) => s + v, 0) / y.length;
      const cov = x.reduce((s, v, i) => s + (v - mx) * (y[i]! - my), 0);
      const vx = x.reduce((s, v) => s + (v - mx) ** 2, 0);
      const vy = y.reduce((s, v) => s + (v - my) ** 2, 0);
      return cov / Math.sqrt(vx * vy);
    };
    const pairs = (x: (number | null)[], y: (number | null)[]) => {
      const keep = x.map((v, k) => v !== null && y[k] !== null);
      return [x.filter((_, k) => keep[k]) as number[], y.filter((_, k) => keep[k]) as number[]] as const;
    };
    const [d1, e1] = pairs(d, e);
    expect(at(relations.correlation, 'd', 'e').value).toBeCloseTo(plain(d1, e1), 6);
    expect(at(relations.correlation, 'd', 'e').rows).toBe(8);
    const [c1, d2] = pairs(c, d);
    expect(at(relations.correlation, 'c', 'd').value).toBeCloseTo(plain(c1, d2), 6);
    const [g1, c2] = pairs(g, c);
    expect(at(relations.correlation, 'g', 'c').value).toBeCloseTo(plain(g1, c2), 6);
    expect(at(relations.correlation, 'd', 'd').value).toBeCloseTo(1, 6);
    expect(at(relations.correlation, 'a', 'd')).toEqual({ rows: 7, note: 'undefined: a label is not one number' });
  });
});

const SHARED = `model Two {
  input x: float[4]
  trunk shared = x -> dense(6, tanh)
  head u = shared -> dense(3, tanh) -> regress(1)
  head v = shared -> binary()
  train { batch: 10, seed: 5, shuffle: false }
}`;

function problem(n: number, seed: number): Dataset {
  const random = mulberry32(seed);
  const x = Float32Array.from({ length: n * 4 }, () => random() * 2 - 1);
  const u = Float32Array.from({ length: n }, (_, k) => x[k * 4]! - x[k * 4 + 1]!);
  const v = Float32Array.from({ length: n }, (_, k) => (x[k * 4 + 2]! > 0 ? 1 : 0));
  // The first batch has no label for v: its step counts for no pair with v.
  const vMask = Uint8Array.from({ length: n }, (_, k) => (k < 10 ? 0 : 1));
  return { n, inputs: { x }, labels: { u: { values: u, mask: new Uint8Array(n).fill(1) }, v: { values: v, mask: vMask } } };
}

describe('gradient cosine between tasks on the shared parameters', () => {
  it("equals the cosine of each task's own gradient, computed independently, averaged over steps", async () => {
    // With a learning rate of 0 the weights stay put, so every step can be recomputed afterwards.
    const base = checked(SHARED);
    const model: CheckedModel = { ...base, train: { ...base.train, optimizer: { kind: 'sgd', lr: 0, momentum: 0 } } };
    const data = problem(30, 1);
    const m = lowerModel(model);
    const run = await relateGradients(m, model, { train: data });
    const heads = headsInOutputOrder(m, model.heads);
    const shared = splitVariables(
      m,
      model,
      heads.map((h) => h.name),
    ).shared;
    expect(shared.length).toBe(2);
    const cosines: number[] = [];
    for (const batch of new Batches(
      data,
      Int32Array.from({ length: 30 }, (_, i) => i),
      10,
    ).epoch(0)) {
      const tensors = batchTensors(m, heads, batch);
      const grad = (name: string): Float32Array =>
        tf.tidy(() => {
          const { grads } = tf.variableGrads(() => {
            const ys = applyModel(m, tensors.xs, true);
            const i = heads.findIndex((h) => h.name === name);
            return maskedLoss(heads[i]!.task, tensors.labels[name]!.y, ys[i]!, tensors.labels[name]!.mask).mean;
          }, shared);
          return tf.concat(shared.map((s) => grads[s.name]!.reshape([-1]))).dataSync() as Float32Array;
        });
      const gu = grad('u');
      const gv = grad('v');
      const dot = gu.reduce((s, x, i) => s + x * gv[i]!, 0);
      const nu = Math.sqrt(gu.reduce((s, x) => s + x * x, 0));
      const nv = Math.sqrt(gv.reduce((s, x) => s + x * x, 0));
      if (nu > 0 && nv > 0) cosines.push(dot / (nu * nv));
      disposeBatch(tensors);
    }
    expect(cosines).toHaveLength(2);
    const g = run.gradients;
    expect(g.tasks).toEqual(['u', 'v']);
    expect(g.steps).toBe(3);
    expect(g.sharedParameters).toBe(4 * 6 + 6);
    expect(g.cosine[0]![1]!.rows).toBe(2);
    expect(g.cosine[0]![1]!.value).toBeCloseTo((cosines[0]! + cosines[1]!) / 2, 4);
    expect(g.cosine[1]![0]!.value).toBeCloseTo(g.cosine[0]![1]!.value!, 6);
    expect(g.conflict[0]![1]!.value).toBe(cosines.filter((c) => c < 0).length / 2);
    expect(g.cosine[0]![0]).toEqual({ value: expect.closeTo(1, 5), rows: 3 });
    expect(g.perEpoch).toHaveLength(1);
    expect(run.history.epochs).toHaveLength(1);
    m.dispose();
  });

  it('trains as the plain loop does while it measures', async () => {
    const base = checked(SHARED);
    const model: CheckedModel = { ...base, train: { ...base.train, optimizer: { kind: 'adam', lr: 0.01, beta1: 0.9, beta2: 0.999 } } };
    const data = problem(60, 2);
    const { train } = await import('../../runtime/train/loop.js');
    const plain = lowerModel(model);
    const expected = await train(plain, model, { train: data }, { epochs: 2 });
    const probed = lowerModel(model);
    const run = await relateGradients(probed, model, { train: data }, { epochs: 2 });
    expect(run.history.epochs.map((e) => e.loss)).toEqual(expected.epochs.map((e) => expect.closeTo(e.loss, 5)));
    expect(run.gradients.perEpoch).toHaveLength(2);
    plain.dispose();
    probed.dispose();
  });

  it('says when the heads share no parameters', async () => {
    const model = checked(`model Apart {
      input x: float[4]
      head u = x -> dense(3, relu) -> regress(1)
      head v = x -> binary()
      train { batch: 10 }
    }`);
    const m = lowerModel(model);
    const run = await relateGradients(m, model, { train: problem(20, 3) });
    expect(run.gradients.sharedParameters).toBe(0);
    expect(run.gradients.cosine[0]![1]).toEqual({ rows: 0, note: 'undefined: the heads share no parameters' });
    m.dispose();
  });
});
