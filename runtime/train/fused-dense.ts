/**
 * Dense layers as one kernel forward and one kernel backward while training. tfjs-layers' Dense
 * fuses matmul + bias + activation only outside a gradient tape (tfjs-core's `shouldFuse`), so in
 * training every dense layer runs matmul, bias add and activation as separate kernels, each
 * recorded on the tape, and about 15 kernels on the way back. `MtlDense` runs the backend's own
 * `_FusedMatMul` kernel (matmul, bias and relu in one XNNPACK call on wasm) and has a registered
 * gradient whose `MtlDenseGrad` kernel computes relu' · dy, the kernel gradient and the bias
 * gradient in one call, with the kernels tfjs-core's fused-matmul gradient uses, in its order.
 * The input gradient is a separate matmul, run only when something upstream needs it.
 *
 * `useFusedDense(model)` swaps the `call` of the model's 2-D dense layers for this path on
 * backends that have the kernels (wasm, cpu); the layer's weights, config and saved form do not
 * change. Activations other than relu and linear run after the fused matmul + bias, as tfjs does.
 */
import * as tf from '@tensorflow/tfjs';
import type { BackendWasm } from '@tensorflow/tfjs-backend-wasm';
import { runKernel } from '../wasm-kernels.js';

const FUSED_DENSE = 'MtlDense';
const FUSED_DENSE_GRAD = 'MtlDenseGrad';

type Fused = 'relu' | 'linear';

interface DenseAttrs {
  readonly activation: Fused;
}

const as3d = (t: tf.TensorInfo): tf.TensorInfo => ({ dataId: t.dataId, shape: [1, ...t.shape], dtype: t.dtype });

/** y = act(x · w + bias), x `[b, in]`, w `[in, out]`, bias `[out]`. */
function dense(backendName: string): tf.KernelFunc {
  return ({ inputs, backend, attrs }) => {
    const { x, w, bias } = inputs as { x: tf.TensorInfo; w: tf.TensorInfo; bias?: tf.TensorInfo };
    const y = runKernel(backendName, backend, '_FusedMatMul', { a: as3d(x), b: as3d(w), ...(bias ? { bias } : {}) }, {
      transposeA: false, transposeB: false, activation: (attrs as unknown as DenseAttrs).activation, leakyreluAlpha: 0.2,
    });
    return { dataId: y.dataId, shape: [x.shape[0]!, w.shape[1]!], dtype: 'float32' };
  };
}

/**
 * Outputs `[dyA, dw, dbias]`: dyA = dy · step(y) for relu (dy for linear), dw = xᵀ · dyA,
 * dbias = Σ_rows dyA — tfjs-core's `getFusedDyActivation`, matmul and `getFusedBiasGradient`.
 * Takes xᵀ, made once per backward pass however many layers read x (see `transposedInput`).
 */
function denseGrad(backendName: string): tf.KernelFunc {
  return ({ inputs, backend, attrs }) => {
    const { dy, xT, y } = inputs as { dy: tf.TensorInfo; xT: tf.TensorInfo; y: tf.TensorInfo };
    let dyA: tf.TensorInfo;
    if ((attrs as unknown as DenseAttrs).activation === 'relu') {
      // Step and Multiply stay wasm kernels: a data-dependent branch per element in JavaScript
      // mispredicts half the time and was 4× slower here.
      const step = runKernel(backendName, backend, 'Step', { x: y }, { alpha: 0 });
      dyA = runKernel(backendName, backend, 'Multiply', { a: dy, b: step });
      (backend as tf.KernelBackend).disposeData(step.dataId);
    } else {
      // An output of its own, so that the engine may dispose it apart from dy.
      dyA = runKernel(backendName, backend, 'Identity', { x: dy });
    }
    const dw = runKernel(backendName, backend, 'BatchMatMul', { a: as3d(xT), b: as3d(dyA) }, { transposeA: false, transposeB: false });
    const db = backendName === 'wasm' ? columnSums(backend as BackendWasm, dyA) : runKernel(backendName, backend, 'Sum', { x: dyA }, { axis: [0], keepDims: false });
    return [dyA, { dataId: dw.dataId, shape: [xT.shape[0]!, dy.shape[1]!], dtype: 'float32' }, db];
  };
}

/**
 * Σ over the rows of a `[b, n]` matrix in wasm memory. The wasm `Sum` kernel transposes first to
 * reduce over the first axis (a third of a 256 × 256 layer's backward time); this adds row after
 * row in float32, the same sequence of roundings as its loop, hence the same bits (tested).
 */
function columnSums(backend: BackendWasm, x: tf.TensorInfo): tf.TensorInfo {
  const [rows, n] = x.shape as [number, number];
  const out = backend.makeOutput([n], 'float32');
  // The loop runs on a copy outside wasm memory: this loop read views of wasm memory at about
  // 4 ns an element against 1.3 ns from a plain array (measured here), and the copies are memcpys.
  // Together with the 4-row passes below: a [256, 256] layer's gradient kernel 368 → 186 µs.
  const size = rows * n;
  if (scratch.length < size && size <= SCRATCH_KEPT) scratch = new Float32Array(size);
  if (scratchSums.length < n) scratchSums = new Float32Array(n);
  const values = size <= SCRATCH_KEPT ? scratch : new Float32Array(size);
  values.set(backend.typedArrayFromHeap(x) as Float32Array);
  const sums = scratchSums.subarray(0, n);
  sums.fill(0);
  // Four rows per pass over the sums, still added one after the other and rounded to float32
  // after each addition: the same bits, about 1.5× faster than a pass per row (fewer loads and
  // stores of the sums).
  let r = 0;
  for (; r + 4 <= rows; r += 4) {
    const a = r * n;
    const b = a + n;
    const c = b + n;
    const d = c + n;
    for (let j = 0; j < n; j++) {
      sums[j] = Math.fround(Math.fround(Math.fround(Math.fround(sums[j]! + values[a + j]!) + values[b + j]!) + values[c + j]!) + values[d + j]!);
    }
  }
  for (; r < rows; r++) {
    const row = r * n;
    for (let j = 0; j < n; j++) sums[j] += values[row + j]!;
  }
  (backend.typedArrayFromHeap(out) as Float32Array).set(sums);
  return out;
}

