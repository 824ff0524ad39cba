/**
 * Adam (Kingma & Ba, 2015) in one kernel call per step (on wasm, mtl's one-pass `adam` kernel per
 * variable inside it). TensorFlow.js' `AdamOptimizer` spends about
 * 13 kernel calls per variable per step (each with the engine's bookkeeping), which on small and
 * mixture-of-experts models costs more than the matmuls: 564 of an MMoE step's 1,086 kernel calls
 * were the optimizer's. `FusedAdam` keeps TensorFlow.js' state and names (slot variables `…/m` and
 * `…/v`, `accBeta1/2`, iterations), so `getWeights`/`setWeights` and saved optimizer state are the
 * same, and computes the same float32 operations in the same order: results are bit-identical to
 * `tf.train.adam` on wasm and on cpu (tested). Backends without the kernel (webgl, tfjs-node) get
 * the stock update.
 */
import * as tf from '@tensorflow/tfjs';
import type { BackendWasm } from '@tensorflow/tfjs-backend-wasm';
import { backendKernels } from './train-kernels.js';

const FUSED_ADAM = 'MtlFusedAdam';

export interface AdamAttrs {
  /** Variables updated: inputs x0…, g0…, m0…, v0… */
  readonly count: number;
  readonly learningRate: number;
  readonly beta1: number;
  readonly beta2: number;
  readonly epsilon: number;
}

/** The kernel's inputs, flattened: per variable its value, gradient, first and second moment. */
function slots(inputs: tf.NamedTensorInfoMap, count: number): { x: tf.TensorInfo; g: tf.TensorInfo; m: tf.TensorInfo; v: tf.TensorInfo }[] {
  return Array.from({ length: count }, (_, k) => ({ x: inputs[`x${k}`]!, g: inputs[`g${k}`]!, m: inputs[`m${k}`]!, v: inputs[`v${k}`]! }));
}

/** The scalars tfjs' Adam makes: beta and 1 − beta as float32, 1 − accBeta in float32 arithmetic. */
export function adamConstants(attrs: AdamAttrs, acc1: number, acc2: number) {
  const f = Math.fround;
  return {
    b1: f(attrs.beta1),
    c1: f(1 - attrs.beta1),
    b2: f(attrs.beta2),
    c2: f(1 - attrs.beta2),
    d1: f(1 - acc1),
    d2: f(1 - acc2),
    eps: f(attrs.epsilon),
    step: f(-attrs.learningRate),
    acc1: f(acc1 * f(attrs.beta1)),
    acc2: f(acc2 * f(attrs.beta2)),
  };
}

/**
 * On wasm: per variable, the value and moments are copied into fresh outputs (memcpy) and mtl's
 * `adam` kernel updates them in one pass: the operations of tfjs' 13 elementwise kernels, in their
 * order, on the same numbers, so the same bits.
 */
function wasmAdam(inputs: tf.NamedTensorInfoMap, attrs: AdamAttrs, backend: BackendWasm): tf.TensorInfo[] {
  const parts = slots(inputs, attrs.count);
  const outputs = parts.flatMap((p) => [0, 1, 2].map(() => backend.makeOutput(p.x.shape, 'float32')));
  const acc = [backend.makeOutput([], 'float32'), backend.makeOutput([], 'float32')];
  // Views and offsets only after the allocations, which may move wasm memory.
  const view = (t: tf.TensorInfo) => backend.typedArrayFromHeap(t) as Float32Array;
  const c = adamConstants(attrs, view(inputs['accBeta1']!)[0]!, view(inputs['accBeta2']!)[0]!);
  const kernels = backendKernels(backend);
  parts.forEach((p, k) => {
    const [x, m, v] = outputs.slice(3 * k, 3 * k + 3) as [tf.TensorInfo, tf.TensorInfo, tf.TensorInfo];
    view(x).set(view(p.x));
    view(m).set(view(p.m));
    view(v).set(view(p.v));
    const at = (t: tf.TensorInfo) => view(t).byteOffset;
    kernels.adam(at(x), at(p.g), at(m), at(v), view(x).length, c.b1, c.c1, c.b2, c.c2, c.d1, c.d2, c.eps, c.step);
  });
  view(acc[0]!)[0] = c.acc1;
  view(acc[1]!)[0] = c.acc2;
  return [...outputs, ...acc];
}

interface CpuBackend {
  data: { get(dataId: object): { values: tf.backend_util.BackendValues } };
  makeTensorInfo(shape: number[], dtype: tf.DataType, values: tf.backend_util.BackendValues): tf.TensorInfo;
}

/**
 * On cpu: one loop per variable, rounding to float32 after every operation as the cpu backend's
 * kernels do (each stores its result in a Float32Array), which gives the same bits.
 */
