/**
 * A faster `BatchMatMul` for the WebAssembly backend of TensorFlow.js 4.22. The wasm kernel reaches
 * XNNPACK only when neither operand is transposed; otherwise it runs a scalar loop about 6× slower.
 * Every dense layer's gradient is a transposed matmul, so the replacement transposes explicitly
 * (wasm `Transpose`: mtl's, see copies.ts) and calls the original untransposed. Batches of matmuls with a size-1 axis,
 * for which the wasm kernel has no XNNPACK path, become broadcasting multiplies (and sums). Facts
 * behind this: docs/performance.md.
 */
import * as tf from '@tensorflow/tfjs';
import type { BackendWasm } from '@tensorflow/tfjs-backend-wasm';
import { registerAgain, wasmModule } from './wasm-module.js';

/**
 * Runs another kernel of the same backend directly, without the engine's bookkeeping: for kernels
 * composed of other kernels. Looked up per call, so that it finds kernels swapped in later.
 */
export function runKernel(
  backendName: string,
  backend: unknown,
  name: string,
  inputs: tf.NamedTensorInfoMap,
  attrs: tf.NamedAttrMap = {},
): tf.TensorInfo {
  return tf.getKernel(name, backendName)!.kernelFunc({ inputs, backend: backend as tf.KernelBackend, attrs }) as tf.TensorInfo;
}

let originalBatchMatMul: tf.KernelConfig | undefined;

/** Replaces the wasm `BatchMatMul` with `fastBatchMatMul`; a no-op when already done or wasm is absent. */
export function installFastBatchMatMul(): void {
  if (originalBatchMatMul !== undefined) return;
  const original = tf.getKernel('BatchMatMul', 'wasm');
  if (original === undefined) return;

  /**
   * C = op(A) · op(B) with untransposed XNNPACK matmuls only: either op(A) and op(B) are
   * materialised, or C is computed as (op(B)ᵀ · op(A)ᵀ)ᵀ, whichever moves fewer values (the second
   * way wins when op(A) has few rows, e.g. one sample's gradient against a wide layer).
   */
  const fastBatchMatMul: tf.KernelFunc = ({ inputs, backend, attrs }) => {
    const transposeA = attrs?.['transposeA'] === true;
    const transposeB = attrs?.['transposeB'] === true;
    const a = inputs['a'] as tf.TensorInfo;
    const b = inputs['b'] as tf.TensorInfo;
    const products = broadcastMatMul(backend as tf.KernelBackend, a, b, transposeA, transposeB);
    if (products !== undefined) return products;
    const stock = (x: tf.TensorInfo, y: tf.TensorInfo): tf.TensorInfo => {
      forgetOperators(backend as BackendWasm, y);
      return original.kernelFunc({ inputs: { a: x, b: y }, backend, attrs: { transposeA: false, transposeB: false } }) as tf.TensorInfo;
    };
    if (!transposeA && !transposeB) return stock(a, b);
    const temporaries: tf.TensorInfo[] = [];
    const swapped = (x: tf.TensorInfo): tf.TensorInfo => {
      const { info, fresh } = swapLastTwo(backend as tf.KernelBackend, x);
      if (fresh) temporaries.push(info);
      return info;
    };
    const { m, k, n } = productSizes(a, b, transposeA, transposeB);
    // Values moved: transposes, plus XNNPACK packing its right operand (the "weights") each call.
    const direct = (transposeA ? m * k : 0) + (transposeB ? k * n : 0) + k * n;
    const viaTranspose = (transposeA ? 0 : m * k) + (transposeB ? 0 : k * n) + m * n + k * m;
    try {
      // With one output row or column the swapped product would be a view of the product's buffer;
      // returned so from inside a gradient, that view was freed twice (a one-row batch crashed
      // wasm): such products, which are small anyway, are computed directly.
      if (direct <= viaTranspose || m === 1 || n === 1) return stock(transposeA ? swapped(a) : a, transposeB ? swapped(b) : b);
      const product = stock(transposeB ? b : swapped(b), transposeA ? a : swapped(a));
      const result = swapLastTwo(backend as tf.KernelBackend, product);
      // A moved copy frees the product; a reshaped view is the product.
      if (result.fresh) temporaries.push(product);
      return result.info;
    } finally {
      for (const t of temporaries) (backend as tf.KernelBackend).disposeData(t.dataId);
    }
  };

  tf.unregisterKernel('BatchMatMul', 'wasm');
  // Keeping the original setupFunc means the kernel still initialises if the backend starts later.
  tf.registerKernel({ ...original, kernelFunc: fastBatchMatMul });
  originalBatchMatMul = original;
}

/**
 * Drops the XNNPACK operators the backend keeps for `b`'s buffer (see `registerAgain`): after a
 * product with a reshaped view of the same buffer (a gradient's `[1, 1, n]` used as `[1, n, 1]`),
 * the next product with it reused the operator made for the other shape and returned wrong values.
 * The next product packs `b` afresh, which training does every step anyway (new weights, new buffers).
 */
