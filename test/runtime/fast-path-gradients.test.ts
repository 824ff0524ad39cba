import { beforeAll, describe, expect, it } from 'vitest';
import * as tf from '@tensorflow/tfjs';
import { setupBackend } from '../../runtime/backend/index.js';
import { WASM_GRADIENT_KERNELS } from '../../runtime/accel/gradients.js';
import { footprint, onBoth, relativeError, values } from './backends.js';

beforeAll(async () => {
  expect(await setupBackend('wasm')).toBe('wasm');
});

describe('the wasm gradient kernels', () => {
  it('are registered for every kernel training needs that wasm lacks', () => {
    for (const name of WASM_GRADIENT_KERNELS) expect(tf.getKernel(name, 'wasm'), name).toBeDefined();
  });

  const convCases: {
    name: string;
    x: [number, number, number, number];
    filter: [number, number, number, number];
    stride: number | [number, number];
    pad: 'same' | 'valid';
  }[] = [
    { name: '3×3, stride 1, same', x: [2, 7, 6, 3], filter: [3, 3, 3, 4], stride: 1, pad: 'same' },
    { name: '3×3, stride 2, same (asymmetric padding)', x: [3, 8, 9, 2], filter: [3, 3, 2, 5], stride: 2, pad: 'same' },
    { name: '5×3, stride [2, 1], valid', x: [2, 11, 7, 4], filter: [5, 3, 4, 3], stride: [2, 1], pad: 'valid' },
    { name: 'conv1d-shaped, 1×4 window', x: [4, 1, 20, 3], filter: [1, 4, 3, 6], stride: 1, pad: 'same' },
  ];
  for (const c of convCases) {
    it(`gives conv2d's filter gradient of the cpu backend: ${c.name}`, async () => {
      const { cpu, wasm, shape } = await onBoth(() =>
        tf.tidy(() => {
          const x = tf.tensor4d(values(tf.util.sizeFromShape(c.x), 1), c.x);
          const w = tf.tensor4d(values(tf.util.sizeFromShape(c.filter), 2), c.filter);
          return tf.grad((f: tf.Tensor) =>
            tf
              .conv2d(x, f as tf.Tensor4D, c.stride, c.pad)
              .square()
              .sum(),
          )(w);
        }),
      );
      expect(shape).toEqual(c.filter);
      // The same sums in another order (XNNPACK's), hence float32 rounding apart.
      expect(relativeError(cpu, wasm)).toBeLessThan(1e-5);
    });
  }

  it('gives the embedding gradient (UnsortedSegmentSum) of the cpu backend bit for bit', async () => {
    const { cpu, wasm } = await onBoth(() =>
      tf.tidy(() => {
        const table = tf.tensor2d(values(50 * 6, 3), [50, 6]);
        const ids = tf.tensor2d(
          Int32Array.from({ length: 4 * 9 }, (_, i) => (i * 7) % 50),
          [4, 9],
          'int32',
        );
        return tf.grad((t: tf.Tensor) =>
          tf
            .gather(t, ids)
            .mul(tf.tensor(values(4 * 9 * 6, 4), [4, 9, 6]))
            .sum(),
        )(table);
      }),
    );
    expect(Array.from(wasm)).toEqual(Array.from(cpu));
  });

  it('sums into segments and drops ids outside [0, numSegments), as the cpu backend does', async () => {
    const { cpu, wasm, shape } = await onBoth(() =>
      tf.tidy(() => tf.unsortedSegmentSum(tf.tensor2d(values(6 * 3, 5), [6, 3]), tf.tensor1d([2, 0, 2, -1, 7, 0], 'int32'), 4)),
    );
    expect(shape).toEqual([4, 3]);
    expect(Array.from(wasm)).toEqual(Array.from(cpu));
    expect(Array.from(wasm.slice(3, 6))).toEqual([0, 0, 0]);
  });

  it('gives the depthwise conv gradients of the cpu backend bit for bit (they run on it)', async () => {
    const { cpu, wasm } = await onBoth(() =>
      tf.tidy(() => {
        const x = tf.tensor4d(values(2 * 6 * 6 * 3, 6), [2, 6, 6, 3]);
        const w = tf.tensor4d(values(3 * 3 * 3 * 2, 7), [3, 3, 3, 2]);
        const [dx, dw] = tf.grads((a: tf.Tensor, b: tf.Tensor) =>
          tf
            .depthwiseConv2d(a as tf.Tensor4D, b as tf.Tensor4D, 1, 'same')
            .square()
            .sum(),
        )([x, w]);
        return tf.concat([dx!.flatten(), dw!.flatten()]);
      }),
    );
    // The forward pass differs in rounding (wasm's own kernel), so compare closely, not bitwise.
    expect(relativeError(cpu, wasm)).toBeLessThan(1e-5);
  });

  it('leave no tensor and no buffer behind on either backend', async () => {
    await tf.setBackend('wasm');
    const x = tf.tensor4d(values(2 * 8 * 8 * 3, 8), [2, 8, 8, 3]);
    const f = tf.tensor4d(values(3 * 3 * 3 * 4, 9), [3, 3, 3, 4]);
    const table = tf.tensor2d(values(20 * 4, 10), [20, 4]);
    const ids = tf.tensor1d([1, 5, 5, 19], 'int32');
    const step = (): void => {
      const out = tf.tidy(() => {
        const gf = tf.grad((w: tf.Tensor) => tf.conv2d(x, w as tf.Tensor4D, 2, 'same').sum())(f);
        const gt = tf.grad((t: tf.Tensor) => tf.gather(t, ids).sum())(table);
        const [gx] = tf.grads((a: tf.Tensor) =>
          tf.depthwiseConv2d(a as tf.Tensor4D, tf.ones([3, 3, 3, 1]) as tf.Tensor4D, 1, 'same').sum(),
        )([x]);
        return tf.stack([gf.sum(), gt.sum(), gx!.sum()]);
      });
      out.dataSync();
      out.dispose();
    };
    step();
    const before = footprint();
    for (let i = 0; i < 5; i++) step();
    expect(footprint()).toEqual(before);
    tf.dispose([x, f, table, ids]);
  });
});
