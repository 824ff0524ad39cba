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
 * `installFusedDense()` (once, when the backend starts: backend/index.ts) swaps the `call` of
 * tfjs-layers' Dense for this path on 2-D float inputs and backends that have the kernels (wasm,
 * cpu); a layer's weights, config and saved form do not change. Activations other than relu and
 * linear run after the fused matmul + bias, as tfjs does.
 */
import * as tf from '@tensorflow/tfjs';
import type { BackendWasm } from '@tensorflow/tfjs-backend-wasm';
import { backendKernels } from './train-kernels.js';
import { runKernel } from './batch-matmul.js';

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
    const y = runKernel(
      backendName,
      backend,
      '_FusedMatMul',
      { a: as3d(x), b: as3d(w), ...(bias ? { bias } : {}) },
      {
        transposeA: false,
        transposeB: false,
        activation: (attrs as unknown as DenseAttrs).activation,
        leakyreluAlpha: 0.2,
      },
    );
    return { dataId: y.dataId, shape: [x.shape[0]!, w.shape[1]!], dtype: 'float32' };
  };
}

/**
 * Outputs `[dyA, dw, dbias]`: dyA = dy · step(y) for relu (dy for linear), dw = xᵀ · dyA,
 * dbias = Σ_rows dyA — tfjs-core's `getFusedDyActivation`, matmul and `getFusedBiasGradient`.
 * Takes xᵀ, made once per backward pass however many layers read x (see `transposedInput`).
 * On wasm, dyA and dbias come from mtl's `relu_grad_bias` / `bias_grad` kernels in one pass (the
 * same float32 operations as Step, Multiply and a row-by-row sum, so the same bits); the wasm
 * `Sum` over the first axis transposes first and took a third of a 256 × 256 layer's backward time.
 */
function denseGrad(backendName: string): tf.KernelFunc {
  return ({ inputs, backend, attrs }) => {
    const { dy, xT, y } = inputs as { dy: tf.TensorInfo; xT: tf.TensorInfo; y: tf.TensorInfo };
    const relu = (attrs as unknown as DenseAttrs).activation === 'relu';
    const [dyA, db] =
      backendName === 'wasm'
        ? wasmActivationGrads(backend as BackendWasm, dy, y, relu)
        : activationGrads(backendName, backend, dy, y, relu);
    const dw = runKernel(backendName, backend, 'BatchMatMul', { a: as3d(xT), b: as3d(dyA) }, { transposeA: false, transposeB: false });
    return [dyA, { dataId: dw.dataId, shape: [xT.shape[0]!, dy.shape[1]!], dtype: 'float32' }, db];
  };
}

/** `[dyA, dbias]` with the backend's kernels (cpu). */
function activationGrads(
  backendName: string,
  backend: unknown,
  dy: tf.TensorInfo,
  y: tf.TensorInfo,
  relu: boolean,
): [tf.TensorInfo, tf.TensorInfo] {
  let dyA: tf.TensorInfo;
  if (relu) {
    const step = runKernel(backendName, backend, 'Step', { x: y }, { alpha: 0 });
    dyA = runKernel(backendName, backend, 'Multiply', { a: dy, b: step });
    (backend as tf.KernelBackend).disposeData(step.dataId);
  } else {
    // An output of its own, so that the engine may dispose it apart from dy.
    dyA = runKernel(backendName, backend, 'Identity', { x: dy });
  }
  return [dyA, runKernel(backendName, backend, 'Sum', { x: dyA }, { axis: [0], keepDims: false })];
}

/** `[dyA, dbias]` on wasm, each pass one call of mtl's kernels. */
function wasmActivationGrads(backend: BackendWasm, dy: tf.TensorInfo, y: tf.TensorInfo, relu: boolean): [tf.TensorInfo, tf.TensorInfo] {
  const [rows, cols] = dy.shape as [number, number];
  const db = backend.makeOutput([cols], 'float32');
  const dyA = relu ? backend.makeOutput(dy.shape, 'float32') : runKernel('wasm', backend, 'Identity', { x: dy });
  const at = (t: tf.TensorInfo) => backend.typedArrayFromHeap(t).byteOffset;
  const kernels = backendKernels(backend);
  if (relu) kernels.relu_grad_bias(at(dy), at(y), at(dyA), at(db), rows, cols);
  else kernels.bias_grad(at(dy), at(db), rows, cols);
  return [dyA, db];
}

