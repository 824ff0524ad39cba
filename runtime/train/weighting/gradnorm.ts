/**
 * `weighting gradnorm(alpha: α)` — Chen, Badrinarayanan, Lee & Rabinovich, 2018. GradNorm: Gradient
 * Normalization for Adaptive Loss Balancing in Deep Multitask Networks. ICML. (Algorithm 1.)
 *
 * Task weights w_i (initially 1) are variables of their own. Each step, with W all the shared
 * parameters (the paper allows any subset and suggests the last shared layer; a gate's experts
 * have no single last layer, so all of them are used) and L_i the task's λ^w-weighted loss:
 *   G_i = ||∇_W w_i·L_i|| = w_i·||∇_W L_i||,   Ḡ = mean_i G_i,
 *   r_i = L̃_i / mean_j L̃_j  with  L̃_i = L_i(t) / L_i(0),
 *   L_grad = Σ_i |G_i − Ḡ·r_i^α|   (the target Ḡ·r_i^α held constant),
 * the model parameters take the gradient of Σ_i w_i·L_i and w takes ∇_w L_grad, both through the
 * model's optimizer in the same step; then w is renormalised so that Σ_i w_i = number of tasks.
 * L_i(0) is the task's loss on the first batch that labels it (kept in checkpoints, so a resumed
 * run uses the same). A task without labelled rows in a
 * batch sits that step out (its w_i gets no gradient; Ḡ and the mean of L̃ are over the others).
 * Before renormalising, every w_i is kept at least 1e-4: the paper does not say what happens when a
 * weight crosses zero, and a negative weight would climb its task's loss.
 */
import * as tf from '@tensorflow/tfjs';
import type { StepContext, WeightingStrategy } from './strategy.js';
import { applyCombination, gramMatrix, stepWithTaskGradients, type TaskGradients } from './gradients.js';

const FLOOR = 1e-4;

export class GradNormWeighting implements WeightingStrategy {
  readonly method = 'gradnorm' as const;
  readonly alpha: number;
  /** w, one weight per head, in `heads` order. */
  readonly weights: tf.Variable;
  readonly variables: readonly tf.Variable[];
  /** L_i(0) by head. */
  private readonly initialLoss = new Map<string, number>();

  constructor(
    private readonly heads: readonly string[],
    private readonly base: Readonly<Record<string, number>>,
    options: { alpha: number },
  ) {
    this.alpha = options.alpha;
    this.weights = tf.tidy(() => tf.variable(tf.ones([heads.length]), true));
    this.variables = [this.weights];
  }

  lambdas(): Record<string, number> {
    const w = this.weights.dataSync();
    return Object.fromEntries(this.heads.map((h, i) => [h, w[i]! * (this.base[h] ?? 1)]));
  }

  step(ctx: StepContext): void {
    if (stepWithTaskGradients(ctx, this.base, (grads) => this.update(ctx, grads))) this.renormalise();
  }

  /** Both updates of one step: the model's parameters by Σ_i w_i·g_i, w by ∇_w L_grad. */
  private update(ctx: StepContext, grads: TaskGradients): void {
    const active = grads.heads;
    const gram = gramMatrix(grads.shared);
    const all = Array.from(this.weights.dataSync());
    const index = active.map((h) => this.heads.indexOf(h));
    const w = index.map((k) => all[k]!);
    const norms = gram.map((row, i) => Math.sqrt(Math.max(row[i]!, 0)));
    active.forEach((h, i) => {
      if (!this.initialLoss.has(h) && grads.losses[i]! > 0) this.initialLoss.set(h, grads.losses[i]!);
    });
    const wGrad = gradNormWeightGradient(
      w,
      norms,
      grads.losses,
      active.map((h) => this.initialLoss.get(h)),
      this.alpha,
    );
    const full = new Array<number>(this.heads.length).fill(0);
    index.forEach((k, i) => {
      full[k] = wGrad[i]!;
    });
    const wGradient = tf.tensor1d(full);
    try {
      applyCombination(ctx, grads, w, w, new Map([[this.weights, wGradient]]));
    } finally {
      wGradient.dispose();
    }
  }

  state(): { initialLoss: Record<string, number> } {
    return { initialLoss: Object.fromEntries(this.initialLoss) };
  }

  restore(state: unknown): void {
    const saved = (state as { initialLoss?: Record<string, unknown> } | undefined)?.initialLoss ?? {};
    for (const [head, loss] of Object.entries(saved))
      if (this.heads.includes(head) && typeof loss === 'number') this.initialLoss.set(head, loss);
  }

  /** w ← T·w / Σ w, each w_i first kept ≥ 1e-4. */
  private renormalise(): void {
    const w = Array.from(this.weights.dataSync()).map((v) => Math.max(v, FLOOR));
    const sum = w.reduce((a, b) => a + b, 0);
    tf.tidy(() => this.weights.assign(tf.tensor1d(w.map((v) => (v * this.heads.length) / sum))));
  }

  dispose(): void {
    this.weights.dispose();
  }
}

/**
 * ∂L_grad/∂w_i = sign(G_i − Ḡ·r_i^α)·||∇_W L_i|| for the tasks of one step: their weights, gradient
 * norms, current losses and first losses (undefined until known: L̃_i = 1 then).
 */
function gradNormWeightGradient(
  w: readonly number[],
  norms: readonly number[],
  losses: readonly number[],
  initial: readonly (number | undefined)[],
  alpha: number,
): number[] {
  const t = w.length;
  const g = w.map((wi, i) => wi * norms[i]!);
  const gMean = g.reduce((a, b) => a + b, 0) / t;
  const rates = losses.map((l, i) => (initial[i] !== undefined ? l / initial[i]! : 1));
  const rateMean = rates.reduce((a, b) => a + b, 0) / t;
  return g.map((gi, i) => {
    const r = rateMean > 0 ? rates[i]! / rateMean : 1;
    return Math.sign(gi - gMean * r ** alpha) * norms[i]!;
  });
}
