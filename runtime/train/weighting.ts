/**
 * How the task losses combine into the one loss that training minimizes (LANGUAGE.md §4
 * `weights` and `weighting`). A strategy gives the λ of L = Σ λ_i L_i, may own trainable
 * variables of its own, may replace the combination, and may take over the whole update of a
 * batch — which is what gradient-based methods (GradNorm, PCGrad, MGDA) need: per-task gradients
 * on the shared parameters (weighting/gradients.ts). `fixed` lives here, every adaptive method in
 * its own file under weighting/; docs/methods.md gives each formula as implemented.
 *
 * One rule for all methods: the `weights {}` λ (default 1) scale each task's loss before the
 * method sees it, so an adaptive method balances λ_i·L_i, and the λ it reports is the factor the
 * raw L_i ends up multiplied by.
 */
import * as tf from '@tensorflow/tfjs';
import type { CheckedModel, WeightingSpec } from '../../compiler/ir.js';
import { DwaWeighting } from './weighting/dwa.js';
import { GradNormWeighting } from './weighting/gradnorm.js';
import { MgdaWeighting } from './weighting/mgda.js';
import { PcGradWeighting } from './weighting/pcgrad.js';
import { UncertaintyWeighting } from './weighting/uncertainty.js';

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

/** λ as written in `weights {}`; a `search(…)` space trains with its first value until tuned. */
export function fixedLambdas(model: CheckedModel): Record<string, number> {
  const out: Record<string, number> = {};
  for (const head of model.heads) {
    const spec = model.weights[head.name];
    out[head.name] = spec === undefined ? 1 : spec.kind === 'fixed' ? spec.value : spec.values[0] ?? 1;
  }
  return out;
}

/** `weighting fixed`: λ never changes. */
export class FixedWeighting implements WeightingStrategy {
  readonly method = 'fixed' as const;
  private readonly values: Record<string, number>;

  constructor(lambdas: Readonly<Record<string, number>>) {
    this.values = { ...lambdas };
  }

  lambdas(): Record<string, number> {
    return { ...this.values };
  }
}

/** The strategy a model's `weighting` names; the defaults of its arguments are the compiler's (LANGUAGE.md §4). */
export function createStrategy(model: CheckedModel): WeightingStrategy {
  const spec = model.weighting;
  const heads = model.heads.map((h) => h.name);
  const base = fixedLambdas(model);
  switch (spec.method) {
    case 'fixed':
      return new FixedWeighting(base);
    case 'uncertainty':
      return new UncertaintyWeighting(heads, base);
    case 'gradnorm':
      return new GradNormWeighting(heads, base, { alpha: spec.alpha ?? 1.5 });
    case 'dwa':
      return new DwaWeighting(heads, base, { temperature: spec.temperature ?? 2 });
    case 'pcgrad':
      return new PcGradWeighting(heads, base, { seed: model.train.seed });
    case 'mgda':
      return new MgdaWeighting(heads, base);
  }
}

/** Σ λ_i L_i, for heads with a λ. */
export function weightedSum(losses: Readonly<Record<string, tf.Scalar>>, lambdas: Readonly<Record<string, number>>): tf.Scalar {
  return tf.tidy(() => {
    let total: tf.Scalar = tf.scalar(0);
    for (const [head, loss] of Object.entries(losses)) total = total.add(loss.mul(lambdas[head] ?? 1));
    return total;
  });
}

/**
 * Each head's gradient of its own loss with respect to `vars` (default: the shared parameters),
 * one forward pass per head. A head that does not depend on a variable gets zeros for it.
 * The caller owns (and disposes) the returned tensors.
 */
export function taskGradients(ctx: StepContext, vars: readonly tf.Variable[] = ctx.sharedVars): Record<string, tf.Tensor[]> {
  const out: Record<string, tf.Tensor[]> = {};
  for (const head of ctx.heads) {
    let grads: tf.NamedTensorMap = {};
    try {
      const result = tf.variableGrads(() => ctx.taskLosses()[head]!, [...vars]);
      result.value.dispose();
      grads = result.grads;
    } catch (error) {
      // TensorFlow.js refuses when the loss reaches none of the variables: all zeros then.
      if (!(error instanceof Error) || !/connection between any variable/.test(error.message)) throw error;
    }
    out[head] = vars.map((v) => grads[v.name] ?? tf.zerosLike(v));
  }
  return out;
}
