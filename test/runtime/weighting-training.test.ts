/**
 * The weighting methods in real training: `weighting …` in a .mtl file picks the method with the
 * language's defaults; uncertainty learns a larger variance for a noisy task; masks and every
 * method combine without NaN (a task without labels in a batch moves nothing); gated models train
 * under every method; λ is in the history every epoch; no method leaks tensors.
 */
import { beforeAll, describe, expect, it } from 'vitest';
import * as tf from '@tensorflow/tfjs';
import { compile } from '../../compiler/compile.js';
import type { CheckedModel, WeightingSpec } from '../../compiler/ir.js';
import { mulberry32 } from '../../runtime/data/random.js';
import { lowerModel } from '../../runtime/model/lower.js';
import type { Dataset } from '../../runtime/data/index.js';
import { train } from '../../runtime/train/loop.js';
import { createStrategy } from '../../runtime/train/weighting/index.js';
import { DwaWeighting } from '../../runtime/train/weighting/dwa.js';
import { GradNormWeighting } from '../../runtime/train/weighting/gradnorm.js';
import { head, input, mmoeModel, model, src, trunk } from './fixtures.js';
import {
  clone,
  flatParams,
  getParams,
  gradient,
  referenceData,
  referenceModel,
  ROWS,
  type Rows,
  setParams,
  sgdStep,
  sharedVector,
  START,
} from './weighting-reference.js';

beforeAll(async () => {
  await tf.setBackend('cpu');
});

const METHODS: readonly WeightingSpec[] = [
  { method: 'fixed' },
  { method: 'uncertainty' },
  { method: 'gradnorm', alpha: 1.5 },
  { method: 'dwa', temperature: 2 },
  { method: 'pcgrad' },
  { method: 'mgda' },
];

describe('createStrategy', () => {
  const source = (weighting: string) => `
    model M {
      input x: float[3]
      trunk shared = x -> dense(4, relu)
      head a = shared -> regress(1)
      head b = shared -> binary()
      ${weighting}
    }`;

  it('builds every method that a .mtl file names, with the defaults of LANGUAGE.md', () => {
    const cases: [string, string][] = [
      ['', 'fixed'],
      ['weighting fixed', 'fixed'],
      ['weighting uncertainty', 'uncertainty'],
      ['weighting gradnorm', 'gradnorm'],
      ['weighting dwa', 'dwa'],
      ['weighting pcgrad', 'pcgrad'],
      ['weighting mgda', 'mgda'],
    ];
    for (const [line, method] of cases) {
      const result = compile('m.mtl', source(line));
      expect(result.diagnostics.filter((d) => d.severity === 'error')).toEqual([]);
      const strategy = createStrategy(result.models[0]!);
      expect(strategy.method).toBe(method);
      if (strategy instanceof GradNormWeighting) expect(strategy.alpha).toBe(1.5);
      if (strategy instanceof DwaWeighting) expect(strategy.temperature).toBe(2);
      // Before training: uncertainty's 1/(2·exp(0)), MGDA's uniform α, and 1 for the rest.
      expect(strategy.lambdas()).toEqual(method === 'mgda' || method === 'uncertainty' ? { a: 0.5, b: 0.5 } : { a: 1, b: 1 });
      if ('dispose' in strategy) strategy.dispose?.();
    }
  });

  it('passes the arguments written in the file', () => {
    const gn = createStrategy(compile('m.mtl', source('weighting gradnorm(alpha: 0.5)')).models[0]!);
    expect((gn as GradNormWeighting).alpha).toBe(0.5);
    gn.dispose?.();
    const dwa = createStrategy(compile('m.mtl', source('weighting dwa(temperature: 4)')).models[0]!);
    expect((dwa as DwaWeighting).temperature).toBe(4);
  });
});

/** Two regression tasks on the same x; `noisy` carries Gaussian noise of standard deviation 2. */
function noisyProblem(n: number, seed: number): Dataset {
  const random = mulberry32(seed);
  const gauss = () => Math.sqrt(-2 * Math.log(1 - random())) * Math.cos(2 * Math.PI * random());
  const x = new Float32Array(n * 4);
  const clean = new Float32Array(n);
  const noisy = new Float32Array(n);
  for (let i = 0; i < n; i++) {
    for (let j = 0; j < 4; j++) x[i * 4 + j] = random() * 2 - 1;
    clean[i] = x[i * 4]! - 2 * x[i * 4 + 1]! + 0.5 * x[i * 4 + 2]!;
    noisy[i] = 0.5 * x[i * 4 + 3]! + x[i * 4]! + 2 * gauss();
  }
  const all = new Uint8Array(n).fill(1);
  return { n, inputs: { x }, labels: { clean: { values: clean, mask: all }, noisy: { values: noisy, mask: all } } };
}

