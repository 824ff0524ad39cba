/**
 * A faster `BatchMatMul` for the WebAssembly backend of TensorFlow.js 4.22. The wasm kernel reaches
 * XNNPACK only when neither operand is transposed; otherwise it runs a scalar loop about 6× slower.
 * Every dense layer's gradient is a transposed matmul, so the replacement transposes explicitly
 * (wasm `Transpose`) and calls the original untransposed. Batches of outer products, for which the
 * wasm kernel has no XNNPACK path, become one broadcasting multiply. Facts behind this:
 * /work/shared/FACTS.md.
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
    if (!transposeA && !transposeB) {
      const products = outerProducts(backend as tf.KernelBackend, inputs['a'] as tf.TensorInfo, inputs['b'] as tf.TensorInfo, false, false);
      return products ?? original.kernelFunc({ inputs, backend, attrs });
    }
    const a = inputs['a'] as tf.TensorInfo;
    const b = inputs['b'] as tf.TensorInfo;
    const products = outerProducts(backend as tf.KernelBackend, a, b, transposeA, transposeB);
    if (products !== undefined) return products;
    const temporaries: tf.TensorInfo[] = [];
    const swapped = (x: tf.TensorInfo): tf.TensorInfo => {
      const { info, fresh } = swapLastTwo(transpose, backend as tf.KernelBackend, x);
      if (fresh) temporaries.push(info);
      return info;
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
      const result = swapLastTwo(transpose, backend as tf.KernelBackend, product);
      // A moved copy frees the product; a reshaped view is the product.
      if (result.fresh) temporaries.push(product);
      return result.info;
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

/**
 * A batch of outer products (inner size 1), e.g. the 256 products [8, 1] · [1, 68] of an MMoE
 * mixture's gradient, as one broadcasting wasm `Multiply`: [b, m, 1] · [b, 1, n]. The wasm matmul
 * has no XNNPACK path for batches and took 1.3 ms there; each output is one product either way,
 * so the result is the same. Undefined when the shapes are not such a case.
 */
function outerProducts(backend: tf.KernelBackend, a: tf.TensorInfo, b: tf.TensorInfo, transposeA: boolean, transposeB: boolean): tf.TensorInfo | undefined {
  if (a.dtype !== 'float32' || b.dtype !== 'float32' || a.shape.length < 3 || b.shape.length < 3) return undefined;
  const [ra, ca] = a.shape.slice(-2) as [number, number];
  const [rb, cb] = b.shape.slice(-2) as [number, number];
  const [m, k] = transposeA ? [ca, ra] : [ra, ca];
  const n = transposeB ? rb : cb;
  if (k !== 1 || tf.util.sizeFromShape(a.shape.slice(0, -2)) * tf.util.sizeFromShape(b.shape.slice(0, -2)) <= 1) return undefined;
  // With an inner size of 1 a transpose moves nothing: only the shape changes.
  const column = { ...a, shape: [...a.shape.slice(0, -2), m, 1] };
  const row = { ...b, shape: [...b.shape.slice(0, -2), 1, n] };
  return tf.getKernel('Multiply', 'wasm')!.kernelFunc({ inputs: { a: column, b: row }, backend, attrs: {} }) as tf.TensorInfo;
}

/**
 * `x` with its last two axes swapped: a new buffer from the wasm `Transpose`, or, when one of the
 * two has size 1, the same buffer under the swapped shape (`fresh` false: not to be freed).
 */
function swapLastTwo(transpose: tf.KernelConfig, backend: tf.KernelBackend, x: tf.TensorInfo): { info: tf.TensorInfo; fresh: boolean } {
  const rank = x.shape.length;
  const shape = [...x.shape.slice(0, -2), x.shape[rank - 1]!, x.shape[rank - 2]!];
  if (x.shape[rank - 1] === 1 || x.shape[rank - 2] === 1) return { info: { ...x, shape }, fresh: false };
  return { info: transpose.kernelFunc({ inputs: { x }, backend, attrs: { perm: lastTwoSwapped(rank) } }) as tf.TensorInfo, fresh: true };
}

/** The permutation that swaps the last two axes: a matrix transpose, batched. */
function lastTwoSwapped(rank: number): number[] {
  return [...Array(rank - 2).keys(), rank - 1, rank - 2];
}
