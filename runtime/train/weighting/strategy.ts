/**
 * How the task losses combine into the one loss that training minimizes (LANGUAGE.md §4
 * `weights` and `weighting`). A strategy gives the λ of L = Σ λ_i L_i, may own trainable
 * variables of its own, may replace the combination, and may take over the whole update of a
 * batch — which is what gradient-based methods (GradNorm, PCGrad, MGDA) need: per-task gradients
 * on the shared parameters (gradients.ts). `fixed` and every adaptive method live in
 * their own files in this folder (index.ts picks one); docs/methods.md gives each formula as implemented.
 *
 * One rule for all methods: the `weights {}` λ (default 1) scale each task's loss before the
 * method sees it, so an adaptive method balances λ_i·L_i, and the λ it reports is the factor the
 * raw L_i ends up multiplied by.
 */
import * as tf from '@tensorflow/tfjs';
import type { WeightingSpec } from '../../../compiler/index.js';

/** Everything one training step offers a strategy that takes over the update. */
export interface StepContext {
  /** Head names, in model output order. */
  readonly heads: readonly string[];
  /** 1-based epoch and 0-based batch within it. */
  readonly epoch: number;
  readonly batch: number;
  /** Rows of this batch that carry each head's label: a head with none has loss 0 and no gradient. */
  readonly labelled: Readonly<Record<string, number>>;
  /**
   * Runs the forward pass on this step's batch (training mode) and returns each head's masked mean
   * loss. Every call records a fresh pass: call it inside `tf.variableGrads` / `tf.tidy`.
   */
  taskLosses(): Record<string, tf.Scalar>;
  /** Parameters that more than one head depends on (trunks, shared experts, inputs' embeddings…). */
  readonly sharedVars: readonly tf.Variable[];
  /** Per head, the parameters only that head depends on (its tower, its gate, its specific experts). */
  readonly taskVars: Readonly<Record<string, readonly tf.Variable[]>>;
  /** Every trainable variable of the step, model and strategy, in the fixed order the optimizer sees. */
  readonly variables: readonly tf.Variable[];
  readonly optimizer: tf.Optimizer;
  /**
   * Applies one update. Gradients are passed in the fixed order of `variables` (zeros for any left
   * out), because TensorFlow.js optimizers keep their slots by position. Does not dispose `grads`.
   */
  applyGradients(grads: ReadonlyMap<tf.Variable, tf.Tensor>): void;
}

export interface WeightingStrategy {
  readonly method: WeightingSpec['method'];
  /** The current λ per head (reported in the history every epoch). */
  lambdas(): Record<string, number>;
  /** Trainable variables the strategy owns (e.g. uncertainty's log variances); trained with the model. */
  readonly variables?: readonly tf.Variable[];
  /** The scalar to minimize, built inside the gradient tape. Default: Σ λ_i L_i. */
  combine?(losses: Readonly<Record<string, tf.Scalar>>): tf.Scalar;
  /** Takes over the update of one batch. When absent the loop minimizes `combine`. */
  step?(ctx: StepContext): void;
  /** What the strategy keeps besides its variables, as JSON, for checkpoints (GradNorm's first losses). */
  state?(): unknown;
  /** Takes back what `state` gave, when a run resumes. */
  restore?(state: unknown): void;
  /** Called after every epoch with the epoch's mean training loss per head (e.g. DWA's ratios). */
  onEpochEnd?(epoch: number, taskLosses: Readonly<Record<string, number>>): void;
  dispose?(): void;
}

/** Σ λ_i L_i, for heads with a λ. */
export function weightedSum(losses: Readonly<Record<string, tf.Scalar>>, lambdas: Readonly<Record<string, number>>): tf.Scalar {
  return tf.tidy(() => {
    let total: tf.Scalar = tf.scalar(0);
    for (const [head, loss] of Object.entries(losses)) total = total.add(loss.mul(lambdas[head] ?? 1));
    return total;
  });
}
