/**
 * Per-task losses with label masks (LANGUAGE.md §6). A row whose label is missing contributes
 * exactly nothing to its task's loss or gradient: every per-row loss is multiplied by the row's
 * weight (its mask, 0 or 1) before summing, and the sum is divided by the number of labelled rows
 * (steps, for `tag`). A batch without labelled rows has loss 0 for that task.
 */
import * as tf from '@tensorflow/tfjs';
import type { LossSpec, TaskNode } from '../../../compiler/index.js';
import { EPSILON, type MaskedLossKind, runMaskedLoss } from '../../accel/index.js';

export interface MaskedLoss {
  /** The masked mean: `sum / max(count, 1)`. */
  readonly mean: tf.Scalar;
  /** Σ weight · per-row loss. */
  readonly sum: tf.Scalar;
  /** Σ weight: labelled rows, or labelled steps for `tag`. */
  readonly count: tf.Scalar;
}

/** The part of a task the loss depends on. */
export type LossTask = Pick<TaskNode, 'kind' | 'loss'>;

/**
 * The masked loss of one task on one batch. `yTrue` and `yPred` are `[b, units]` (`[b, t, units]`
 * for `tag`), `mask` is `[b]` with 1 for labelled rows. Labels of masked rows are ignored, even NaN.
 */
export function maskedLoss(task: LossTask, yTrue: tf.Tensor, yPred: tf.Tensor, mask: tf.Tensor1D): MaskedLoss {
  // Cross-entropies run as one kernel each way where the backend has it (accel/masked-loss.ts).
  const fused = fusedMaskedLoss(task, yTrue, yPred, mask);
  if (fused !== undefined) return fused;
  return tf.tidy(() => {
    const labelled = mask.greater(0);
    const rowMask = mask.toFloat();
    // Zero the labels of unlabelled rows, so that a NaN placeholder cannot leak into the gradient.
    const y = tf.where(expandTo(labelled, yTrue.rank), yTrue, tf.zerosLike(yTrue));
    let perItem: tf.Tensor;
    let weight: tf.Tensor;
    if (task.kind === 'tag') {
      // One cross-entropy per step; steps without a tag (an all-zero one-hot row) are padding.
      perItem = categoricalCrossentropy(y, yPred);
      weight = y.sum(-1).greater(0).toFloat().mul(rowMask.expandDims(1));
    } else {
      perItem = rowLoss(task.loss, y, yPred);
      weight = rowMask;
    }
    const sum = perItem.mul(weight).sum() as tf.Scalar;
    const count = weight.sum() as tf.Scalar;
    const mean = sum.div(tf.maximum(count, 1)) as tf.Scalar;
    return { mean, sum, count };
  });
}

function expandTo(mask: tf.Tensor, rank: number): tf.Tensor {
  let m = mask;
  while (m.rank < rank) m = m.expandDims(-1);
  return m;
}

/** One loss value per row (per step for rank-3 inputs), averaged over the last axis where Keras does. */
export function rowLoss(loss: LossSpec, y: tf.Tensor, p: tf.Tensor): tf.Tensor {
  switch (loss.kind) {
    case 'categorical_crossentropy':
      return categoricalCrossentropy(y, p);
    case 'binary_crossentropy': {
      const q = p.clipByValue(EPSILON, 1 - EPSILON);
      return tf.neg(y.mul(q.log()).add(tf.sub(1, y).mul(tf.sub(1, q).log()))).mean(-1);
    }
    case 'mse':
      return tf.squaredDifference(y, p).mean(-1);
    case 'mae':
      return tf.abs(y.sub(p)).mean(-1);
    case 'huber': {
      // 0.5·q² + d·(e − q) with q = min(e, d): 0.5·e² up to d, then d·e − 0.5·d². Written without
      // tf.where, whose condition (e ≤ d) has no gradient in TensorFlow.js.
      const e = tf.abs(y.sub(p));
      const d = loss.delta;
      const q = tf.minimum(e, d);
      return q.square().mul(0.5).add(e.sub(q).mul(d)).mean(-1);
    }
  }
}

function categoricalCrossentropy(y: tf.Tensor, p: tf.Tensor): tf.Tensor {
  return tf.neg(y.mul(p.clipByValue(EPSILON, 1 - EPSILON).log()).sum(-1));
}

/** The losses the masked-loss kernel computes. */
export function fusedKind(loss: LossSpec): MaskedLossKind | undefined {
  return loss.kind === 'categorical_crossentropy' || loss.kind === 'binary_crossentropy' ? loss.kind : undefined;
}

/** The masked loss through the kernel, or undefined when this task or these tensors are not a case for it or the backend has none. */
function fusedMaskedLoss(task: LossTask, yTrue: tf.Tensor, yPred: tf.Tensor, mask: tf.Tensor1D): MaskedLoss | undefined {
  const kind = fusedKind(task.loss);
  if (kind === undefined || task.kind === 'tag' || yPred.rank !== 2 || yTrue.rank !== 2) return undefined;
  if (yPred.dtype !== 'float32' || yTrue.dtype !== 'float32' || mask.dtype !== 'float32') return undefined;
  const result = runMaskedLoss(kind, yTrue, yPred, mask);
  return result && { mean: result[0], sum: result[1], count: result[2] };
}
