/**
 * `weighting mgda` — Sener & Koltun, 2018. Multi-Task Learning as Multi-Objective Optimization.
 * NeurIPS. (Algorithm 2, without the MGDA-UB approximation.)
 *
 * With g_i the gradient of task i's λ^w-weighted loss on the shared parameters, α is the min-norm
 * point of their convex hull:  α = argmin ||Σ_i α_i g_i||²  over α_i ≥ 0, Σ_i α_i = 1.
 * Two tasks have the closed form α_1 = clip(((g_2 − g_1)·g_2) / ||g_1 − g_2||², 0, 1), α_2 = 1 − α_1
 * (½ each when g_1 = g_2). More tasks use Frank–Wolfe from α = 1/T: take t = argmin_r (Gα)_r and move
 * to the best point between Σ_i α_i g_i and g_t, or (an away step) move away from the vertex in use
 * with the largest (Gα)_r; at most 250 iterations, stopping when the duality gap is ~0.
 * The shared parameters take Σ_i α_i g_i; each task's own parameters take its own task's full
 * gradient, as in the paper's algorithm. The reported λ_i is λ^w_i times the mean α_i over the
 * epoch's steps.
 */
import type { StepContext, WeightingStrategy } from './strategy.js';
import { applyCombination, gramMatrix, stepWithTaskGradients } from './gradients.js';

export class MgdaWeighting implements WeightingStrategy {
  readonly method = 'mgda' as const;
  /** Σ α_i over this epoch's steps, and the number of steps. */
  private sums: Record<string, number>;
  private steps = 0;

  constructor(
    private readonly heads: readonly string[],
    private readonly base: Readonly<Record<string, number>>,
  ) {
    this.sums = this.zeros();
  }

  lambdas(): Record<string, number> {
    return Object.fromEntries(
      this.heads.map((h) => [h, (this.steps > 0 ? this.sums[h]! / this.steps : 1 / this.heads.length) * (this.base[h] ?? 1)]),
    );
  }

  onEpochEnd(): void {
    this.sums = this.zeros();
    this.steps = 0;
  }

  step(ctx: StepContext): void {
    stepWithTaskGradients(ctx, this.base, (grads) => {
      const alpha = minNormCoefficients(gramMatrix(grads.shared));
      applyCombination(
        ctx,
        grads,
        alpha,
        grads.heads.map(() => 1),
      );
      grads.heads.forEach((h, i) => {
        this.sums[h]! += alpha[i]!;
      });
      this.steps++;
    });
  }

  private zeros(): Record<string, number> {
    return Object.fromEntries(this.heads.map((h) => [h, 0]));
  }
}

/** α for the min-norm point of the hull of the gradients whose Gram matrix is given. */
export function minNormCoefficients(gram: readonly (readonly number[])[]): number[] {
  if (gram.length === 1) return [1];
  if (gram.length === 2) {
    const a = twoPointMinNorm(gram[0]![0]!, gram[0]![1]!, gram[1]![1]!);
    return [a, 1 - a];
  }
  return frankWolfe(gram);
}

/**
 * The γ in [0, 1] minimising ||γ·u + (1 − γ)·v||², from u·u, u·v and v·v:
 * clip((v·v − u·v) / (u·u + v·v − 2·u·v), 0, 1); ½ when u = v.
 */
export function twoPointMinNorm(uu: number, uv: number, vv: number): number {
  const denominator = uu + vv - 2 * uv;
  if (!(denominator > 1e-12 * Math.max(uu, vv, 1e-30))) return 0.5;
  return Math.min(1, Math.max(0, (vv - uv) / denominator));
}

/**
 * Frank–Wolfe on the simplex for min αᵀGα (Sener & Koltun, Algorithm 2), with away steps
 * (Lacoste-Julien & Jaggi, 2015): besides moving toward the best vertex, a step may move away from
 * the worst vertex in use, which lets a weight fall to exactly 0. The plain method converges as
 * O(1/k) and keeps small weights on vertices that do not belong; the away steps converge linearly
 * to the same point. Each step is an exact line search of the quadratic. Stops when the duality gap
 * αᵀGα − min_r (Gα)_r falls below `tolerance`·max_i G_ii.
 */
export function frankWolfe(gram: readonly (readonly number[])[], options: { maxIterations?: number; tolerance?: number } = {}): number[] {
  const t = gram.length;
  const maxIterations = options.maxIterations ?? 250;
  const tolerance = (options.tolerance ?? 1e-10) * Math.max(...gram.map((row, i) => row[i]!), Number.MIN_VALUE);
  const alpha = new Array<number>(t).fill(1 / t);
  for (let iteration = 0; iteration < maxIterations; iteration++) {
    const g = gram.map((row) => row.reduce((sum, v, j) => sum + v * alpha[j]!, 0));
    const f = alpha.reduce((sum, a, i) => sum + a * g[i]!, 0);
    let toward = 0;
    let away = -1;
    for (let r = 0; r < t; r++) {
      if (g[r]! < g[toward]!) toward = r;
      if (alpha[r]! > 0 && (away < 0 || g[r]! > g[away]!)) away = r;
    }
    const gapToward = f - g[toward]!;
    if (gapToward <= tolerance) break;
    const useAway = g[away]! - f > gapToward && alpha[away]! < 1;
    // Direction d and the longest step that stays on the simplex.
    const d = alpha.map((a, i) => (useAway ? a - (i === away ? 1 : 0) : (i === toward ? 1 : 0) - a));
    const longest = useAway ? alpha[away]! / (1 - alpha[away]!) : 1;
    const slope = d.reduce((sum, di, i) => sum + di * g[i]!, 0);
    const curvature = d.reduce((sum, di, i) => sum + di * gram[i]!.reduce((s2, v, j) => s2 + v * d[j]!, 0), 0);
    const step = curvature > 0 ? Math.min(longest, Math.max(0, -slope / curvature)) : slope < 0 ? longest : 0;
    if (!(step > 0)) break;
    for (let i = 0; i < t; i++) alpha[i] = Math.max(0, alpha[i]! + step * d[i]!);
    if (useAway && step === longest) alpha[away] = 0;
  }
  const sum = alpha.reduce((a, b) => a + b, 0);
  return alpha.map((a) => a / sum);
}