function twoRegressions(weighting: WeightingSpec): CheckedModel {
  const x = input('x', [4]);
  const shared = trunk('shared', src.input(x), [['dense', { units: 16, activation: 'relu' }]]);
  const base = model('Noisy', {
    inputs: [x],
    trunks: [shared],
    heads: [head('clean', src.trunk(shared), [], 'regress', 1), head('noisy', src.trunk(shared), [], 'regress', 1)],
  });
  return {
    ...base,
    weighting,
    train: { ...base.train, optimizer: { kind: 'adam', lr: 0.05, beta1: 0.9, beta2: 0.999 }, epochs: 8, batch: 32 },
  };
}

describe('uncertainty', () => {
  it('learns a larger variance, hence a smaller λ, for the noisy task than for the clean one', async () => {
    const checked = twoRegressions({ method: 'uncertainty' });
    const m = lowerModel(checked);
    const history = await train(m, checked, { train: noisyProblem(512, 1) });
    m.dispose();
    // λ_i = 1 / (2·exp(s_i)), so s_i = −log(2·λ_i).
    const s = (e: (typeof history.epochs)[number], h: string) => -Math.log(2 * e.lambda[h]!);
    const first = history.epochs[0]!;
    const last = history.epochs[history.epochs.length - 1]!;
    // From the first epoch on, the two move apart in the right directions…
    expect(s(first, 'noisy')).toBeGreaterThan(s(first, 'clean'));
    expect(s(last, 'noisy')).toBeGreaterThan(0);
    expect(s(last, 'clean')).toBeLessThan(0);
    expect(last.lambda.noisy!).toBeLessThan(last.lambda.clean!);
    // …toward their optimum s_i = log L_i: the noisy task's loss is about 4 (variance 2²).
    expect(s(last, 'noisy')).toBeGreaterThan(Math.log(last.taskLoss.noisy!) - 0.5);
    expect(s(last, 'noisy')).toBeLessThan(Math.log(last.taskLoss.noisy!) + 0.5);
  });
});

describe('masks', () => {
  /** The reference rows with task b wholly unlabelled. */
  const onlyA: Rows = { ...ROWS, labelled: { a: ROWS.labelled.a, b: ROWS.labelled.b.map(() => false) } };

  for (const weighting of METHODS) {
    it(`${weighting.method}: a task without labelled rows in the batch moves nothing, and no NaN appears`, async () => {
      const checked = referenceModel(weighting, 0.1);
      const m = lowerModel(checked);
      setParams(m, START);
      const history = await train(m, checked, { train: referenceData(onlyA) }, { epochs: 1 });
      const after = getParams(m);
      m.dispose();
      // Task a alone: its gradient, scaled by the method's factor for a single task.
      const g = gradient(START, onlyA, 'a');
      const factor = weighting.method === 'uncertainty' ? 0.5 : 1;
      const expected = sgdStep(
        clone(START),
        0.1,
        sharedVector(g).map((v) => v * factor),
        {
          a: { v: g.v.a.map((v) => v * factor), c: g.c.a * factor },
          b: { v: [0, 0], c: 0 },
        },
      );
      flatParams(after).forEach((v, i) => expect(v).toBeCloseTo(flatParams(expected)[i]!, 5));
      const e = history.epochs[0]!;
      expect(e.taskLoss.b).toBe(0);
      expect(Object.values(e.lambda).every(Number.isFinite)).toBe(true);
      expect(Number.isFinite(e.loss)).toBe(true);
    });
  }

  it('uncertainty leaves the log variance of an unlabelled task alone', async () => {
    const checked = referenceModel({ method: 'uncertainty' }, 0.1);
    const m = lowerModel(checked);
    const history = await train(m, checked, { train: referenceData(onlyA) }, { epochs: 3 });
    m.dispose();
    for (const e of history.epochs) expect(e.lambda.b).toBe(0.5);
    expect(history.epochs[2]!.lambda.a).not.toBe(0.5);
  });
});

