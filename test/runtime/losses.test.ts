import { beforeAll, describe, expect, it } from 'vitest';
import * as tf from '@tensorflow/tfjs';
import type { LossSpec, TaskKind } from '../../compiler/ir.js';
import { EPSILON } from '../../runtime/accel/index.js';
import { maskedLoss, type LossTask } from '../../runtime/train/losses/index.js';
import { auc, computeMetrics } from '../../runtime/train/metrics.js';

beforeAll(async () => {
  await tf.setBackend('cpu');
});

function task(kind: TaskKind, loss: LossSpec): LossTask {
  return { kind, loss };
}

function lossOf(
  t: LossTask,
  y: number[][] | number[][][],
  p: number[][] | number[][][],
  mask: number[],
): { mean: number; sum: number; count: number } {
  return tf.tidy(() => {
    const l = maskedLoss(t, tf.tensor(y), tf.tensor(p), tf.tensor1d(mask));
    return { mean: l.mean.arraySync(), sum: l.sum.arraySync(), count: l.count.arraySync() };
  });
}

const CE = task('classify', { kind: 'categorical_crossentropy' });
const BCE = task('binary', { kind: 'binary_crossentropy' });

describe('maskedLoss equals a hand computation', () => {
  it('categorical cross-entropy: mean of −log p[true class] over labelled rows', () => {
    const l = lossOf(
      CE,
      [
        [1, 0, 0],
        [0, 0, 1],
        [0, 1, 0],
      ],
      [
        [0.7, 0.2, 0.1],
        [0.1, 0.3, 0.6],
        [0.5, 0.25, 0.25],
      ],
      [1, 1, 0],
    );
    expect(l.count).toBe(2);
    expect(l.mean).toBeCloseTo((-Math.log(0.7) - Math.log(0.6)) / 2, 6);
  });

  it('binary cross-entropy, averaged over labels for multilabel', () => {
    const b = lossOf(BCE, [[1], [0]], [[0.9], [0.2]], [1, 1]);
    expect(b.mean).toBeCloseTo((-Math.log(0.9) - Math.log(0.8)) / 2, 6);
    const m = lossOf(task('multilabel', { kind: 'binary_crossentropy' }), [[1, 0]], [[0.6, 0.3]], [1]);
    expect(m.mean).toBeCloseTo((-Math.log(0.6) - Math.log(0.7)) / 2, 6);
  });

  it('clips probabilities so that a confident mistake costs −log ε, not infinity', () => {
    expect(lossOf(BCE, [[1]], [[0]], [1]).mean).toBeCloseTo(-Math.log(EPSILON), 3);
  });

  it('mse, mae and huber average over outputs, then over labelled rows', () => {
    const y = [
      [1, 2],
      [0, 0],
      [5, 5],
    ];
    const p = [
      [2, 0],
      [0, 3],
      [9, 9],
    ];
    expect(lossOf(task('regress', { kind: 'mse' }), y, p, [1, 1, 0]).mean).toBeCloseTo(((1 + 4) / 2 + 9 / 2) / 2, 6);
    expect(lossOf(task('regress', { kind: 'mae' }), y, p, [1, 1, 0]).mean).toBeCloseTo(((1 + 2) / 2 + 3 / 2) / 2, 6);
    // delta 1: |e| = 1 → 0.5; |e| = 2 → 1·(2 − 0.5) = 1.5; |e| = 3 → 2.5
    expect(lossOf(task('regress', { kind: 'huber', delta: 1 }), y, p, [1, 1, 0]).mean).toBeCloseTo(((0.5 + 1.5) / 2 + 2.5 / 2) / 2, 6);
  });

  it('tag: cross-entropy per step, over labelled steps of labelled rows', () => {
    const y = [
      [
        [1, 0],
        [0, 1],
        [0, 0],
      ],
      [
        [1, 0],
        [1, 0],
        [1, 0],
      ],
    ];
    const p = [
      [
        [0.8, 0.2],
        [0.4, 0.6],
        [0.5, 0.5],
      ],
      [
        [0.1, 0.9],
        [0.1, 0.9],
        [0.1, 0.9],
      ],
    ];
    const l = lossOf(task('tag', { kind: 'categorical_crossentropy' }), y, p, [1, 0]);
    expect(l.count).toBe(2);
    expect(l.mean).toBeCloseTo((-Math.log(0.8) - Math.log(0.6)) / 2, 6);
  });

  it('is 0 for a batch with no labelled rows', () => {
    expect(lossOf(CE, [[1, 0]], [[0.5, 0.5]], [0])).toEqual({ mean: 0, sum: 0, count: 0 });
  });

  it('ignores the label of a masked row even when it is NaN', () => {
    expect(lossOf(BCE, [[1], [NaN]], [[0.9], [0.2]], [1, 0]).mean).toBeCloseTo(-Math.log(0.9), 6);
  });
});

