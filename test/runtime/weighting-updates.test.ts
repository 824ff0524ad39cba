/**
 * Each weighting method's first updates, through the real training loop (plain SGD, one full batch
 * per epoch), equal the same method written out in plain JavaScript on the reference network of
 * weighting-reference.ts: losses, gradients and the method's rule computed without TensorFlow.js.
 */
import { beforeAll, describe, expect, it } from 'vitest';
import * as tf from '@tensorflow/tfjs';
import type { WeightingSpec } from '../../compiler/ir.js';
import { lowerModel } from '../../runtime/model/lower.js';
import { type History, train } from '../../runtime/train/loop.js';
import {
  clone,
  dot,
  flatParams,
  getParams,
  gradient,
  loss,
  minus,
  type Params,
  plus,
  referenceData,
  referenceModel,
  ROWS,
  scale,
  setParams,
  sgdStep,
  sharedVector,
  START,
  type Task,
  TASKS,
} from './weighting-reference.js';

beforeAll(async () => {
  await tf.setBackend('cpu');
});

const LR = 0.1;
type Base = Record<Task, number>;
const ONES: Base = { a: 1, b: 1 };

async function run(weighting: WeightingSpec, epochs: number, base: Base = ONES): Promise<{ params: Params; history: History }> {
  const checked = referenceModel(weighting, LR, base);
  const m = lowerModel(checked);
  setParams(m, START);
  const history = await train(m, checked, { train: referenceData() }, { epochs });
  const params = getParams(m);
  m.dispose();
  return { params, history };
}

function expectClose(actual: readonly number[], expected: readonly number[], digits = 5): void {
  expect(actual).toHaveLength(expected.length);
  actual.forEach((v, i) => expect(v, `element ${i}`).toBeCloseTo(expected[i]!, digits));
}

/** λ_t·∂L_t on the shared weights and on each head, for the current parameters. */
function weightedGradients(p: Params, base: Base) {
  const g = Object.fromEntries(TASKS.map((t) => [t, gradient(p, ROWS, t)])) as Record<Task, Params>;
  const shared = Object.fromEntries(TASKS.map((t) => [t, scale(sharedVector(g[t]), base[t])])) as Record<Task, number[]>;
  const own = (t: Task, k: number) => ({ v: scale(g[t].v[t], base[t] * k), c: g[t].c[t] * base[t] * k });
  const losses = Object.fromEntries(TASKS.map((t) => [t, base[t] * loss(p, ROWS, t)])) as Record<Task, number>;
  return { shared, own, losses };
}

describe('the reference problem', () => {
  it('has conflicting shared gradients at the start, so that PCGrad and MGDA have work to do', () => {
    const { shared } = weightedGradients(START, ONES);
    expect(dot(shared.a, shared.b)).toBeLessThan(0);
  });

  it('fixed weighting takes one plain step of Σ λ_i ∂L_i', async () => {
    const base = { a: 1.5, b: 0.5 };
    const { shared, own } = weightedGradients(START, base);
    const expected = sgdStep(START, LR, plus(shared.a, shared.b), { a: own('a', 1), b: own('b', 1) });
    const { params } = await run({ method: 'fixed' }, 1, base);
    expectClose(flatParams(params), flatParams(expected));
  });
});

describe('uncertainty (Kendall et al. 2018)', () => {
  /** Two SGD steps on L = Σ λ_i·L_i / (2·exp(s_i)) + s_i / 2 over the model and s. */
  function reference(base: Base, steps: number) {
    let p = clone(START);
    const s: Base = { a: 0, b: 0 };
    const lambdas: Base[] = [];
    for (let step = 0; step < steps; step++) {
      const { shared, own, losses } = weightedGradients(p, base);
      const factor = { a: Math.exp(-s.a) / 2, b: Math.exp(-s.b) / 2 };
      const update = plus(scale(shared.a, factor.a), scale(shared.b, factor.b));
      p = sgdStep(p, LR, update, { a: own('a', factor.a), b: own('b', factor.b) });
      for (const t of TASKS) s[t] -= LR * (0.5 - (losses[t] * Math.exp(-s[t])) / 2);
      lambdas.push({ a: base.a / (2 * Math.exp(s.a)), b: base.b / (2 * Math.exp(s.b)) });
    }
    return { p, lambdas };
  }

  for (const base of [ONES, { a: 2, b: 0.5 }]) {
    it(`matches two plain-JS steps with weights ${JSON.stringify(base)}`, async () => {
      const expected = reference(base, 2);
      const { params, history } = await run({ method: 'uncertainty' }, 2, base);
      expectClose(flatParams(params), flatParams(expected.p));
      history.epochs.forEach((e, i) => expectClose([e.lambda.a!, e.lambda.b!], [expected.lambdas[i]!.a, expected.lambdas[i]!.b]));
    });
  }
});

