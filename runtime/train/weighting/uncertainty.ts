/**
 * `weighting uncertainty` — Kendall, Gal & Cipolla, 2018. Multi-Task Learning Using Uncertainty to
 * Weigh Losses for Scene Geometry and Semantics. CVPR.
 *
 * Each task has a learned log variance s_i = log σ_i² (initially 0) and the model minimises
 *   L = Σ_i λ_i·L_i / (2·exp(s_i)) + s_i / 2
 * over the model's parameters and s together, with the model's optimizer. The paper's regression
 * form is used for every task (its classification form drops the ½ in front of the loss); the
 * reported λ is λ_i / (2·exp(s_i)), the factor in front of the raw L_i. A task without labelled rows
 * in a batch leaves its whole term out, s_i / 2 included, or s_i would drift down for no reason.
 */
import * as tf from '@tensorflow/tfjs';
import type { StepContext, WeightingStrategy } from './strategy.js';
import { activeHeads, recordOnly } from './gradients.js';

export class UncertaintyWeighting implements WeightingStrategy {
  readonly method = 'uncertainty' as const;
  /** s, one log variance per head, in `heads` order. */
  readonly logVariance: tf.Variable;
  readonly variables: readonly tf.Variable[];

  constructor(
    private readonly heads: readonly string[],
    private readonly base: Readonly<Record<string, number>>,
  ) {
    this.logVariance = tf.tidy(() => tf.variable(tf.zeros([heads.length]), true));
    this.variables = [this.logVariance];
  }

  lambdas(): Record<string, number> {
    const s = this.logVariance.dataSync();
    return Object.fromEntries(this.heads.map((h, i) => [h, (this.base[h] ?? 1) / (2 * Math.exp(s[i]!))]));
  }

  /** The log variances s_i by head. */
  logVariances(): Record<string, number> {
    const s = this.logVariance.dataSync();
    return Object.fromEntries(this.heads.map((h, i) => [h, s[i]!]));
  }

  step(ctx: StepContext): void {
    const active = activeHeads(ctx, this.base);
    if (active.length === 0) {
      recordOnly(ctx);
      return;
    }
    const { value, grads } = tf.variableGrads(() => {
      const losses = ctx.taskLosses();
      const s = this.logVariance;
      const terms = active.map((head) => {
        const i = this.heads.indexOf(head);
        const si = s.slice([i], [1]).reshape([]);
        return losses[head]!.mul(this.base[head] ?? 1)
          .mul(tf.exp(si.neg()))
          .div(2)
          .add(si.div(2));
      });
      return tf.addN(terms) as tf.Scalar;
    }, [...ctx.variables]);
    value.dispose();
    const map = new Map<tf.Variable, tf.Tensor>();
    for (const v of ctx.variables) {
      const g = grads[v.name];
      if (g) map.set(v, g);
    }
    try {
      ctx.applyGradients(map);
    } finally {
      tf.dispose(Object.values(grads).filter((g): g is tf.Tensor => g !== null));
    }
  }

  dispose(): void {
    this.logVariance.dispose();
  }
}
