/**
 * The synthetic two-task regression data of Ma et al., "Modeling Task Relationships in Multi-task
 * Learning with Multi-gate Mixture-of-Experts" (KDD 2018), §3.2, whose task correlation is set by
 * one number ρ:
 *
 *   u1, u2 ∈ R^d orthogonal unit vectors;  w1 = c·u1,  w2 = c·(ρ·u1 + sqrt(1 − ρ²)·u2)
 *   x ~ N(0, I_d);  y_i = w_iᵀx + Σ_{j=1..m} sin(α_j·w_iᵀx + β_j) + ε_i,  ε_i ~ N(0, σ²)
 *
 * so cos(w1, w2) = ρ. The defaults d = 100, c = 1, m = 10 follow the paper's setup as we read it
 * (public re-implementations vary). The paper writes ε ~ N(0, 0.01), read here as a variance
 * (σ = 0.1), and calls α_j, β_j "given parameters" without fixing them: they are drawn from N(0, 1),
 * as public re-implementations do. Everything comes from one seed, in two streams:
 * the task structure (u1, u2, α, β) and the rows (x, ε). The same seed at two values of ρ therefore
 * gives the same vectors, sinusoids, inputs and noise, and only the correlation differs.
 */
import { mulberry32 } from '../data/index.js';

export interface SyntheticOptions {
  /** ρ in [−1, 1]: the cosine between w1 and w2. */
  readonly correlation: number;
  readonly rows: number;
  readonly seed?: number;
  /** d, the input dimension (default 100). */
  readonly dim?: number;
  /** c, the scale of w1 and w2 (default 1). */
  readonly scale?: number;
  /** m, the number of sinusoids (default 10). */
  readonly sines?: number;
  /** σ, the standard deviation of ε (paper: variance 0.01, so 0.1). */
  readonly noise?: number;
}

export const SYNTHETIC_DEFAULTS = { seed: 1, dim: 100, scale: 1, sines: 10, noise: 0.1 } as const;

/** The hidden structure shared by every row: the two weight vectors and the sinusoids. */
export interface SyntheticTasks {
  readonly u1: Float64Array;
  readonly u2: Float64Array;
  readonly w1: Float64Array;
  readonly w2: Float64Array;
  readonly alpha: Float64Array;
  readonly beta: Float64Array;
}

export interface SyntheticData {
  readonly dim: number;
  readonly rows: number;
  /** `rows * dim` inputs, row-major, rounded to 4 decimals (the labels are computed from the rounded values). */
  readonly x: Float64Array;
  readonly y1: Float64Array;
  readonly y2: Float64Array;
  readonly tasks: SyntheticTasks;
}

/** A standard normal draw (Box–Muller). */
export function gaussian(random: () => number): number {
  let u = random();
  while (u === 0) u = random();
  return Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * random());
}

function dot(a: Float64Array, b: Float64Array): number {
  let s = 0;
  for (let i = 0; i < a.length; i++) s += a[i]! * b[i]!;
  return s;
}

function normalizeInPlace(v: Float64Array): void {
  const norm = Math.sqrt(dot(v, v));
  for (let i = 0; i < v.length; i++) v[i]! /= norm;
}

/** u1 and u2 by Gram–Schmidt on two Gaussian vectors; α, β from N(0, 1). */
export function syntheticTasks(options: SyntheticOptions): SyntheticTasks {
  const { correlation: rho } = options;
  if (!(rho >= -1 && rho <= 1)) throw new RangeError(`the correlation must be in [-1, 1], got ${rho}`);
  const dim = options.dim ?? SYNTHETIC_DEFAULTS.dim;
  const scale = options.scale ?? SYNTHETIC_DEFAULTS.scale;
  const sines = options.sines ?? SYNTHETIC_DEFAULTS.sines;
  if (!(Number.isInteger(dim) && dim >= 2)) throw new RangeError(`the dimension must be an integer of at least 2, got ${dim}`);
  const random = mulberry32(options.seed ?? SYNTHETIC_DEFAULTS.seed);
  const u1 = Float64Array.from({ length: dim }, () => gaussian(random));
  normalizeInPlace(u1);
  const u2 = Float64Array.from({ length: dim }, () => gaussian(random));
  const along = dot(u2, u1);
  for (let i = 0; i < dim; i++) u2[i]! -= along * u1[i]!;
  normalizeInPlace(u2);
  const alpha = Float64Array.from({ length: sines }, () => gaussian(random));
  const beta = Float64Array.from({ length: sines }, () => gaussian(random));
  const orthogonal = Math.sqrt(Math.max(0, 1 - rho * rho));
  const w1 = u1.map((u) => scale * u);
  const w2 = u1.map((u, i) => scale * (rho * u + orthogonal * u2[i]!));
  return { u1, u2, w1, w2, alpha, beta };
}

/** y = wᵀx + Σ_j sin(α_j·wᵀx + β_j), before noise. */
function response(wx: number, tasks: SyntheticTasks): number {
  let y = wx;
  for (let j = 0; j < tasks.alpha.length; j++) y += Math.sin(tasks.alpha[j]! * wx + tasks.beta[j]!);
  return y;
}

export function syntheticData(options: SyntheticOptions): SyntheticData {
  const rows = options.rows;
  if (!(Number.isInteger(rows) && rows >= 1)) throw new RangeError(`the number of rows must be a positive integer, got ${rows}`);
  const tasks = syntheticTasks(options);
  const dim = tasks.w1.length;
  const noise = options.noise ?? SYNTHETIC_DEFAULTS.noise;
  // A second stream for the rows, so that the task structure does not depend on the row count.
  const random = mulberry32(((options.seed ?? SYNTHETIC_DEFAULTS.seed) ^ 0x5bd1e995) >>> 0);
  const x = new Float64Array(rows * dim);
  const y1 = new Float64Array(rows);
  const y2 = new Float64Array(rows);
  for (let r = 0; r < rows; r++) {
    let wx1 = 0;
    let wx2 = 0;
    for (let i = 0; i < dim; i++) {
      const v = Math.round(gaussian(random) * 1e4) / 1e4;
      x[r * dim + i] = v;
      wx1 += tasks.w1[i]! * v;
      wx2 += tasks.w2[i]! * v;
    }
    y1[r] = response(wx1, tasks) + noise * gaussian(random);
    y2[r] = response(wx2, tasks) + noise * gaussian(random);
  }
  return { dim, rows, x, y1, y2, tasks };
}

/** The data as CSV: `x_0 … x_{d-1}, y1, y2`, the binding an `input x: float[d]` reads. */
export function syntheticCsv(data: SyntheticData): string {
  const header = [...Array.from({ length: data.dim }, (_, i) => `x_${i}`), 'y1', 'y2'].join(',');
  const lines = [header];
  for (let r = 0; r < data.rows; r++) {
    const cells: string[] = [];
    for (let i = 0; i < data.dim; i++) cells.push(String(data.x[r * data.dim + i]));
    cells.push(String(Number(data.y1[r]!.toFixed(6))), String(Number(data.y2[r]!.toFixed(6))));
    lines.push(cells.join(','));
  }
  return `${lines.join('\n')}\n`;
}
