/**
 * A faster `BatchMatMul` for the WebAssembly backend of TensorFlow.js 4.22. The wasm kernel reaches
 * XNNPACK only when neither operand is transposed; otherwise it runs a scalar loop about 6× slower.
 * Every dense layer's gradient is a transposed matmul, so the replacement transposes explicitly
 * (wasm `Transpose`) and calls the original untransposed. Batches of small matmuls, for which the
 * wasm kernel has no XNNPACK path, run in JavaScript. Facts behind this: /work/shared/FACTS.md.
 */
import * as tf from '@tensorflow/tfjs';
import type { BackendWasm } from '@tensorflow/tfjs-backend-wasm';

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
      const batched = smallBatchedMatMul(backend as BackendWasm, inputs['a'] as tf.TensorInfo, inputs['b'] as tf.TensorInfo, false, false);
      return batched ?? original.kernelFunc({ inputs, backend, attrs });
    }
    const a = inputs['a'] as tf.TensorInfo;
    const b = inputs['b'] as tf.TensorInfo;
    const batched = smallBatchedMatMul(backend as BackendWasm, a, b, transposeA, transposeB);
    if (batched !== undefined) return batched;
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

/** Multiply-adds per matrix up to which a batched matmul runs in JavaScript. */
const SMALL_MATMUL = 16_384;

/**
 * A batch of small matmuls (batch > 1, at most `SMALL_MATMUL` multiply-adds each), computed in
 * JavaScript straight from wasm memory; undefined when the shapes are not such a case. The wasm
 * kernel has no XNNPACK path for batches and spent 1.3 ms on the 256 outer products [8, 1] · [1, 68]
 * of an MMoE's mixture gradient (139,264 multiply-adds); this loop takes a fraction of that. Sums
 * run over k in order, in doubles, rounded once.
 */
function smallBatchedMatMul(backend: BackendWasm, a: tf.TensorInfo, b: tf.TensorInfo, transposeA: boolean, transposeB: boolean): tf.TensorInfo | undefined {
  if (a.dtype !== 'float32' || b.dtype !== 'float32' || a.shape.length < 3 || b.shape.length < 3) return undefined;
  const [ra, ca] = a.shape.slice(-2) as [number, number];
  const [rb, cb] = b.shape.slice(-2) as [number, number];
  const [m, k] = transposeA ? [ca, ra] : [ra, ca];
  const n = transposeB ? rb : cb;
  const batchA = tf.util.sizeFromShape(a.shape.slice(0, -2));
  const batchB = tf.util.sizeFromShape(b.shape.slice(0, -2));
  const batch = Math.max(batchA, batchB);
  if (batch <= 1 || m * k * n > SMALL_MATMUL || (batchA !== batchB && batchA !== 1 && batchB !== 1)) return undefined;
  if ((transposeB ? cb : rb) !== k) return undefined;
  const outer = tf.broadcast_util.assertAndGetBroadcastShape(a.shape.slice(0, -2), b.shape.slice(0, -2));
  const out = backend.makeOutput([...outer, m, n], 'float32');
  const A = backend.typedArrayFromHeap(a) as Float32Array;
  const B = backend.typedArrayFromHeap(b) as Float32Array;
  const C = backend.typedArrayFromHeap(out) as Float32Array;
  // op(A)[i, p] = A[i·aRow + p·aCol]; op(B)[p, j] = B[p·bRow + j·bCol].
  const [aRow, aCol] = transposeA ? [1, m] : [k, 1];
  const [bRow, bCol] = transposeB ? [1, k] : [n, 1];
  for (let s = 0; s < batch; s++) {
    const a0 = batchA === 1 ? 0 : s * m * k;
    const b0 = batchB === 1 ? 0 : s * k * n;
    const c0 = s * m * n;
    for (let i = 0; i < m; i++) {
      for (let j = 0; j < n; j++) {
        let sum = 0;
        for (let p = 0; p < k; p++) sum += A[a0 + i * aRow + p * aCol]! * B[b0 + p * bRow + j * bCol]!;
        C[c0 + i * n + j] = sum;
      }
    }
  }
  return out;
}

/** The permutation that swaps the last two axes: a matrix transpose, batched. */
function lastTwoSwapped(rank: number): number[] {
  return [...Array(rank - 2).keys(), rank - 1, rank - 2];
}
