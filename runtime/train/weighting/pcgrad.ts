/**
 * `weighting pcgrad` — Yu, Kumar, Gupta, Levine, Hausman & Finn, 2020. Gradient Surgery for
 * Multi-Task Learning. NeurIPS. (Algorithm 1.)
 *
 * With g_i the gradient of task i's λ^w-weighted loss on the shared parameters: for each task i,
 * g_i^PC starts as g_i, and for every other task j in a random order,
 *   if g_i^PC · g_j < 0:  g_i^PC ← g_i^PC − (g_i^PC · g_j / ||g_j||²)·g_j,
 * and the shared parameters take Σ_i g_i^PC. Task-specific parameters take their own task's
 * gradient unchanged. The orders come from a generator seeded by `train { seed }`, the epoch and the
 * batch, so that a resumed run draws the orders an uninterrupted one would.
 *
 * Every g_i^PC is a combination Σ_j c_ij·g_j of the original gradients, so the projections run on
 * the coefficients and the Gram matrix G_ij = g_i·g_j (g_i^PC·g_j = Σ_k c_ik·G_kj); one weighted sum
 * of the gradients then gives the update. λ stays the `weights {}` λ.
 */
import { mulberry32, shuffleInPlace } from '../../data/index.js';
import type { StepContext, WeightingStrategy } from './strategy.js';
import { applyCombination, gramMatrix, stepWithTaskGradients } from './gradients.js';

export class PcGradWeighting implements WeightingStrategy {
  readonly method = 'pcgrad' as const;
  private readonly seed: number;

  constructor(
    private readonly heads: readonly string[],
    private readonly base: Readonly<Record<string, number>>,
    options: { seed: number },
  ) {
    this.seed = options.seed;
  }

  lambdas(): Record<string, number> {
    return Object.fromEntries(this.heads.map((h) => [h, this.base[h] ?? 1]));
  }

  step(ctx: StepContext): void {
    stepWithTaskGradients(ctx, this.base, (grads) => {
      const active = grads.heads;
      const random = mulberry32((this.seed + ctx.epoch * 1_000_003 + ctx.batch * 7_919) >>> 0);
      const orders = active.map((_, i) => shuffledOthers(active.length, i, random));
      const coefficients = pcgradCoefficients(gramMatrix(grads.shared), orders);
      applyCombination(
        ctx,
        grads,
        columnSums(coefficients),
        active.map(() => 1),
      );
    });
  }
}

/**
 * The projected gradients as coefficients: row i holds c_ij with g_i^PC = Σ_j c_ij·g_j, given the
 * Gram matrix of the task gradients and, per task, the order in which it meets the others.
 */
export function pcgradCoefficients(gram: readonly (readonly number[])[], orders: readonly Iterable<number>[]): number[][] {
  const t = gram.length;
  const c = Array.from({ length: t }, (_, i) => Array.from({ length: t }, (__, j) => (i === j ? 1 : 0)));
  for (let i = 0; i < t; i++) {
    for (const j of orders[i]!) {
      const normSquared = gram[j]![j]!;
      if (normSquared <= 0) continue;
      let dot = 0;
      for (let k = 0; k < t; k++) dot += c[i]![k]! * gram[k]![j]!;
      if (dot < 0) c[i]![j]! -= dot / normSquared;
    }
  }
  return c;
}

/** β_j = Σ_i c_ij: the weight of g_j in Σ_i g_i^PC. */
export function columnSums(c: readonly (readonly number[])[]): number[] {
  return c.length === 0 ? [] : c[0]!.map((_, j) => c.reduce((sum, row) => sum + row[j]!, 0));
}

/** The tasks other than `task`, in the order it meets them. */
function shuffledOthers(count: number, task: number, random: () => number): Int32Array {
  const others = Int32Array.from({ length: count }, (_, j) => j).filter((j) => j !== task);
  shuffleInPlace(others, random);
  return others;
}
