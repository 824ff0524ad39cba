/**
 * The host-side solvers of the gradient methods, checked on plain vectors: PCGrad's projection
 * (worked on coefficients and a Gram matrix) against Algorithm 1 written on the vectors themselves,
 * MGDA's Frank–Wolfe against the two-task closed form and against the optimality conditions of
 * the min-norm problem, and DWA's rule on hand-picked losses.
 */
import { describe, expect, it } from 'vitest';
import { mulberry32 } from '../../runtime/data/random.js';
import { DwaWeighting } from '../../runtime/train/weighting/dwa.js';
import { frankWolfe, minNormCoefficients, twoPointMinNorm } from '../../runtime/train/weighting/mgda.js';
import { columnSums, pcgradCoefficients } from '../../runtime/train/weighting/pcgrad.js';
import { dot, minus, plus, scale } from './weighting-reference.js';

const gramOf = (gs: readonly number[][]): number[][] => gs.map((gi) => gs.map((gj) => dot(gi, gj)));

/** Σ_j c_ij·g_j for every i. */
const combine = (c: readonly number[][], gs: readonly number[][]): number[][] =>
  c.map((row) => row.reduce((acc, cij, j) => plus(acc, scale(gs[j]!, cij)), new Array<number>(gs[0]!.length).fill(0)));

function randomVectors(random: () => number, count: number, size: number): number[][] {
  return Array.from({ length: count }, () => Array.from({ length: size }, () => random() * 2 - 1));
}

describe('pcgrad projection', () => {
  it('removes exactly the conflicting component: the projected gradient is orthogonal to the other', () => {
    const g1 = [1, 2, -1];
    const g2 = [-2, 0.5, 1];
    expect(dot(g1, g2)).toBeLessThan(0);
    const c = pcgradCoefficients(gramOf([g1, g2]), [[1], [0]]);
    const [p1, p2] = combine(c, [g1, g2]) as [number[], number[]];
    expect(dot(p1, g2)).toBeCloseTo(0, 12);
    expect(dot(p2, g1)).toBeCloseTo(0, 12);
    // What was removed is a multiple of the other gradient: g1 − p1 = (g1·g2 / ||g2||²)·g2.
    minus(g1, p1).forEach((v, i) => expect(v).toBeCloseTo((dot(g1, g2) / dot(g2, g2)) * g2[i]!, 12));
  });

  it('leaves a non-conflicting pair unchanged', () => {
    const g1 = [1, 2, -1];
    const g2 = [0.5, 0.5, 0.2];
    expect(dot(g1, g2)).toBeGreaterThan(0);
    const c = pcgradCoefficients(gramOf([g1, g2]), [[1], [0]]);
    expect(c).toEqual([
      [1, 0],
      [0, 1],
    ]);
    expect(columnSums(c)).toEqual([1, 1]);
  });

  it('follows Algorithm 1 on the vectors for five tasks, in the given orders', () => {
    const random = mulberry32(4);
    for (let trial = 0; trial < 20; trial++) {
      const gs = randomVectors(random, 5, 7);
      const orders = gs.map((_, i) => [0, 1, 2, 3, 4].filter((j) => j !== i).sort(() => random() - 0.5));
      // The paper's loop, on the vectors: g_i^PC is projected against the original g_j.
      const expected = gs.map((gi, i) => {
        let p = [...gi];
        for (const j of orders[i]!) {
          const d = dot(p, gs[j]!);
          if (d < 0) p = minus(p, scale(gs[j]!, d / dot(gs[j]!, gs[j]!)));
        }
        return p;
      });
      const c = pcgradCoefficients(gramOf(gs), orders);
      const actual = combine(c, gs);
      actual.forEach((p, i) => p.forEach((v, k) => expect(v).toBeCloseTo(expected[i]![k]!, 10)));
      // The update Σ_i g_i^PC is Σ_j β_j g_j with β the column sums.
      const sum = expected.reduce((acc, p) => plus(acc, p), new Array<number>(7).fill(0));
      const viaBeta = columnSums(c).reduce((acc, b, j) => plus(acc, scale(gs[j]!, b)), new Array<number>(7).fill(0));
      viaBeta.forEach((v, k) => expect(v).toBeCloseTo(sum[k]!, 10));
    }
  });

  it('skips a task whose gradient is zero', () => {
    const c = pcgradCoefficients(
      gramOf([
        [1, -1],
        [0, 0],
      ]),
      [[1], [0]],
    );
    expect(c).toEqual([
      [1, 0],
      [0, 1],
    ]);
  });
});