describe('gradnorm (Chen et al. 2018)', () => {
  /** GradNorm's Algorithm 1 on all shared weights, SGD for both the model and w. */
  function reference(base: Base, steps: number, alpha: number) {
    let p = clone(START);
    let w: Base = { a: 1, b: 1 };
    let initial: Base | undefined;
    let floored = false;
    const lambdas: Base[] = [];
    for (let step = 0; step < steps; step++) {
      const { shared, own, losses } = weightedGradients(p, base);
      initial ??= { ...losses };
      const norm = { a: Math.sqrt(dot(shared.a, shared.a)), b: Math.sqrt(dot(shared.b, shared.b)) };
      const G = { a: w.a * norm.a, b: w.b * norm.b };
      const gMean = (G.a + G.b) / 2;
      const rate = { a: losses.a / initial.a, b: losses.b / initial.b };
      const rateMean = (rate.a + rate.b) / 2;
      const target = { a: gMean * (rate.a / rateMean) ** alpha, b: gMean * (rate.b / rateMean) ** alpha };
      // d|G_i − target_i| / dw_i with the target held constant.
      const wGrad = { a: Math.sign(G.a - target.a) * norm.a, b: Math.sign(G.b - target.b) * norm.b };
      p = sgdStep(p, LR, plus(scale(shared.a, w.a), scale(shared.b, w.b)), { a: own('a', w.a), b: own('b', w.b) });
      // A weight pushed below zero is kept at 1e-4 before renormalising (see gradnorm.ts).
      const moved = { a: Math.max(w.a - LR * wGrad.a, 1e-4), b: Math.max(w.b - LR * wGrad.b, 1e-4) };
      floored ||= moved.a === 1e-4 || moved.b === 1e-4;
      const sum = moved.a + moved.b;
      w = { a: (2 * moved.a) / sum, b: (2 * moved.b) / sum };
      lambdas.push({ a: w.a * base.a, b: w.b * base.b });
    }
    return { p, lambdas, floored };
  }

  it('matches three plain-JS steps (alpha 1.5), with weights that still sum to the number of tasks', async () => {
    const expected = reference(ONES, 3, 1.5);
    // The weights must actually move for the test to mean something.
    expect(Math.abs(expected.lambdas[2]!.a - 1)).toBeGreaterThan(0.01);
    const { params, history } = await run({ method: 'gradnorm', alpha: 1.5 }, 3);
    expectClose(flatParams(params), flatParams(expected.p));
    history.epochs.forEach((e, i) => {
      expectClose([e.lambda.a!, e.lambda.b!], [expected.lambdas[i]!.a, expected.lambdas[i]!.b]);
      expect(e.lambda.a! + e.lambda.b!).toBeCloseTo(2, 6);
    });
  });

  it('matches with other weights and alpha 0.5', async () => {
    const base = { a: 0.5, b: 1.2 };
    const expected = reference(base, 3, 0.5);
    expect(expected.floored).toBe(false);
    const { params, history } = await run({ method: 'gradnorm', alpha: 0.5 }, 3, base);
    expectClose(flatParams(params), flatParams(expected.p));
    history.epochs.forEach((e, i) => expectClose([e.lambda.a!, e.lambda.b!], [expected.lambdas[i]!.a, expected.lambdas[i]!.b]));
  });

  it('keeps a weight that a large step would push below zero at 1e-4 before renormalising', async () => {
    const base = { a: 0.5, b: 3 };
    const expected = reference(base, 2, 1.5);
    expect(expected.floored).toBe(true);
    const { params, history } = await run({ method: 'gradnorm', alpha: 1.5 }, 2, base);
    expectClose(flatParams(params), flatParams(expected.p));
    history.epochs.forEach((e, i) => {
      expectClose([e.lambda.a!, e.lambda.b!], [expected.lambdas[i]!.a, expected.lambdas[i]!.b]);
      expect(e.lambda.b).toBeGreaterThan(0);
    });
  });
});

