/**
 * `weighting dwa(temperature: T)` — Liu, Johns & Davison, 2019. End-to-End Multi-Task Learning with
 * Attention. CVPR. (Dynamic weight average, §3.3.)
 *
 * With K tasks and L_k(t) the mean training loss of task k over epoch t,
 *   w_k(t−1) = L_k(t−1) / L_k(t−2),   λ_k(t) = K·exp(w_k(t−1)/T) / Σ_i exp(w_i(t−1)/T),
 * and λ_k(t) = 1 for the first two epochs. The model then minimises Σ_k λ_k(t)·λ^w_k·L_k with
 * λ^w the `weights {}`. A ratio that cannot be formed (a task with no labelled rows, hence loss 0,
 * in either epoch) counts as 1: no evidence that the task sped up or slowed down.
 */
import type { WeightingStrategy } from './strategy.js';

export class DwaWeighting implements WeightingStrategy {
  readonly method = 'dwa' as const;
  readonly temperature: number;
  /** The epoch-mean losses of the last two finished epochs, older first. */
  private recent: Readonly<Record<string, number>>[] = [];
  private current: Record<string, number>;

  constructor(
    private readonly heads: readonly string[],
    private readonly base: Readonly<Record<string, number>>,
    options: { temperature: number },
  ) {
    this.temperature = options.temperature;
    this.current = Object.fromEntries(heads.map((h) => [h, 1]));
  }

  /** λ_k(t)·λ^w_k: the weights in force during the current epoch. */
  lambdas(): Record<string, number> {
    return Object.fromEntries(this.heads.map((h) => [h, this.current[h]! * (this.base[h] ?? 1)]));
  }

  onEpochEnd(_epoch: number, taskLoss: Readonly<Record<string, number>>): void {
    this.recent = [...this.recent, { ...taskLoss }].slice(-2);
    if (this.recent.length < 2) return;
    const [older, newer] = this.recent as [Record<string, number>, Record<string, number>];
    const ratios = this.heads.map((h) => {
      const w = newer[h]! / older[h]!;
      return Number.isFinite(w) && older[h]! > 0 && newer[h]! > 0 ? w : 1;
    });
    // Softmax with the largest exponent subtracted, so that a huge ratio cannot overflow.
    const top = Math.max(...ratios.map((w) => w / this.temperature));
    const e = ratios.map((w) => Math.exp(w / this.temperature - top));
    const sum = e.reduce((a, b) => a + b, 0);
    this.current = Object.fromEntries(this.heads.map((h, i) => [h, (this.heads.length * e[i]!) / sum]));
  }
}
