import { describe, expect, it } from 'vitest';
import { syntheticCsv, syntheticData, syntheticTasks } from '../../runtime/experiments/synthetic.js';
import { pearson } from '../helpers/stats.js';

const dotOf = (a: Float64Array, b: Float64Array) => a.reduce((s, v, i) => s + v * b[i]!, 0);

describe('the MMoE synthetic data (Ma et al. 2018, §3.2)', () => {
  it('builds orthogonal unit vectors u1, u2 and weights whose cosine is the correlation', () => {
    for (const rho of [-0.3, 0, 0.5, 0.9, 1]) {
      const t = syntheticTasks({ correlation: rho, rows: 1, seed: 4 });
      expect(t.u1).toHaveLength(100);
      expect(dotOf(t.u1, t.u1)).toBeCloseTo(1, 12);
      expect(dotOf(t.u2, t.u2)).toBeCloseTo(1, 12);
      expect(dotOf(t.u1, t.u2)).toBeCloseTo(0, 12);
      const cos = dotOf(t.w1, t.w2) / Math.sqrt(dotOf(t.w1, t.w1) * dotOf(t.w2, t.w2));
      expect(cos).toBeCloseTo(rho, 12);
      expect(t.alpha).toHaveLength(10);
      expect(t.beta).toHaveLength(10);
    }
  });

  it('computes each label from the formula, with noise of the given size', () => {
    const data = syntheticData({ correlation: 0.7, rows: 2000, seed: 2, dim: 5, scale: 2, sines: 3, noise: 0.1 });
    const residual1: number[] = [];
    const residual2: number[] = [];
    for (let r = 0; r < data.rows; r++) {
      const x = data.x.subarray(r * 5, r * 5 + 5);
      const f = (w: Float64Array) => {
        const wx = dotOf(w, Float64Array.from(x));
        let y = wx;
        for (let j = 0; j < 3; j++) y += Math.sin(data.tasks.alpha[j]! * wx + data.tasks.beta[j]!);
        return y;
      };
      residual1.push(data.y1[r]! - f(data.tasks.w1));
      residual2.push(data.y2[r]! - f(data.tasks.w2));
    }
    const sd = (v: number[]) => Math.sqrt(v.reduce((s, e) => s + e * e, 0) / v.length);
    expect(sd(residual1)).toBeGreaterThan(0.09);
    expect(sd(residual1)).toBeLessThan(0.11);
    expect(sd(residual2)).toBeGreaterThan(0.09);
    expect(sd(residual2)).toBeLessThan(0.11);
    expect(Math.abs(pearson(residual1, residual2))).toBeLessThan(0.1);
  });

  it('gives labels whose empirical correlation grows with ρ, near 1 at ρ = 1', () => {
    const r = [0, 0.5, 0.9, 1].map((rho) => {
      const data = syntheticData({ correlation: rho, rows: 3000, seed: 11 });
      return pearson(data.y1, data.y2);
    });
    expect(r[0]!).toBeLessThan(r[1]!);
    expect(r[1]!).toBeLessThan(r[2]!);
    expect(r[2]!).toBeLessThan(r[3]!);
    expect(Math.abs(r[0]!)).toBeLessThan(0.15);
    expect(r[3]!).toBeGreaterThan(0.95);
  });

  it('is reproducible from its seed, and the seed fixes the inputs and structure independently of ρ', () => {
    const a = syntheticData({ correlation: 0.5, rows: 20, seed: 3 });
    const b = syntheticData({ correlation: 0.5, rows: 20, seed: 3 });
    const c = syntheticData({ correlation: 0.9, rows: 20, seed: 3 });
    const d = syntheticData({ correlation: 0.5, rows: 20, seed: 4 });
    expect(b.y1).toEqual(a.y1);
    expect(c.x).toEqual(a.x);
    expect(c.y1).toEqual(a.y1);
    expect(c.y2).not.toEqual(a.y2);
    expect(d.x).not.toEqual(a.x);
  });

  it('writes the x_0 … x_{d-1}, y1, y2 columns an input x: float[d] reads', () => {
    const data = syntheticData({ correlation: 0.5, rows: 3, seed: 1, dim: 2 });
    const lines = syntheticCsv(data).trimEnd().split('\n');
    expect(lines[0]).toBe('x_0,x_1,y1,y2');
    expect(lines).toHaveLength(4);
    const cells = lines[1]!.split(',').map(Number);
    expect(cells[0]).toBe(data.x[0]);
    expect(cells[2]).toBeCloseTo(data.y1[0]!, 6);
  });

  it('refuses a correlation outside [-1, 1]', () => {
    expect(() => syntheticData({ correlation: 1.5, rows: 3 })).toThrow(/correlation must be in \[-1, 1\]/);
  });
});
