import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import * as tf from '@tensorflow/tfjs';
import type { LossSpec, TaskKind } from '../../compiler/ir.js';
import { setupBackend } from '../../runtime/backend/index.js';
import { FUSED_LOSS } from '../../runtime/accel/masked-loss.js';
import { maskedLoss } from '../../runtime/train/losses/index.js';
import { values } from './backends.js';

/** Probabilities (softmax rows for classify, sigmoids otherwise), some clipped, and labels with gaps and a NaN in a masked row. */
function batch(kind: TaskKind, rows: number, units: number) {
  const logits = tf.tensor2d(
    values(rows * units, 1).map((v) => 12 * v - 6),
    [rows, units],
  );
  const p = kind === 'classify' ? tf.softmax(logits) : tf.sigmoid(logits);
  // Probabilities at and beyond the clip bounds, to exercise the clip's zero gradient.
  const pv = p.dataSync().slice();
  pv[0] = 0;
  pv[units + 0] = 1;
  const probabilities = tf.tensor2d(pv, [rows, units]);
  const labels = new Float32Array(rows * units);
  const r = values(rows * units, 2);
  for (let i = 0; i < rows; i++) {
    if (kind === 'classify') labels[i * units + (i % units)] = 1;
    else for (let u = 0; u < units; u++) labels[i * units + u] = r[i * units + u]! < 0.5 ? 0 : 1;
  }
  const mask = Float32Array.from({ length: rows }, (_, i) => (i % 4 === 3 ? 0 : 1));
  labels[3 * units] = NaN; // row 3 is masked: its NaN label must not matter
  tf.dispose([logits, p]);
  return { y: tf.tensor2d(labels, [rows, units]), p: probabilities, mask: tf.tensor1d(mask) };
}

/** Mean, sum, count and d(mean + 0.5·sum)/dp, flattened. */
function lossAndGradient(kind: TaskKind, loss: LossSpec, rows: number, units: number): number[] {
  const { y, p, mask } = batch(kind, rows, units);
  const out = tf.tidy(() => {
    const task = { kind, loss };
    const l = maskedLoss(task, y, p, mask);
    const g = tf.grad((q: tf.Tensor) => {
      const m = maskedLoss(task, y, q, mask);
      return m.mean.add(m.sum.mul(0.5)) as tf.Scalar;
    })(p);
    return tf.concat([tf.stack([l.mean, l.sum, l.count]), g.flatten()]);
  });
  const result = Array.from(out.dataSync());
  tf.dispose([out, y, p, mask]);
  return result;
}

/** The same, with the fused kernel unregistered on this backend: the tensor-op path of train/losses/masked.ts. */
function withoutFused(run: () => number[]): number[] {
  const backend = tf.getBackend();
  const kernel = tf.getKernel(FUSED_LOSS, backend)!;
  tf.unregisterKernel(FUSED_LOSS, backend);
  try {
    return run();
  } finally {
    tf.registerKernel(kernel);
  }
}

function expectClose(actual: number[], expected: number[]): void {
  expect(actual.length).toBe(expected.length);
  const scale = Math.max(...expected.map(Math.abs));
  actual.forEach((a, i) => expect(Math.abs(a - expected[i]!), `element ${i}`).toBeLessThanOrEqual(2e-6 * scale));
}

beforeAll(async () => {
  await setupBackend('wasm');
});

afterEach(async () => {
  await tf.setBackend('wasm');
});

describe('the fused masked loss', () => {
  const cases: { kind: TaskKind; loss: LossSpec; units: number }[] = [
    { kind: 'classify', loss: { kind: 'categorical_crossentropy' }, units: 5 },
    { kind: 'binary', loss: { kind: 'binary_crossentropy' }, units: 1 },
    { kind: 'multilabel', loss: { kind: 'binary_crossentropy' }, units: 4 },
  ];
  for (const backend of ['wasm', 'cpu']) {
    for (const c of cases) {
      it(`gives the loss and gradient of the tensor ops: ${c.kind}, ${c.loss.kind}, on ${backend}`, async () => {
        await tf.setBackend(backend);
        const fused = lossAndGradient(c.kind, c.loss, 16, c.units);
        expect(fused.every(Number.isFinite)).toBe(true);
        expectClose(
          fused,
          withoutFused(() => lossAndGradient(c.kind, c.loss, 16, c.units)),
        );
      });
    }
  }

  it('gives a masked row exactly nothing: zero gradient, and no change to sum or count', async () => {
    const { y, p, mask } = batch('classify', 8, 3);
    const task = { kind: 'classify' as const, loss: { kind: 'categorical_crossentropy' as const } };
    const g = tf.grad((q: tf.Tensor) => maskedLoss(task, y, q, mask).mean)(p);
    expect(Array.from(g.dataSync().slice(3 * 3, 4 * 3))).toEqual([0, 0, 0]);
    const l = maskedLoss(task, y, p, mask);
    expect(l.count.dataSync()[0]).toBe(6);
    tf.dispose([g, l.mean, l.sum, l.count, y, p, mask]);
  });

  it('runs as one kernel forward', async () => {
    const { y, p, mask } = batch('classify', 8, 3);
    const profile = await tf.profile(() => {
      const l = maskedLoss({ kind: 'classify', loss: { kind: 'categorical_crossentropy' } }, y, p, mask);
      return [l.mean, l.sum, l.count];
    });
    expect(profile.kernelNames).toEqual([FUSED_LOSS]);
    tf.dispose([y, p, mask]);
  });

  it('leaves the tensor count and the wasm buffers as they were', async () => {
    const { y, p, mask } = batch('multilabel', 8, 4);
    const task = { kind: 'multilabel' as const, loss: { kind: 'binary_crossentropy' as const } };
    const step = () =>
      tf
        .tidy(() =>
          tf
            .grad((q: tf.Tensor) => maskedLoss(task, y, q, mask).mean)(p)
            .sum(),
        )
        .dispose();
    step();
    const before = [tf.memory().numTensors, tf.engine().backend.numDataIds()];
    for (let i = 0; i < 5; i++) step();
    expect([tf.memory().numTensors, tf.engine().backend.numDataIds()]).toEqual(before);
    tf.dispose([y, p, mask]);
  });
});
