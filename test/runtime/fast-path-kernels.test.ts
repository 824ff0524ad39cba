import { beforeAll, describe, expect, it } from 'vitest';
import * as tf from '@tensorflow/tfjs';
import { setupBackend } from '../../runtime/backend/index.js';
import { footprint, onBothEach, values } from './backends.js';

beforeAll(async () => {
  expect(await setupBackend('wasm')).toBe('wasm');
});

describe('wasm Identity shares the buffer', () => {
  it('clones without a new buffer, and the clone outlives the original', async () => {
    await tf.setBackend('wasm');
    const x = tf.tensor2d(values(12, 1), [3, 4]);
    const buffers = tf.findBackend('wasm')!.numDataIds();
    const y = tf.clone(x);
    expect(tf.findBackend('wasm')!.numDataIds()).toBe(buffers);
    const expected = Array.from(x.dataSync());
    x.dispose();
    expect(Array.from(y.dataSync())).toEqual(expected);
    y.dispose();
    expect(tf.findBackend('wasm')!.numDataIds()).toBe(buffers - 1);
  });

  it('gives the gradients the tape saved through it as before', async () => {
    const { cpu, wasm } = await onBothEach(() =>
      tf.tidy(() =>
        tf.grads((a: tf.Tensor, b: tf.Tensor) => tf.matMul(tf.relu(a), b).square().sum())([
          tf.tensor2d(values(12, 2), [3, 4]),
          tf.tensor2d(values(8, 3), [4, 2]),
        ]),
      ),
    );
    cpu.forEach((c, i) => c.forEach((v, j) => expect(Math.abs(v - wasm[i]![j]!)).toBeLessThan(1e-6)));
  });
});