describe('mgda min-norm point', () => {
  /** The brief's closed form on the vectors: α = clip(((g2 − g1)·g2) / ||g1 − g2||², 0, 1). */
  const closedForm = (g1: number[], g2: number[]) => {
    const d = minus(g1, g2);
    return Math.min(1, Math.max(0, dot(minus(g2, g1), g2) / dot(d, d)));
  };

  it('solves two tasks by the closed form, and Frank–Wolfe agrees with it', () => {
    const random = mulberry32(11);
    let clipped = 0;
    for (let trial = 0; trial < 200; trial++) {
      const [g1, g2] = randomVectors(random, 2, 4) as [number[], number[]];
      // Every third pair: one gradient much longer than the other, so that the clip bites.
      if (trial % 3 === 0)
        g2.forEach((_, i) => {
          g2[i] = g2[i]! * 5 + g1[i]!;
        });
      const expected = closedForm(g1, g2);
      if (expected === 0 || expected === 1) clipped++;
      const gram = gramOf([g1, g2]);
      expect(twoPointMinNorm(gram[0]![0]!, gram[0]![1]!, gram[1]![1]!)).toBeCloseTo(expected, 10);
      const [a1, a2] = minNormCoefficients(gram) as [number, number];
      expect(a1).toBeCloseTo(expected, 10);
      expect(a1 + a2).toBeCloseTo(1, 12);
      const fw = frankWolfe(gram);
      expect(fw[0]).toBeCloseTo(expected, 6);
      expect(fw[1]).toBeCloseTo(1 - expected, 6);
    }
    expect(clipped).toBeGreaterThan(10);
  });

  it('gives ½ each to two equal gradients', () => {
    expect(
      minNormCoefficients(
        gramOf([
          [1, 2],
          [1, 2],
        ]),
      ),
    ).toEqual([0.5, 0.5]);
  });

  it('finds the min-norm point for more tasks with the default budget: α on the simplex, optimality conditions hold', () => {
    const random = mulberry32(5);
    for (let trial = 0; trial < 50; trial++) {
      const t = 3 + (trial % 4);
      const gs = randomVectors(random, t, 6);
      const gram = gramOf(gs);
      const alpha = minNormCoefficients(gram);
      expect(alpha.every((a) => a >= 0)).toBe(true);
      expect(alpha.reduce((a, b) => a + b, 0)).toBeCloseTo(1, 10);
      // KKT for min αᵀGα on the simplex: (Gα)_i ≥ αᵀGα for all i, with equality where α_i > 0.
      const point = gs.reduce((acc, g, i) => plus(acc, scale(g, alpha[i]!)), new Array<number>(6).fill(0));
      const norm2 = dot(point, point);
      gs.forEach((g, i) => {
        const gi = dot(g, point);
        expect(gi).toBeGreaterThanOrEqual(norm2 - 1e-8);
        if (alpha[i]! > 0) expect(gi).toBeCloseTo(norm2, 7);
      });
    }
  });

  it('is no worse than the best point of a fine grid over three tasks', () => {
    const random = mulberry32(8);
    for (let trial = 0; trial < 10; trial++) {
      const gs = randomVectors(random, 3, 5);
      const gram = gramOf(gs);
      const norm2 = (a: number[]) => {
        const p = gs.reduce((acc, g, i) => plus(acc, scale(g, a[i]!)), new Array<number>(5).fill(0));
        return dot(p, p);
      };
      let best = Infinity;
      const steps = 200;
      for (let i = 0; i <= steps; i++) {
        for (let j = 0; i + j <= steps; j++) best = Math.min(best, norm2([i / steps, j / steps, (steps - i - j) / steps]));
      }
      expect(norm2(minNormCoefficients(gram))).toBeLessThanOrEqual(best + 1e-12);
    }
  });
});

describe('dwa rule', () => {
  it('is 1 for two epochs, then K·softmax(L(t−1)/L(t−2) / T)', () => {
    const dwa = new DwaWeighting(['a', 'b', 'c'], { a: 1, b: 1, c: 1 }, { temperature: 2 });
    expect(dwa.lambdas()).toEqual({ a: 1, b: 1, c: 1 });
    dwa.onEpochEnd(1, { a: 2, b: 1, c: 4 });
    expect(dwa.lambdas()).toEqual({ a: 1, b: 1, c: 1 });
    dwa.onEpochEnd(2, { a: 1, b: 1, c: 2 });
    const e = [Math.exp(0.5 / 2), Math.exp(1 / 2), Math.exp(0.5 / 2)];
    const sum = e[0]! + e[1]! + e[2]!;
    const got = dwa.lambdas();
    expect(got.a).toBeCloseTo((3 * e[0]!) / sum, 12);
    expect(got.b).toBeCloseTo((3 * e[1]!) / sum, 12);
    expect(got.c).toBeCloseTo((3 * e[2]!) / sum, 12);
    expect(got.a! + got.b! + got.c!).toBeCloseTo(3, 12);
  });

  it('counts a ratio it cannot form (a task without labelled rows, loss 0) as 1, and does not overflow', () => {
    const dwa = new DwaWeighting(['a', 'b'], { a: 1, b: 1 }, { temperature: 0.001 });
    dwa.onEpochEnd(1, { a: 0, b: 1 });
    dwa.onEpochEnd(2, { a: 3, b: 1 });
    expect(dwa.lambdas()).toEqual({ a: 1, b: 1 });
    dwa.onEpochEnd(3, { a: 6, b: 1 });
    const got = dwa.lambdas();
    expect(Number.isFinite(got.a!) && Number.isFinite(got.b!)).toBe(true);
    expect(got.a).toBeCloseTo(2, 6);
    expect(got.b).toBeCloseTo(0, 6);
  });
});