/**
 * xᵀ by the buffer of x, made at most once per backward pass. Keyed weakly by the backend's
 * buffer ids, so an entry goes with its buffer and the map never outlives a backend's data.
 */
const transposes = new WeakMap<object, tf.Tensor>();

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
  return made;
}

/** Registers the two kernels for wasm and cpu, and the gradient, where missing. Safe to call more than once. */
export function registerFusedDense(): void {
  for (const backendName of ['wasm', 'cpu']) {
    if (tf.getKernel(FUSED_DENSE, backendName) === undefined)
      tf.registerKernel({ kernelName: FUSED_DENSE, backendName, kernelFunc: dense(backendName) });
    if (tf.getKernel(FUSED_DENSE_GRAD, backendName) === undefined)
      tf.registerKernel({ kernelName: FUSED_DENSE_GRAD, backendName, kernelFunc: denseGrad(backendName) });
  }
  if (tf.getGradient(FUSED_DENSE) === undefined) {
    tf.registerGradient({
      kernelName: FUSED_DENSE,
      inputsToSave: ['x', 'w'],
      outputsToSave: [true],
      gradFunc: (dy, saved, attrs) => {
        const [x, w, y] = saved as [tf.Tensor2D, tf.Tensor2D, tf.Tensor2D];
        // Computed here, not in the per-input closures: the engine runs each closure in its own tidy.
        const [dyA, dw, db] = tf
          .engine()
          .runKernel(FUSED_DENSE_GRAD, { dy: dy as tf.Tensor, xT: transposedInput(x), y }, attrs) as tf.Tensor[];
        return { x: () => tf.matMul(dyA!, w, false, true), w: () => dw!, bias: () => db! };
      },
    });
  }
}

/** `act(x · w + bias)` through the fused kernels; `bias` may be absent. Differentiable. */
export function fusedDense(x: tf.Tensor2D, w: tf.Tensor2D, bias: tf.Tensor1D | undefined, activation: Fused): tf.Tensor2D {
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

type DenseCall = DenseInternals['call'];

let stockCall: DenseCall | undefined;

/** tfjs-layers' Dense class, whose instances all share `call`. */
function denseClass(): { prototype: DenseInternals } {
  return Object.getPrototypeOf(tf.layers.dense({ units: 1 })).constructor;
}

/**
 * Makes every Dense layer run 2-D float inputs through `fusedDense` on backends that have its
 * kernels; other inputs and backends keep tfjs-layers' own path. Idempotent.
 */
export function installFusedDense(): void {
  if (stockCall !== undefined) return;
  registerFusedDense();
  const prototype = denseClass().prototype;
  const original = prototype.call;
  stockCall = original;
  prototype.call = function (this: DenseInternals, inputs, kwargs) {
    const input = Array.isArray(inputs) ? inputs[0]! : inputs;
    if (input.rank !== 2 || input.dtype !== 'float32' || tf.getKernel(FUSED_DENSE, tf.getBackend()) === undefined)
      return original.call(this, inputs, kwargs);
    const name = this.activation.getClassName();
    return tf.tidy(() => {
      const y = fusedDense(
        input as tf.Tensor2D,
        this.kernel.read() as tf.Tensor2D,
        this.bias?.read() as tf.Tensor1D | undefined,
        name === 'relu' ? 'relu' : 'linear',
      );
      return name === 'relu' || name === 'linear' ? y : this.activation.apply(y);
    });
  };
}

/** Puts tfjs-layers' own Dense `call` back: benchmarks and tests use it to measure the stock path. */
export function uninstallFusedDense(): void {
  if (stockCall === undefined) return;
  denseClass().prototype.call = stockCall;
  stockCall = undefined;
}