describe('wasm Slice, SplitV and Concat read in place', () => {
  const x = (): tf.Tensor => tf.tensor(values(4 * 5 * 6 * 3, 1), [4, 5, 6, 3]);
  const boxes: { name: string; begin: number[]; size: number[] }[] = [
    { name: 'one inner row', begin: [1, 2, 3, 0], size: [1, 1, 1, 3] },
    { name: 'a box in the middle of every axis', begin: [1, 1, 2, 1], size: [2, 3, 3, 2] },
    { name: 'whole inner axes (one contiguous run per outer index)', begin: [0, 2, 0, 0], size: [4, 2, 6, 3] },
    { name: 'a contiguous block', begin: [2, 0, 0, 0], size: [2, 5, 6, 3] },
    { name: 'nothing', begin: [0, 0, 0, 0], size: [0, 5, 6, 3] },
  ];
  for (const box of boxes) {
    it(`slices as the cpu backend does: ${box.name}`, async () => {
      const { cpu, wasm, shapes } = await onBothEach(() => tf.tidy(() => [tf.slice(x(), box.begin, box.size)]));
      expect(shapes[0]).toEqual(box.size);
      expect(wasm).toEqual(cpu);
    });
  }

  it('slices rank 1 and rank 2 tensors', async () => {
    const { cpu, wasm } = await onBothEach(() =>
      tf.tidy(() => [tf.slice(tf.range(0, 10), 3, 4), tf.slice(tf.tensor2d(values(30, 2), [5, 6]), [1, 2], [3, 3])]),
    );
    expect(wasm).toEqual(cpu);
  });

  it('splits along each axis as the cpu backend does', async () => {
    const { cpu, wasm } = await onBothEach(() =>
      tf.tidy(() => [0, 1, 2, 3].flatMap((axis) => tf.split(x(), axis === 1 ? [1, 3, 1] : 2 + (axis % 2), axis))),
    );
    expect(wasm).toEqual(cpu);
  });

  it('gives the gradient of a concatenation (SplitV) of the cpu backend', async () => {
    const { cpu, wasm } = await onBothEach(() =>
      tf.tidy(() => {
        const parts = [0, 1, 2].map((i) => tf.tensor(values(8 * 1 * 5, 10 + i), [8, 1, 5]));
        const up = tf.tensor(values(8 * 3 * 5, 20), [8, 3, 5]);
        return tf.grads((a: tf.Tensor, b: tf.Tensor, c: tf.Tensor) => tf.concat([a, b, c], 1).mul(up).sum())(parts);
      }),
    );
    expect(wasm).toEqual(cpu);
  });

  it('concatenates along each axis as the cpu backend does (float32, int32, bool, an empty part)', async () => {
    const { cpu, wasm, shapes } = await onBothEach(() =>
      tf.tidy(() => [
        ...[0, 1, 2, 3].map((axis) => {
          const parts = [1, 2, 3].map((size, i) => {
            const shape = [4, 5, 6, 3];
            shape[axis] = size;
            return tf.tensor(values(tf.util.sizeFromShape(shape), 30 + i), shape);
          });
          return tf.concat(parts, axis);
        }),
        // An MMoE's expert stack: rows [256, 1, 68] side by side.
        tf.concat(
          [0, 1, 2, 3, 4, 5, 6, 7].map((i) => tf.tensor(values(16 * 7, 40 + i), [16, 1, 7])),
          1,
        ),
        tf.concat([tf.tensor2d([1, 2, 3, 4], [2, 2], 'int32'), tf.tensor2d([5, 6], [2, 1], 'int32')], 1),
        tf.concat([tf.tensor2d([true, false], [2, 1], 'bool'), tf.tensor2d([false, false, true, true], [2, 2], 'bool')], 1),
        tf.concat([tf.tensor2d(values(6, 50), [2, 3]), tf.zeros([2, 0]), tf.tensor2d(values(4, 51), [2, 2])], 1),
      ]),
    );
    expect(shapes[4]).toEqual([16, 8, 7]);
    expect(wasm).toEqual(cpu);
  });

  it('leaves no tensor and no buffer behind', async () => {
    await tf.setBackend('wasm');
    const t = x();
    const run = () => tf.dispose([tf.slice(t, [1, 1, 1, 1], [2, 2, 2, 2]), ...tf.split(t, 3, 2), tf.concat([t, t], 1)]);
    run();
    const before = footprint();
    for (let i = 0; i < 5; i++) run();
    expect(footprint()).toEqual(before);
    t.dispose();
  });
});

describe('wasm Transpose of matrices in SIMD blocks', () => {
  const cases: { name: string; shape: number[]; perm: number[] }[] = [
    { name: 'a matrix whose sides are not multiples of 4', shape: [7, 5], perm: [1, 0] },
    { name: "a wide layer's input", shape: [256, 100], perm: [1, 0] },
    { name: 'a batch of matrices', shape: [2, 3, 9, 6], perm: [0, 1, 3, 2] },
    { name: 'a row', shape: [1, 6], perm: [1, 0] },
    { name: 'another permutation (the stock kernel)', shape: [3, 4, 5], perm: [2, 0, 1] },
  ];
  for (const c of cases) {
    it(`moves every value where the cpu backend does: ${c.name}`, async () => {
      const { cpu, wasm, shapes } = await onBothEach(() =>
        tf.tidy(() => [tf.transpose(tf.tensor(values(tf.util.sizeFromShape(c.shape), 9), c.shape), c.perm)]),
      );
      expect(wasm).toEqual(cpu);
      expect(shapes[0]).toEqual(c.perm.map((p) => c.shape[p]));
    });
  }
});