describe('a masked row contributes exactly nothing', () => {
  it('to the loss and to its gradient, compared with leaving the row out', () => {
    const w = tf.variable(tf.randomNormal([4, 3], 0, 1, 'float32', 11));
    const x = tf.randomNormal([5, 4], 0, 1, 'float32', 12);
    const y = tf.oneHot(tf.tensor1d([0, 2, 1, 1, 0], 'int32'), 3).toFloat();
    const lossOn = (rows: number[], mask: number[]) => () => {
      const idx = tf.tensor1d(rows, 'int32');
      const p = tf.softmax(tf.gather(x, idx).matMul(w));
      return maskedLoss(CE, tf.gather(y, idx), p, tf.tensor1d(mask)).mean;
    };
    const masked = tf.variableGrads(lossOn([0, 1, 2, 3, 4], [1, 1, 0, 1, 1]), [w]);
    const without = tf.variableGrads(lossOn([0, 1, 3, 4], [1, 1, 1, 1]), [w]);
    expect(masked.value.arraySync()).toBeCloseTo(without.value.arraySync(), 6);
    const diff = tf.max(tf.abs(masked.grads[w.name]!.sub(without.grads[w.name]!))).arraySync() as number;
    expect(diff).toBeLessThan(1e-7);
    // And the masked row alone has no gradient at all.
    const alone = tf.variableGrads(lossOn([2], [0]), [w]);
    expect(tf.max(tf.abs(alone.grads[w.name]!)).arraySync()).toBe(0);
    tf.dispose([
      w,
      x,
      y,
      masked.value,
      without.value,
      alone.value,
      ...Object.values(masked.grads),
      ...Object.values(without.grads),
      ...Object.values(alone.grads),
    ]);
  });
});

describe('metrics', () => {
  const f32 = (v: number[]) => Float32Array.from(v);
  const u8 = (v: number[]) => Uint8Array.from(v);

  it('binary: accuracy, precision, recall, f1 at 0.5 and rank AUC, labelled rows only', () => {
    const m = computeMetrics(
      { kind: 'binary', units: 1, metrics: ['accuracy', 'precision', 'recall', 'f1', 'auc'] },
      f32([0.9, 0.6, 0.4, 0.1, 0.8]),
      f32([1, 0, 1, 0, 0]),
      u8([1, 1, 1, 1, 0]),
      5,
    );
    expect(m).toEqual({ accuracy: 0.5, precision: 0.5, recall: 0.5, f1: 0.5, auc: 0.75 });
  });

  it('classify: accuracy and macro precision/recall', () => {
    const pred = f32([0.8, 0.1, 0.1, 0.2, 0.7, 0.1, 0.6, 0.3, 0.1, 0.1, 0.1, 0.8]);
    const label = f32([1, 0, 0, 0, 1, 0, 0, 1, 0, 0, 0, 1]);
    const m = computeMetrics(
      { kind: 'classify', units: 3, metrics: ['accuracy', 'precision', 'recall'] },
      pred,
      label,
      u8([1, 1, 1, 1]),
      4,
    );
    expect(m.accuracy).toBe(0.75);
    expect(m.precision).toBeCloseTo((0.5 + 1 + 1) / 3, 9);
    expect(m.recall).toBeCloseTo((1 + 0.5 + 1) / 3, 9);
  });

  it('regression: mse, mae, rmse and r2', () => {
    const m = computeMetrics(
      { kind: 'regress', units: 1, metrics: ['mse', 'mae', 'rmse', 'r2'] },
      f32([1, 2, 4]),
      f32([1, 3, 5]),
      u8([1, 1, 1]),
      3,
    );
    expect(m.mse).toBeCloseTo(2 / 3, 6);
    expect(m.mae).toBeCloseTo(2 / 3, 6);
    expect(m.rmse).toBeCloseTo(Math.sqrt(2 / 3), 6);
    expect(m.r2).toBeCloseTo(1 - 2 / ((1 - 3) ** 2 + 0 + (5 - 3) ** 2), 6);
  });

  it('tag accuracy counts labelled steps', () => {
    const m = computeMetrics(
      { kind: 'tag', units: 2, metrics: ['accuracy'] },
      f32([0.9, 0.1, 0.2, 0.8, 0.5, 0.4]),
      f32([1, 0, 1, 0, 0, 0]),
      u8([1]),
      1,
    );
    expect(m.accuracy).toBe(0.5);
  });

  it('AUC gives ties half credit and is NaN with one class', () => {
    expect(auc(Float64Array.from([0.5, 0.5]), Float64Array.from([1, 0]))).toBe(0.5);
    expect(auc(Float64Array.from([0.1, 0.9]), Float64Array.from([1, 1]))).toBeNaN();
  });

  it('is NaN when no row is labelled', () => {
    expect(computeMetrics({ kind: 'binary', units: 1, metrics: ['accuracy'] }, f32([0.9]), f32([1]), u8([0]), 1).accuracy).toBeNaN();
  });
});