/** `columnSums`' working copies, grown as needed and kept up to 4 MiB (a wide layer's batch is 256 KiB). */
const SCRATCH_KEPT = 1 << 20;
let scratch = new Float32Array(0);
let scratchSums = new Float32Array(0);

/**
 * Recently made xᵀ by the buffer of x. The tensors live until the end of their backward pass
 * whether listed here or not, so the bound only limits this map; disposed entries are dropped.
 */
const transposes = new Map<object, tf.Tensor>();
const TRANSPOSES_KEPT = 64;

/**
 * xᵀ for a layer's kernel gradient. Layers that read the same tensor (an MMoE's experts and gates
 * all read the model input; two heads read the trunk) share one transpose within a backward pass:
 * it is made inside the engine's gradient scope, which disposes it when the pass ends, and a
 * tensor's buffer never changes while it lives, so a live entry is always current.
 */
function transposedInput(x: tf.Tensor2D): tf.Tensor2D {
  const known = transposes.get(x.dataId);
  if (known !== undefined && !known.isDisposed) return known as tf.Tensor2D;
  const made = tf.transpose(x);
  transposes.set(x.dataId, made);
  for (const [key, t] of transposes) if (t.isDisposed || transposes.size > TRANSPOSES_KEPT) transposes.delete(key);
  return made;
}

/** Registers the two kernels for wasm and cpu, and the gradient, where missing. Safe to call more than once. */
function registerFusedDense(): void {
  for (const backendName of ['wasm', 'cpu']) {
    if (tf.getKernel(FUSED_DENSE, backendName) === undefined) tf.registerKernel({ kernelName: FUSED_DENSE, backendName, kernelFunc: dense(backendName) });
    if (tf.getKernel(FUSED_DENSE_GRAD, backendName) === undefined) tf.registerKernel({ kernelName: FUSED_DENSE_GRAD, backendName, kernelFunc: denseGrad(backendName) });
  }
  if (tf.getGradient(FUSED_DENSE) === undefined) {
    tf.registerGradient({
      kernelName: FUSED_DENSE,
      inputsToSave: ['x', 'w'],
      outputsToSave: [true],
      gradFunc: (dy, saved, attrs) => {
        const [x, w, y] = saved as [tf.Tensor2D, tf.Tensor2D, tf.Tensor2D];
        // Computed here, not in the per-input closures: the engine runs each closure in its own tidy.
        const [dyA, dw, db] = tf.engine().runKernel(FUSED_DENSE_GRAD, { dy: dy as tf.Tensor, xT: transposedInput(x), y }, attrs) as tf.Tensor[];
        return { x: () => tf.matMul(dyA!, w, false, true), w: () => dw!, bias: () => db! };
      },
    });
  }
}

/** `act(x · w + bias)` through the fused kernels; `bias` may be absent. Differentiable. */
export function fusedDense(x: tf.Tensor2D, w: tf.Tensor2D, bias: tf.Tensor1D | undefined, activation: Fused): tf.Tensor2D {
  registerFusedDense();
  const inputs: tf.NamedTensorMap = bias === undefined ? { x, w } : { x, w, bias };
  return tf.engine().runKernel(FUSED_DENSE, inputs, { activation } as unknown as tf.NamedAttrMap) as tf.Tensor2D;
}

/** What `useFusedDense` reads from tfjs-layers' Dense (private there). */
interface DenseInternals {
  kernel: { read(): tf.Tensor };
  bias: { read(): tf.Tensor } | null;
  activation: { getClassName(): string; apply(x: tf.Tensor): tf.Tensor };
  call(inputs: tf.Tensor | tf.Tensor[], kwargs: Record<string, unknown>): tf.Tensor | tf.Tensor[];
}

const patched = new WeakSet<tf.LayersModel>();

/**
 * Makes the 2-D dense layers of `model` run through `fusedDense` on backends that have its
 * kernels; other inputs, layers and backends keep tfjs-layers' own path. Idempotent.
 */
export function useFusedDense(model: tf.LayersModel): void {
  if (patched.has(model)) return;
  patched.add(model);
  registerFusedDense();
  for (const layer of model.layers) {
    if (layer.getClassName() !== 'Dense') continue;
    const dense = layer as unknown as DenseInternals;
    const original = dense.call.bind(dense);
    // A layer's activation is fixed when it is made.
    const name = dense.activation.getClassName();
    const fused: Fused = name === 'relu' ? 'relu' : 'linear';
    const inFused = name === 'relu' || name === 'linear';
    dense.call = (inputs, kwargs) => {
      const input = Array.isArray(inputs) ? inputs[0]! : inputs;
      if (input.rank !== 2 || input.dtype !== 'float32' || tf.getKernel(FUSED_DENSE, tf.getBackend()) === undefined) return original(inputs, kwargs);
      return tf.tidy(() => {
        const y = fusedDense(input as tf.Tensor2D, dense.kernel.read() as tf.Tensor2D, dense.bias?.read() as tf.Tensor1D | undefined, fused);
        return inFused ? y : dense.activation.apply(y);
      });
    };
  }
}
