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

  const fastBatchMatMul: tf.KernelFunc = ({ inputs, backend, attrs }) => {
    const transposeA = attrs?.['transposeA'] === true;
    const transposeB = attrs?.['transposeB'] === true;
    if (!transposeA && !transposeB) return original.kernelFunc({ inputs, backend, attrs });
    const run = (x: tf.TensorInfo): tf.TensorInfo =>
      transpose.kernelFunc({ inputs: { x }, backend, attrs: { perm: lastTwoSwapped(x.shape.length) } }) as tf.TensorInfo;
    const a = inputs['a'] as tf.TensorInfo;
    const b = inputs['b'] as tf.TensorInfo;
    const temporaries: tf.TensorInfo[] = [];
    try {
      const a2 = transposeA ? run(a) : a;
      if (transposeA) temporaries.push(a2);
      const b2 = transposeB ? run(b) : b;
      if (transposeB) temporaries.push(b2);
      return original.kernelFunc({ inputs: { a: a2, b: b2 }, backend, attrs: { ...attrs, transposeA: false, transposeB: false } });
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