describe('dwa (Liu et al. 2019)', () => {
  /** λ = 1 for epochs 1 and 2, then K·softmax(L(t−1)/L(t−2) / T) from the epoch-mean losses. */
  function reference(base: Base, epochs: number, temperature: number) {
    let p = clone(START);
    const history: { lambda: Base; loss: Base }[] = [];
    let lambda: Base = { a: 1, b: 1 };
    for (let epoch = 1; epoch <= epochs; epoch++) {
      const raw = { a: loss(p, ROWS, 'a'), b: loss(p, ROWS, 'b') };
      const { shared, own } = weightedGradients(p, base);
      p = sgdStep(p, LR, plus(scale(shared.a, lambda.a), scale(shared.b, lambda.b)), { a: own('a', lambda.a), b: own('b', lambda.b) });
      history.push({ lambda: { a: lambda.a * base.a, b: lambda.b * base.b }, loss: raw });
      if (epoch >= 2) {
        const prev = history[epoch - 2]!.loss;
        const e = { a: Math.exp(raw.a / prev.a / temperature), b: Math.exp(raw.b / prev.b / temperature) };
        lambda = { a: (2 * e.a) / (e.a + e.b), b: (2 * e.b) / (e.a + e.b) };
      }
    }
    return { p, history };
  }

  it('keeps λ = 1 for two epochs, then follows the loss ratios (temperature 2)', async () => {
    const expected = reference(ONES, 4, 2);
    expect(Math.abs(expected.history[3]!.lambda.a - 1)).toBeGreaterThan(1e-3);
    const { params, history } = await run({ method: 'dwa', temperature: 2 }, 4);
    expectClose(flatParams(params), flatParams(expected.p));
    history.epochs.forEach((e, i) => {
      expectClose([e.taskLoss.a!, e.taskLoss.b!], [expected.history[i]!.loss.a, expected.history[i]!.loss.b]);
      expectClose([e.lambda.a!, e.lambda.b!], [expected.history[i]!.lambda.a, expected.history[i]!.lambda.b]);
    });
    expect(history.epochs.slice(0, 2).map((e) => e.lambda)).toEqual([
      { a: 1, b: 1 },
      { a: 1, b: 1 },
    ]);
  });

  it('multiplies by the weights, with a sharper temperature', async () => {
    const base = { a: 2, b: 0.5 };
    const expected = reference(base, 4, 0.1);
    const { params, history } = await run({ method: 'dwa', temperature: 0.1 }, 4, base);
    expectClose(flatParams(params), flatParams(expected.p));
    history.epochs.forEach((e, i) =>
      expectClose([e.lambda.a!, e.lambda.b!], [expected.history[i]!.lambda.a, expected.history[i]!.lambda.b]),
    );
  });
});

describe('pcgrad (Yu et al. 2020)', () => {
  /** Two tasks: each gradient loses its component along the other when they conflict. */
  function reference(base: Base, steps: number) {
    let p = clone(START);
    for (let step = 0; step < steps; step++) {
      const { shared, own } = weightedGradients(p, base);
      const project = (gi: number[], gj: number[]) => (dot(gi, gj) < 0 ? minus(gi, scale(gj, dot(gi, gj) / dot(gj, gj))) : gi);
      const update = plus(project(shared.a, shared.b), project(shared.b, shared.a));
      p = sgdStep(p, LR, update, { a: own('a', 1), b: own('b', 1) });
    }
    return p;
  }

  for (const base of [ONES, { a: 2, b: 0.5 }]) {
    it(`matches two plain-JS steps with weights ${JSON.stringify(base)}`, async () => {
      const expected = reference(base, 2);
      const { params, history } = await run({ method: 'pcgrad' }, 2, base);
      expectClose(flatParams(params), flatParams(expected));
      for (const e of history.epochs) expect(e.lambda).toEqual(base);
    });
  }
});

describe('mgda (Sener & Koltun 2018)', () => {
  /** α = clip(((g2 − g1)·g2) / ||g1 − g2||², 0, 1) on the shared weights; heads take their own gradient. */
  function reference(base: Base, steps: number) {
    let p = clone(START);
    const alphas: number[] = [];
    for (let step = 0; step < steps; step++) {
      const { shared, own } = weightedGradients(p, base);
      const d = minus(shared.a, shared.b);
      const alpha = Math.min(1, Math.max(0, dot(minus(shared.b, shared.a), shared.b) / dot(d, d)));
      alphas.push(alpha);
      p = sgdStep(p, LR, plus(scale(shared.a, alpha), scale(shared.b, 1 - alpha)), { a: own('a', 1), b: own('b', 1) });
    }
    return { p, alphas };
  }

  for (const base of [ONES, { a: 2, b: 0.5 }]) {
    it(`matches two plain-JS steps with weights ${JSON.stringify(base)}, reporting λ = α`, async () => {
      const expected = reference(base, 2);
      expect(expected.alphas[0]).toBeGreaterThan(0);
      expect(expected.alphas[0]).toBeLessThan(1);
      const { params, history } = await run({ method: 'mgda' }, 2, base);
      expectClose(flatParams(params), flatParams(expected.p));
      history.epochs.forEach((e, i) =>
        expectClose([e.lambda.a!, e.lambda.b!], [expected.alphas[i]! * base.a, (1 - expected.alphas[i]!) * base.b]),
      );
    });
  }
});