function cpuAdam(inputs: tf.NamedTensorInfoMap, attrs: AdamAttrs, backend: CpuBackend): tf.TensorInfo[] {
  const f = Math.fround;
  const read = (t: tf.TensorInfo) => backend.data.get(t.dataId).values as Float32Array;
  const c = adamConstants(attrs, read(inputs['accBeta1']!)[0]!, read(inputs['accBeta2']!)[0]!);
  const outputs: tf.TensorInfo[] = [];
  for (const p of slots(inputs, attrs.count)) {
    const [x, g, m, v] = [read(p.x), read(p.g), read(p.m), read(p.v)];
    const [x2, m2, v2] = [0, 1, 2].map(() => new Float32Array(x.length)) as [Float32Array, Float32Array, Float32Array];
    for (let i = 0; i < x.length; i++) {
      const gi = g[i]!;
      const mi = f(f(m[i]! * c.b1) + f(gi * c.c1));
      const vi = f(f(v[i]! * c.b2) + f(f(gi * gi) * c.c2));
      const update = f(f(mi / c.d1) / f(f(Math.sqrt(f(vi / c.d2))) + c.eps));
      x2[i] = f(update * c.step) + x[i]!;
      m2[i] = mi;
      v2[i] = vi;
    }
    outputs.push(...[x2, m2, v2].map((values) => backend.makeTensorInfo(p.x.shape, 'float32', values)));
  }
  outputs.push(
    backend.makeTensorInfo([], 'float32', Float32Array.of(c.acc1)),
    backend.makeTensorInfo([], 'float32', Float32Array.of(c.acc2)),
  );
  return outputs;
}

const KERNELS: Record<string, tf.KernelFunc> = {
  wasm: ({ inputs, backend, attrs }) => wasmAdam(inputs, attrs as unknown as AdamAttrs, backend as BackendWasm),
  cpu: ({ inputs, backend, attrs }) => cpuAdam(inputs, attrs as unknown as AdamAttrs, backend as unknown as CpuBackend),
};

/** Registers the fused kernel for the wasm and cpu backends where it is missing; safe to call more than once. */
export function registerFusedAdam(): void {
  for (const [backendName, kernelFunc] of Object.entries(KERNELS)) {
    if (tf.getKernel(FUSED_ADAM, backendName) === undefined) tf.registerKernel({ kernelName: FUSED_ADAM, backendName, kernelFunc });
  }
}

/** The private state of tfjs-core's `AdamOptimizer` that the fused step reads and writes. */
export interface AdamState {
  accBeta1: tf.Variable;
  accBeta2: tf.Variable;
  accumulatedFirstMoment: { originalName: string; variable: tf.Variable }[];
  accumulatedSecondMoment: { originalName: string; variable: tf.Variable }[];
}

/**
 * The first and second moments of the variable at `index` of the list the optimizer updates,
 * made (zeros) on first use and kept by position, as tfjs' Adam does.
 */
export function adamMoments(optimizer: tf.AdamOptimizer, index: number, value: tf.Variable): [tf.Variable, tf.Variable] {
  const state = optimizer as unknown as AdamState;
  state.accumulatedFirstMoment[index] ??= { originalName: `${value.name}/m`, variable: tf.tidy(() => tf.zerosLike(value).variable(false)) };
  state.accumulatedSecondMoment[index] ??= {
    originalName: `${value.name}/v`,
    variable: tf.tidy(() => tf.zerosLike(value).variable(false)),
  };
  return [state.accumulatedFirstMoment[index]!.variable, state.accumulatedSecondMoment[index]!.variable];
}

export class FusedAdam extends tf.AdamOptimizer {
  constructor(learningRate: number, beta1 = 0.9, beta2 = 0.999, epsilon?: number) {
    super(learningRate, beta1, beta2, epsilon);
  }

  /** The update's settings, for `count` variables. */
  attrs(count: number): AdamAttrs {
    return { count, learningRate: this.learningRate, beta1: this.beta1, beta2: this.beta2, epsilon: this.epsilon };
  }

  override applyGradients(variableGradients: Parameters<tf.AdamOptimizer['applyGradients']>[0]): void {
    if (tf.getKernel(FUSED_ADAM, tf.getBackend()) === undefined) {
      super.applyGradients(variableGradients);
      return;
    }
    const state = this as unknown as AdamState;
    const names = Array.isArray(variableGradients) ? variableGradients.map((g) => g.name) : Object.keys(variableGradients);
    tf.tidy(() => {
      const inputs: tf.NamedTensorMap = { accBeta1: state.accBeta1, accBeta2: state.accBeta2 };
      const targets: tf.Variable[][] = [];
      names.forEach((name, i) => {
        const value = tf.engine().registeredVariables[name]!;
        const [m, v] = adamMoments(this, i, value);
        const gradient = Array.isArray(variableGradients) ? variableGradients[i]!.tensor : variableGradients[name];
        if (gradient == null) return;
        const k = targets.length;
        Object.assign(inputs, { [`x${k}`]: value, [`g${k}`]: gradient, [`m${k}`]: m, [`v${k}`]: v });
        targets.push([value, m, v]);
      });
      const attrs = this.attrs(targets.length);
      const outputs = tf.engine().runKernel(FUSED_ADAM, inputs, attrs as unknown as tf.NamedAttrMap) as tf.Tensor[];
      targets.forEach((variables, k) => variables.forEach((variable, j) => variable.assign(outputs[3 * k + j]!)));
      state.accBeta1.assign(outputs[3 * targets.length]!);
      state.accBeta2.assign(outputs[3 * targets.length + 1]!);
    });
    this.incrementIterations();
  }
}
