/**
 * A task's masked cross-entropy (train/losses/masked.ts, LANGUAGE.md §6) as one kernel forward and one
 * backward. Written with tensor ops, the masked loss of one head is about 35 kernel calls forward
 * and 20 backward (mask comparisons, where, clip, log, sums, their gradients): in a training step
 * of the wide two-head MLP that was more than half of all kernel calls, each with the engine's
 * bookkeeping. Here one loop over the batch computes Σ mask · loss, Σ mask and their ratio, and
 * one loop the gradient with respect to the predictions. The arithmetic is that of train/losses/masked.ts
 * (labels of unlabelled rows never read, predictions clipped to [ε, 1 − ε], the clip's gradient
 * zero outside), in double precision rounded once, so it agrees with the tensor-op version to
 * float32 rounding (tested). Categorical and binary cross-entropy on `[b, units]`; other losses,
 * `tag` and backends without the kernels take the tensor-op path.
 */
import * as tf from '@tensorflow/tfjs';
import type { BackendWasm } from '@tensorflow/tfjs-backend-wasm';

/** Keras' fuzz factor: probabilities are clipped to [ε, 1 − ε] before taking logs. */
export const EPSILON = 1e-7;
/**
 * The clip bounds as float32 holds them, as the tensor ops clip: 1 − ε is 0.99999988 there, so
 * log(1 − q) at the upper bound is log(1.19e-7), not log(1e-7).
 */
const LOW = Math.fround(EPSILON);
const HIGH = Math.fround(1 - EPSILON);

export const FUSED_LOSS = 'MtlMaskedLoss';
const FUSED_LOSS_GRAD = 'MtlMaskedLossGrad';

export type MaskedLossKind = 'categorical_crossentropy' | 'binary_crossentropy';

interface LossAttrs {
  readonly loss: MaskedLossKind;
}

/** Float32 views of inputs and fresh outputs on the wasm and cpu backends. */
interface Buffers {
  read(backend: unknown, t: tf.TensorInfo): Float32Array;
  /** Allocates every output first, then returns their views and infos (allocation may move wasm memory). */
  outputs(backend: unknown, shapes: number[][]): { views: Float32Array[]; infos: tf.TensorInfo[] };
}

type CpuBackend = {
  data: { get(id: object): { values: unknown } };
  makeTensorInfo(s: number[], d: tf.DataType, v: Float32Array): tf.TensorInfo;
};

const BUFFERS: Record<'wasm' | 'cpu', Buffers> = {
  wasm: {
    read: (backend, t) => (backend as BackendWasm).typedArrayFromHeap(t) as Float32Array,
    outputs: (backend, shapes) => {
      const wasm = backend as BackendWasm;
      const infos = shapes.map((shape) => wasm.makeOutput(shape, 'float32'));
      return { views: infos.map((t) => wasm.typedArrayFromHeap(t) as Float32Array), infos };
    },
  },
  cpu: {
    read: (backend, t) => (backend as CpuBackend).data.get(t.dataId).values as Float32Array,
    outputs: (backend, shapes) => {
      const views = shapes.map((shape) => new Float32Array(tf.util.sizeFromShape(shape)));
      return { views, infos: shapes.map((shape, i) => (backend as CpuBackend).makeTensorInfo(shape, 'float32', views[i]!)) };
    },
  },
};

/** −log-likelihood of one row; `q` clipped predictions are computed on the fly. */
function rowLoss(kind: MaskedLossKind, y: ArrayLike<number>, p: ArrayLike<number>, from: number, units: number): number {
  let total = 0;
  for (let u = from; u < from + units; u++) {
    const q = Math.min(Math.max(p[u]!, LOW), HIGH);
    total += kind === 'categorical_crossentropy' ? y[u]! * Math.log(q) : y[u]! * Math.log(q) + (1 - y[u]!) * Math.log(1 - q);
  }
  return kind === 'categorical_crossentropy' ? -total : -total / units;
}

/** Σ mask · loss over the rows and Σ mask, in double precision; `mask` has one weight per row. */
export function maskedLossSums(
  kind: MaskedLossKind,
  y: ArrayLike<number>,
  p: ArrayLike<number>,
  mask: ArrayLike<number>,
): { sum: number; count: number } {
  const rows = mask.length;
  const units = rows === 0 ? 0 : p.length / rows;
  let sum = 0;
  let count = 0;
  for (let r = 0; r < rows; r++) {
    const w = mask[r]!;
    count += w;
    if (w > 0) sum += w * rowLoss(kind, y, p, r * units, units);
  }
  return { sum, count };
}