function forgetOperators(backend: BackendWasm, b: tf.TensorInfo): void {
  const data = backend.dataIdMap.get(b.dataId) as unknown as { id: number; memoryOffset: number; shape: number[] };
  registerAgain(wasmModule(backend), data.id, tf.util.sizeFromShape(data.shape), data.memoryOffset);
}

/** Puts the stock wasm `BatchMatMul` back: benchmarks use it to measure what a user gets without the fix. */
export function uninstallFastBatchMatMul(): void {
  if (originalBatchMatMul === undefined) return;
  tf.unregisterKernel('BatchMatMul', 'wasm');
  tf.registerKernel(originalBatchMatMul);
  originalBatchMatMul = undefined;
}

/**
 * Batches of matmuls with a size-1 axis, which the wasm kernel (no XNNPACK path for batches) runs
 * in its scalar loop at about 0.3 GFLOP/s, as broadcasting wasm kernels (SIMD):
 *
 * - inner size 1 (outer products, e.g. the 256 products [8, 1] · [1, 68] of an MMoE mixture's
 *   gradient): one `Multiply` of [b, m, 1] by [b, 1, n];
 * - one output column (matrix times vector, the mixture's gradient for its gate), or one output
 *   row against a transposed B: a `Multiply` of the rows by the vector, then a `Sum` over the last
 *   axis, in order, as the scalar loop adds.
 *
 * Transposing an axis of size 1 moves nothing, so operands are only reshaped. Undefined when the
 * shapes are not such a case.
 */
function broadcastMatMul(
  backend: tf.KernelBackend,
  a: tf.TensorInfo,
  b: tf.TensorInfo,
  transposeA: boolean,
  transposeB: boolean,
): tf.TensorInfo | undefined {
  if (a.dtype !== 'float32' || b.dtype !== 'float32' || a.shape.length < 3 || b.shape.length < 3) return undefined;
  const batchA = a.shape.slice(0, -2);
  const batchB = b.shape.slice(0, -2);
  if (tf.util.sizeFromShape(batchA) * tf.util.sizeFromShape(batchB) <= 1) return undefined;
  const { m, k, n } = productSizes(a, b, transposeA, transposeB);
  const run = (name: string, inputs: tf.NamedTensorInfoMap, attrs?: tf.NamedAttrMap) => runKernel('wasm', backend, name, inputs, attrs);
  const as = (x: tf.TensorInfo, batch: number[], rows: number, cols: number): tf.TensorInfo => ({ ...x, shape: [...batch, rows, cols] });
  if (k === 1) return run('Multiply', { a: as(a, batchA, m, 1), b: as(b, batchB, 1, n) });
  // Rows [.., r, k] times a vector [.., 1, k], summed over k: [.., r].
  const rowsTimesVector = (rows: tf.TensorInfo, vector: tf.TensorInfo, shape: (outer: number[]) => number[]): tf.TensorInfo => {
    const products = run('Multiply', { a: rows, b: vector });
    try {
      const sums = run('Sum', { x: products }, { axis: [products.shape.length - 1], keepDims: false });
      return { ...sums, shape: shape(sums.shape.slice(0, -1)) };
    } finally {
      backend.disposeData(products.dataId);
    }
  };
  if (n === 1 && (!transposeA || m === 1)) return rowsTimesVector(as(a, batchA, m, k), as(b, batchB, 1, k), (outer) => [...outer, m, 1]);
  if (m === 1 && transposeB) return rowsTimesVector(b, as(a, batchA, 1, k), (outer) => [...outer, 1, n]);
  return undefined;
}

/** The sizes of the matrices of op(A) · op(B): op(A) is `[m, k]`, op(B) `[k, n]`. */
function productSizes(a: tf.TensorInfo, b: tf.TensorInfo, transposeA: boolean, transposeB: boolean): { m: number; k: number; n: number } {
  const [ra, ca] = a.shape.slice(-2) as [number, number];
  const [rb, cb] = b.shape.slice(-2) as [number, number];
  const [m, k] = transposeA ? [ca, ra] : [ra, ca];
  return { m, k, n: transposeB ? rb : cb };
}

/**
 * `x` with its last two axes swapped: a new buffer from the wasm `Transpose`, or, when one of the
 * two has size 1, the same buffer under the swapped shape (`fresh` false: not to be freed).
 */
function swapLastTwo(backend: tf.KernelBackend, x: tf.TensorInfo): { info: tf.TensorInfo; fresh: boolean } {
  const rank = x.shape.length;
  const shape = [...x.shape.slice(0, -2), x.shape[rank - 1]!, x.shape[rank - 2]!];
  if (x.shape[rank - 1] === 1 || x.shape[rank - 2] === 1) return { info: { ...x, shape }, fresh: false };
  return { info: runKernel('wasm', backend, 'Transpose', { x }, { perm: lastTwoSwapped(rank) }), fresh: true };
}

/** The permutation that swaps the last two axes: a matrix transpose, batched. */
function lastTwoSwapped(rank: number): number[] {
  return [...Array(rank - 2).keys(), rank - 1, rank - 2];
}
