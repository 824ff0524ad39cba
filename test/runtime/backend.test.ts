import { describe, expect, it, beforeAll } from 'vitest';
import * as tf from '@tensorflow/tfjs';
import { setupBackend } from '../../runtime/backend/index.js';
import { onBoth, values } from './backends.js';

function maxAbsDiff(a: Float32Array, b: Float32Array): number {
  expect(a.length).toBe(b.length);
  let d = 0;
  for (let i = 0; i < a.length; i++) d = Math.max(d, Math.abs(a[i]! - b[i]!));
  return d;
}

describe('setupBackend', () => {
  beforeAll(async () => {
    expect(await setupBackend()).toBe('wasm');
  });

  it('falls back to wasm because tfjs-node is not installed here', async () => {
    expect(await setupBackend('node')).toBe('wasm');
  });

  it('honours an explicit cpu preference', async () => {
    expect(await setupBackend('cpu')).toBe('cpu');
    expect(await setupBackend('wasm')).toBe('wasm');
  });
});

describe('the wasm BatchMatMul fix', () => {
  beforeAll(async () => {
    await setupBackend('wasm');
  });

  it('replaces the registered wasm kernel', () => {
    expect(tf.getKernel('BatchMatMul', 'wasm')?.kernelFunc.name).toBe('fastBatchMatMul');
  });

  for (const transposeA of [false, true]) {
    for (const transposeB of [false, true]) {
      it(`matches the cpu backend with transposeA=${transposeA} transposeB=${transposeB} and batch 3`, async () => {
        const [m, k, n] = [5, 7, 4];
        const aShape = transposeA ? [3, k, m] : [3, m, k];
        const bShape = transposeB ? [3, n, k] : [3, k, n];
        const { cpu, wasm, shape } = await onBoth(() =>
          tf.tidy(() =>
            tf.matMul(tf.tensor(values(3 * m * k, 1), aShape), tf.tensor(values(3 * k * n, 2), bShape), transposeA, transposeB),
          ),
        );
        expect(shape).toEqual([3, m, n]);
        expect(maxAbsDiff(cpu, wasm)).toBeLessThan(1e-5);
      });
    }
  }

  it('matches the cpu backend on 2-D operands with a size-1 dimension, transposed', async () => {
    const { cpu, wasm } = await onBoth(() =>
      tf.tidy(() => tf.matMul(tf.tensor(values(6, 3), [6, 1]), tf.tensor(values(12, 4), [2, 6]), true, true)),
    );
    expect(maxAbsDiff(cpu, wasm)).toBeLessThan(1e-5);
  });

  it('matches the cpu backend when the batch of one operand broadcasts', async () => {
    const { cpu, wasm } = await onBoth(() =>
      tf.tidy(() => tf.matMul(tf.tensor(values(12, 5), [1, 4, 3]), tf.tensor(values(60, 6), [3, 5, 4]), true, true)),
    );
    expect(maxAbsDiff(cpu, wasm)).toBeLessThan(1e-5);
  });

  // Shapes where computing (op(B)ᵀ · op(A)ᵀ)ᵀ moves fewer values than transposing the operands.
  const swappedCases: { name: string; a: number[]; b: number[]; ta: boolean; tb: boolean }[] = [
    { name: 'one row times Bᵀ, batched', a: [4, 1, 30], b: [4, 20, 30], ta: false, tb: true },
    { name: 'a short A times a wide Bᵀ', a: [2, 50], b: [40, 50], ta: false, tb: true },
    { name: 'both transposed, batched, B broadcast', a: [3, 40, 2], b: [1, 30, 40], ta: true, tb: true },
  ];
  for (const c of swappedCases) {
    it(`matches the cpu backend when it transposes the product instead: ${c.name}`, async () => {
      const { cpu, wasm } = await onBoth(() =>
        tf.tidy(() =>
          tf.matMul(
            tf.tensor(values(tf.util.sizeFromShape(c.a), 11), c.a),
            tf.tensor(values(tf.util.sizeFromShape(c.b), 12), c.b),
            c.ta,
            c.tb,
          ),
        ),
      );
      expect(maxAbsDiff(cpu, wasm)).toBeLessThan(1e-5);
    });
  }

  it('gives the cpu backend dense-layer gradients', async () => {
    const grads = (): tf.Tensor =>
      tf.tidy(() => {
        const x = tf.tensor(values(8 * 6, 7), [8, 6]);
        const w = tf.tensor(values(6 * 3, 8), [6, 3]);
        const g = tf.grads((xx: tf.Tensor, ww: tf.Tensor) => tf.matMul(xx, ww).square().sum())([x, w]);
        return tf.concat([g[0]!.flatten(), g[1]!.flatten()]);
      });
    const { cpu, wasm } = await onBoth(grads);
    expect(maxAbsDiff(cpu, wasm)).toBeLessThan(1e-5);
  });

  it('leaks neither tensors nor backend buffers', async () => {
    const a = tf.tensor(values(2 * 9 * 4, 9), [2, 9, 4]);
    const b = tf.tensor(values(2 * 9 * 5, 10), [2, 9, 5]);
    // Read results outside tidy: tidy would walk a returned TypedArray element by element.
    const run = (x: tf.Tensor, y: tf.Tensor): void => {
      const out = tf.tidy(() => tf.matMul(x, y, true, false).sum());
      out.dataSync();
      out.dispose();
    };
    run(a, b);
    const before = tf.memory().numTensors;
    const dataIds = tf.engine().backend.numDataIds();
    for (let i = 0; i < 20; i++) run(a, b);
    for (let i = 0; i < 5; i++) run(b, a);
    // The product-transposing way too: one row times Aᵀ moves fewer values that way.
    const row = tf.tensor(values(2 * 4, 13), [2, 1, 4]);
    for (let i = 0; i < 5; i++) {
      const out = tf.tidy(() => tf.matMul(row, a, false, true).sum());
      out.dataSync();
      out.dispose();
    }
    row.dispose();
    expect(tf.memory().numTensors).toBe(before);
    expect(tf.engine().backend.numDataIds()).toBe(dataIds);
    a.dispose();
    b.dispose();
  });
});