/** Two tasks on x ∈ R^6: a binary sign and a regression; b's labels only in the first half of the rows. */
function partialProblem(n: number, seed: number): Dataset {
  const random = mulberry32(seed);
  const x = Float32Array.from({ length: n * 6 }, () => random() * 2 - 1);
  const sign = new Float32Array(n);
  const value = new Float32Array(n);
  const signMask = new Uint8Array(n);
  const valueMask = new Uint8Array(n);
  for (let i = 0; i < n; i++) {
    const row = x.subarray(i * 6, i * 6 + 6);
    signMask[i] = random() < 0.7 ? 1 : 0;
    valueMask[i] = i < n / 2 ? 1 : 0;
    sign[i] = signMask[i] && row[0]! - row[1]! > 0 ? 1 : 0;
    value[i] = valueMask[i] ? row[2]! + 2 * row[3]! - row[4]! : 0;
  }
  return { n, inputs: { x }, labels: { sign: { values: sign, mask: signMask }, value: { values: value, mask: valueMask } } };
}

function partialModel(weighting: WeightingSpec): CheckedModel {
  const x = input('x', [6]);
  const shared = trunk('shared', src.input(x), [
    ['dense', { units: 16, activation: 'relu' }],
    ['dropout', { rate: 0.1 }],
  ]);
  const base = model('Partial', {
    inputs: [x],
    trunks: [shared],
    heads: [
      head('sign', src.trunk(shared), [['dense', { units: 8, activation: 'relu' }]], 'binary', 1),
      head('value', src.trunk(shared), [], 'regress', 1),
    ],
    weights: { sign: 1, value: 0.5 },
  });
  return {
    ...base,
    weighting,
    train: { ...base.train, optimizer: { kind: 'adam', lr: 0.01, beta1: 0.9, beta2: 0.999 }, batch: 16, shuffle: false },
  };
}

describe('every method in training', () => {
  for (const weighting of METHODS) {
    it(`${weighting.method}: learns from partially labelled rows, records λ every epoch, and leaks no tensors`, async () => {
      const checked = partialModel(weighting);
      const m = lowerModel(checked);
      const counts: number[] = [];
      // Without shuffling, the second half of every epoch has batches with no label for "value".
      const history = await train(
        m,
        checked,
        { train: partialProblem(128, 1), validation: partialProblem(64, 2) },
        {
          epochs: 5,
          onEpoch: () => {
            counts.push(tf.memory().numTensors);
          },
        },
      );
      m.dispose();
      expect(counts[4]).toBe(counts[0]);
      expect(history.epochs).toHaveLength(5);
      for (const e of history.epochs) {
        expect(Object.keys(e.lambda).sort()).toEqual(['sign', 'value']);
        expect(Object.values(e.lambda).every((l) => Number.isFinite(l) && l >= 0)).toBe(true);
        expect(Number.isFinite(e.loss) && Number.isFinite(e.val!.loss)).toBe(true);
      }
      expect(history.epochs[4]!.taskLoss.value).toBeLessThan(history.epochs[0]!.taskLoss.value!);
    });
  }

  for (const weighting of METHODS.filter((w) => w.method !== 'fixed')) {
    it(`${weighting.method}: trains an MMoE model, whose shared parameters are the experts`, async () => {
      const random = mulberry32(3);
      const n = 48;
      const checked = { ...mmoeModel(), weighting };
      const m = lowerModel(checked);
      const marital = new Float32Array(n * 7);
      for (let i = 0; i < n; i++) marital[i * 7 + (i % 7)] = 1;
      const history = await train(
        m,
        checked,
        {
          train: {
            n,
            inputs: { features: Float32Array.from({ length: n * 64 }, () => random()) },
            labels: {
              income: {
                values: Float32Array.from({ length: n }, (_, i) => i % 2),
                mask: Uint8Array.from({ length: n }, (_, i) => (i % 3 === 0 ? 0 : 1)),
              },
              marital: { values: marital, mask: new Uint8Array(n).fill(1) },
            },
          },
        },
        { epochs: 2, batch: 16 },
      );
      m.dispose();
      for (const e of history.epochs) {
        expect(Number.isFinite(e.loss)).toBe(true);
        expect(Object.values(e.lambda).every(Number.isFinite)).toBe(true);
      }
    });
  }

  it('the loop disposes the strategy it made: uncertainty and GradNorm leave no variables behind', async () => {
    for (const weighting of [{ method: 'uncertainty' }, { method: 'gradnorm', alpha: 1.5 }] as const) {
      const checked = partialModel(weighting);
      const m = lowerModel(checked);
      const before = tf.memory().numTensors;
      const optimizer = tf.train.sgd(0.01);
      await train(m, checked, { train: partialProblem(32, 1) }, { epochs: 1, optimizer });
      optimizer.dispose();
      expect(tf.memory().numTensors).toBe(before);
      m.dispose();
    }
  });
});