/** Outputs `[mean, sum, count]`: Σ mask · loss over the rows, Σ mask, and sum / max(count, 1). */
function lossKernel(io: Buffers): tf.KernelFunc {
  return ({ inputs, backend, attrs }) => {
    const { y, p, mask } = inputs as { y: tf.TensorInfo; p: tf.TensorInfo; mask: tf.TensorInfo };
    const { views, infos } = io.outputs(backend, [[], [], []]);
    const { sum, count } = maskedLossSums(
      (attrs as unknown as LossAttrs).loss,
      io.read(backend, y),
      io.read(backend, p),
      io.read(backend, mask),
    );
    views[0]![0] = sum / Math.max(count, 1);
    views[1]![0] = sum;
    views[2]![0] = count;
    return infos;
  };
}

/**
 * Writes into `dp` the gradient of Σ mask · loss with respect to the predictions, each row's
 * scaled by `perRow`: for labelled rows mask · perRow · ∂loss/∂q, zero where the clip was active.
 */
export function maskedLossGradient(
  kind: MaskedLossKind,
  y: ArrayLike<number>,
  p: ArrayLike<number>,
  mask: ArrayLike<number>,
  perRow: number,
  dp: Float32Array,
): void {
  const rows = mask.length;
  const units = rows === 0 ? 0 : p.length / rows;
  const categorical = kind === 'categorical_crossentropy';
  for (let r = 0; r < rows; r++) {
    const w = mask[r]!;
    const scale = w > 0 ? w * perRow : 0;
    for (let u = r * units; u < (r + 1) * units; u++) {
      const pu = p[u]!;
      if (scale === 0 || pu < LOW || pu > HIGH) {
        dp[u] = 0;
        continue;
      }
      const yu = y[u]!;
      dp[u] = categorical ? (-scale * yu) / pu : (-scale * (yu / pu - (1 - yu) / (1 - pu))) / units;
    }
  }
}

/**
 * d(sum)/dp and d(mean)/dp, weighted by their upstream gradients (absent ones are zero):
 * per row dSum + dMean / max(count, 1).
 */
function gradKernel(io: Buffers): tf.KernelFunc {
  return ({ inputs, backend, attrs }) => {
    const { y, p, mask, count, dMean, dSum } = inputs as Record<string, tf.TensorInfo | undefined>;
    const { views, infos } = io.outputs(backend, [[...p!.shape]]);
    const n = io.read(backend, count!)[0]!;
    const perRow =
      (dSum === undefined ? 0 : io.read(backend, dSum)[0]!) + (dMean === undefined ? 0 : io.read(backend, dMean)[0]! / Math.max(n, 1));
    maskedLossGradient(
      (attrs as unknown as LossAttrs).loss,
      io.read(backend, y!),
      io.read(backend, p!),
      io.read(backend, mask!),
      perRow,
      views[0]!,
    );
    return infos[0]!;
  };
}

/** Registers the kernels for wasm and cpu and the gradient, where missing; safe to call more than once. */
export function registerMaskedLoss(): void {
  for (const [backendName, io] of Object.entries(BUFFERS)) {
    if (tf.getKernel(FUSED_LOSS, backendName) === undefined)
      tf.registerKernel({ kernelName: FUSED_LOSS, backendName, kernelFunc: lossKernel(io) });
    if (tf.getKernel(FUSED_LOSS_GRAD, backendName) === undefined)
      tf.registerKernel({ kernelName: FUSED_LOSS_GRAD, backendName, kernelFunc: gradKernel(io) });
  }
  if (tf.getGradient(FUSED_LOSS) === undefined) {
    tf.registerGradient({
      kernelName: FUSED_LOSS,
      inputsToSave: ['y', 'p', 'mask'],
      outputsToSave: [false, false, true],
      gradFunc: (dys, saved, attrs) => {
        const [dMean, dSum] = dys as (tf.Tensor | null)[];
        const [y, p, mask, count] = saved;
        const inputs: tf.NamedTensorMap = { y: y!, p: p!, mask: mask!, count: count! };
        if (dMean != null) inputs['dMean'] = dMean;
        if (dSum != null) inputs['dSum'] = dSum;
        return {
          p: () => tf.engine().runKernel(FUSED_LOSS_GRAD, inputs, attrs) as tf.Tensor,
          // Labels and mask are data: no gradient flows to them.
          y: () => tf.zerosLike(y!),
          mask: () => tf.zerosLike(mask!),
        };
      },
    });
  }
}

/**
 * [mean, sum, count] of the masked loss through the kernel, or undefined when the current backend
 * has none (the caller then uses tensor ops). `yTrue`, `yPred` are float32 `[b, units]`, `mask` `[b]`.
 */
export function runMaskedLoss(
  kind: MaskedLossKind,
  yTrue: tf.Tensor,
  yPred: tf.Tensor,
  mask: tf.Tensor1D,
): [tf.Scalar, tf.Scalar, tf.Scalar] | undefined {
  if (tf.getKernel(FUSED_LOSS, tf.getBackend()) === undefined) return undefined;
  return tf.engine().runKernel(FUSED_LOSS, { y: yTrue, p: yPred, mask }, { loss: kind } as unknown as tf.NamedAttrMap) as [
    tf.Scalar,
    tf.Scalar,
    tf.Scalar,
  ];
}
