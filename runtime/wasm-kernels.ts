/**
 * A faster `BatchMatMul` for the WebAssembly backend of TensorFlow.js 4.22. The wasm kernel reaches
 * XNNPACK only when neither operand is transposed; otherwise it runs a scalar loop about 6× slower.
 * Every dense layer's gradient is a transposed matmul, so the replacement transposes explicitly
 * (wasm `Transpose`) and calls the original untransposed. Facts behind this: /work/shared/FACTS.md.
 */
import * as tf from '@tensorflow/tfjs';

interface DataBackend {
  disposeData(dataId: object, force?: boolean): boolean;
}

let originalBatchMatMul: tf.KernelConfig | undefined;

/** Replaces the wasm `BatchMatMul` with `fastBatchMatMul`; a no-op when already done or wasm is absent. */
export function installFastBatchMatMul(): void {
  if (originalBatchMatMul !== undefined) return;
  const original = tf.getKernel('BatchMatMul', 'wasm');
  const transpose = tf.getKernel('Transpose', 'wasm');
  if (original === undefined || transpose === undefined) return;

  /**
   * C = op(A) · op(B) with untransposed XNNPACK matmuls only: either op(A) and op(B) are
   * materialised, or C is computed as (op(B)ᵀ · op(A)ᵀ)ᵀ, whichever moves fewer values (the second
   * way wins when op(A) has few rows, e.g. one sample's gradient against a wide layer).
   */
  const fastBatchMatMul: tf.KernelFunc = ({ inputs, backend, attrs }) => {
    const transposeA = attrs?.['transposeA'] === true;
    const transposeB = attrs?.['transposeB'] === true;
    if (!transposeA && !transposeB) return original.kernelFunc({ inputs, backend, attrs });
    const a = inputs['a'] as tf.TensorInfo;
    const b = inputs['b'] as tf.TensorInfo;
    const temporaries: tf.TensorInfo[] = [];
    const swapped = (x: tf.TensorInfo): tf.TensorInfo => {
      const t = transpose.kernelFunc({ inputs: { x }, backend, attrs: { perm: lastTwoSwapped(x.shape.length) } }) as tf.TensorInfo;
      temporaries.push(t);
      return t;
    };
    const matMul = (x: tf.TensorInfo, y: tf.TensorInfo): tf.TensorInfo =>
      original.kernelFunc({ inputs: { a: x, b: y }, backend, attrs: { transposeA: false, transposeB: false } }) as tf.TensorInfo;
    const [ra, ca] = a.shape.slice(-2) as [number, number];
    const [rb, cb] = b.shape.slice(-2) as [number, number];
    const [m, k] = transposeA ? [ca, ra] : [ra, ca];
    const n = transposeB ? rb : cb;
    // Values moved: transposes, plus XNNPACK packing its right operand (the "weights") each call.
    const direct = (transposeA ? m * k : 0) + (transposeB ? k * n : 0) + k * n;
    const viaTranspose = (transposeA ? 0 : m * k) + (transposeB ? 0 : k * n) + m * n + k * m;
    try {
      if (direct <= viaTranspose) return matMul(transposeA ? swapped(a) : a, transposeB ? swapped(b) : b);
      const product = matMul(transposeB ? b : swapped(b), transposeA ? a : swapped(a));
      temporaries.push(product);
      const result = transpose.kernelFunc({ inputs: { x: product }, backend, attrs: { perm: lastTwoSwapped(product.shape.length) } }) as tf.TensorInfo;
      return result;
    } finally {
      for (const t of temporaries) (backend as DataBackend).disposeData(t.dataId);
    }
  };

  tf.unregisterKernel('BatchMatMul', 'wasm');
  // Keeping the original setupFunc means the kernel still initialises if the backend starts later.
  tf.registerKernel({ ...original, kernelFunc: fastBatchMatMul });
  originalBatchMatMul = original;
}

/** Puts the stock wasm `BatchMatMul` back: benchmarks use it to measure what a user gets without the fix. */
export function uninstallFastBatchMatMul(): void {
  if (originalBatchMatMul === undefined) return;
  tf.unregisterKernel('BatchMatMul', 'wasm');
  tf.registerKernel(originalBatchMatMul);
  originalBatchMatMul = undefined;
}

/** The permutation that swaps the last two axes: a matrix transpose, batched. */
function lastTwoSwapped(rank: number): number[] {
  return [...Array(rank - 2).keys(), rank - 1, rank - 2];
}