describe('wasm batched matmuls', () => {
  const cases: { name: string; a: number[]; b: number[]; ta: boolean; tb: boolean }[] = [
    { name: 'outer products [8, 1] · [1, 6] (an MMoE mixture gradient)', a: [16, 8, 1], b: [16, 1, 6], ta: false, tb: false },
    { name: 'outer products from transposed operands', a: [16, 1, 8], b: [16, 6, 1], ta: true, tb: true },
    { name: 'one row times Bᵀ (the product comes back reshaped, not moved)', a: [2, 1, 50], b: [2, 40, 50], ta: false, tb: true },
    { name: 'Aᵀ · B, [8, 1]ᵀ · [8, 6]', a: [16, 8, 1], b: [16, 8, 6], ta: true, tb: false },
    { name: 'A · Bᵀ, [8, 6] · [1, 6]ᵀ', a: [16, 8, 6], b: [16, 1, 6], ta: false, tb: true },
    { name: 'both transposed', a: [5, 7, 3], b: [5, 4, 7], ta: true, tb: true },
    { name: 'matrices times vectors, [8, 6] · [6, 1]', a: [16, 8, 6], b: [16, 6, 1], ta: false, tb: false },
    { name: 'rows times Bᵀ, [1, 6] · [5, 6]ᵀ', a: [16, 1, 6], b: [16, 5, 6], ta: false, tb: true },
    { name: 'a transposed column times Bᵀ, [6, 1]ᵀ · [5, 6]ᵀ', a: [16, 6, 1], b: [16, 5, 6], ta: true, tb: true },
    { name: 'a vector broadcast over the batch of A, [8, 6] · [6, 1]', a: [16, 8, 6], b: [1, 6, 1], ta: false, tb: false },
    { name: 'A broadcast over the batch of B', a: [1, 3, 4], b: [6, 4, 2], ta: false, tb: false },
    { name: 'rank 4 batches', a: [2, 3, 4, 5], b: [2, 3, 5, 2], ta: false, tb: false },
  ];
  for (const c of cases) {
    it(`matches the cpu backend: ${c.name}`, async () => {
      const { cpu, wasm } = await onBothEach(() =>
        tf.tidy(() => [
          tf.matMul(
            tf.tensor(values(tf.util.sizeFromShape(c.a), 3), c.a),
            tf.tensor(values(tf.util.sizeFromShape(c.b), 4), c.b),
            c.ta,
            c.tb,
          ),
        ]),
      );
      const diff = Math.max(...cpu[0]!.map((v, i) => Math.abs(v - wasm[0]![i]!)));
      // Outer products are one multiplication per output: the same bits on both backends.
      expect(diff).toBeLessThan(c.name.startsWith('outer') ? Number.MIN_VALUE : 1e-6);
    });
  }

  it('uses a buffer as B under one shape after another: the gradient of a one-row mixture', async () => {
    // b [1, 1, 6] is first a [6, 1] matrix (transposed, a reshaped view of the same buffer), then
    // a [1, 6] one; the wasm backend caches its XNNPACK operators by buffer, not shape.
    const { cpu, wasm } = await onBothEach(() =>
      tf.tidy(() => {
        const b = tf.tensor(values(6, 5), [1, 1, 6]);
        return [tf.matMul(tf.tensor(values(18, 6), [1, 3, 6]), b, false, true), tf.matMul(tf.tensor(values(3, 7), [1, 3, 1]), b)];
      }),
    );
    cpu.forEach((product, k) => product.forEach((v, i) => expect(Math.abs(v - wasm[k]![i]!)).toBeLessThan(1e-6)));
  });

  it('leaves no tensor and no buffer behind', async () => {
    await tf.setBackend('wasm');
    const a = tf.tensor(values(16 * 8, 5), [16, 8, 1]);
    const b = tf.tensor(values(16 * 6, 6), [16, 1, 6]);
    const c = tf.tensor(values(2 * 40 * 50, 7), [2, 40, 50]);
    const row = tf.tensor(values(2 * 50, 8), [2, 1, 50]);
    const run = () => tf.dispose([tf.matMul(a, b), tf.matMul(row, c, false, true)]);
    run();
    const before = footprint();
    for (let i = 0; i < 5; i++) run();
    expect(footprint()).toEqual(before);
    tf.dispose([a, b, c, row]);
  });
});
