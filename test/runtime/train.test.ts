import { beforeAll, describe, expect, it } from 'vitest';
import * as tf from '@tensorflow/tfjs';
import type { CheckedModel, OptimizerSpec } from '../../compiler/ir.js';
import { mulberry32 } from '../../runtime/data/random.js';
import { lowerModel } from '../../runtime/model/lower.js';
import type { Dataset } from '../../runtime/data/index.js';
import { evaluate } from '../../runtime/train/evaluate.js';
import { splitVariables, train } from '../../runtime/train/index.js';
import { AdamW, createOptimizer } from '../../runtime/train/optimizers.js';
import { taskGradients, type WeightingStrategy } from '../../runtime/train/weighting/index.js';
import { head, input, mmoeModel, model, seedModel, src, trunk } from './fixtures.js';

beforeAll(async () => {
  await tf.setBackend('cpu');
});

/** Two tasks on x ∈ R^8: sign of a·x (binary) and b·x (regress); about 20% of each label missing. */
function linearProblem(n: number, seed: number): Dataset {
  const random = mulberry32(seed);
  const a = [1, -2, 0.5, 0, 1.5, -1, 0.3, 0.8];
  const b = [0.5, 0.5, -1, 2, 0, 0.2, -0.4, 1];
  const x = new Float32Array(n * 8);
  const sign = new Float32Array(n);
  const value = new Float32Array(n);
  const signMask = new Uint8Array(n);
  const valueMask = new Uint8Array(n);
  for (let i = 0; i < n; i++) {
    let da = 0;
    let db = 0;
    for (let j = 0; j < 8; j++) {
      const v = random() * 2 - 1;
      x[i * 8 + j] = v;
      da += a[j]! * v;
      db += b[j]! * v;
    }
    signMask[i] = random() < 0.8 ? 1 : 0;
    valueMask[i] = random() < 0.8 ? 1 : 0;
    sign[i] = signMask[i] ? (da > 0 ? 1 : 0) : 0;
    value[i] = valueMask[i] ? db : 0;
  }
  return { n, inputs: { x }, labels: { sign: { values: sign, mask: signMask }, value: { values: value, mask: valueMask } } };
}

function linearModel(optimizer: OptimizerSpec = { kind: 'adam', lr: 0.01, beta1: 0.9, beta2: 0.999 }): CheckedModel {
  const x = input('x', [8]);
  const shared = trunk('shared', src.input(x), [['dense', { units: 32, activation: 'relu' }]]);
  const base = model('Linear', {
    inputs: [x],
    trunks: [shared],
    heads: [
      head('sign', src.trunk(shared), [], 'binary', 1, { metrics: ['accuracy', 'auc'] }),
      head('value', src.trunk(shared), [], 'regress', 1, { metrics: ['mse', 'r2'] }),
    ],
  });
  return { ...base, train: { ...base.train, optimizer, epochs: 5, batch: 32, seed: 3 } };
}

describe('train', () => {
  it('learns a two-task linear problem from partially labelled rows', async () => {
    const checked = linearModel();
    const m = lowerModel(checked);
    const history = await train(m, checked, { train: linearProblem(2000, 1), validation: linearProblem(500, 2) }, { epochs: 12 });
    const last = history.epochs[history.epochs.length - 1]!;
    expect(last.val!.metrics.sign!.accuracy).toBeGreaterThanOrEqual(0.9);
    expect(last.val!.metrics.value!.mse).toBeLessThan(0.05);
    expect(last.val!.metrics.value!.r2).toBeGreaterThan(0.95);
    expect(last.lambda).toEqual({ sign: 1, value: 1 });
    expect(history.epochs[0]!.loss).toBeGreaterThan(last.loss);
    expect(last.loss).toBeCloseTo(last.taskLoss.sign! + last.taskLoss.value!, 5);
    m.dispose();
  });

  it("weighs task losses by the model's weights", async () => {
    const base = linearModel();
    const checked: CheckedModel = { ...base, weights: { sign: { kind: 'fixed', value: 2 }, value: { kind: 'fixed', value: 0.5 } } };
    const m = lowerModel(checked);
    const history = await train(m, checked, { train: linearProblem(200, 1) }, { epochs: 1 });
    const e = history.epochs[0]!;
    expect(e.lambda).toEqual({ sign: 2, value: 0.5 });
    expect(e.loss).toBeCloseTo(2 * e.taskLoss.sign! + 0.5 * e.taskLoss.value!, 5);
    m.dispose();
  });

  it('leaks no tensors: the count after epoch 1 equals the count after epoch 5', async () => {
    const checked = linearModel();
    const m = lowerModel(checked);
    const counts: number[] = [];
    await train(
      m,
      checked,
      { train: linearProblem(300, 1), validation: linearProblem(100, 2) },
      {
        epochs: 5,
        earlyStop: 10,
        onEpoch: () => {
          counts.push(tf.memory().numTensors);
        },
      },
    );
    expect(counts).toHaveLength(5);
    expect(counts[4]).toBe(counts[0]);
    m.dispose();
  });

  it('frees the optimizer and strategy it made itself: a finished run leaves only the model', async () => {
    const checked = linearModel();
    const m = lowerModel(checked);
    const before = tf.memory().numTensors;
    await train(m, checked, { train: linearProblem(300, 1) }, { epochs: 2 });
    expect(tf.memory().numTensors).toBe(before);
    m.dispose();
  });

  it('is deterministic for a given seed', async () => {
    const run = async (seed: number) => {
      const checked = linearModel();
      const m = lowerModel(checked);
      const h = await train(m, checked, { train: linearProblem(300, 1) }, { epochs: 2, seed });
      m.dispose();
      return h.epochs.map((e) => e.loss);
    };
    const a = await run(5);
    expect(await run(5)).toEqual(a);
    expect(await run(6)).not.toEqual(a);
  });

  it('stops early and keeps the weights of the best validation epoch', async () => {
    // Labels that are pure noise: the validation loss soon rises as the model memorises them.
    const x = input('x', [8]);
    const shared = trunk('shared', src.input(x), [['dense', { units: 64, activation: 'relu' }]]);
    const base = model('Noise', { inputs: [x], trunks: [shared], heads: [head('y', src.trunk(shared), [], 'regress', 1)] });
    const checked: CheckedModel = { ...base, train: { ...base.train, optimizer: { kind: 'adam', lr: 0.05, beta1: 0.9, beta2: 0.999 } } };
    const random = mulberry32(1);
    const noise = (n: number): Dataset => ({
      n,
      inputs: { x: Float32Array.from({ length: n * 8 }, () => random() * 2 - 1) },
      labels: { y: { values: Float32Array.from({ length: n }, () => random() * 2 - 1), mask: new Uint8Array(n).fill(1) } },
    });
    const validation = noise(40);
    const m = lowerModel(checked);
    const history = await train(m, checked, { train: noise(40), validation }, { epochs: 30, batch: 8, earlyStop: 3 });
    const losses = history.epochs.map((e) => e.val!.loss);
    const bestIndex = losses.indexOf(Math.min(...losses));
    expect(history.stopped).toBe('early');
    expect(history.bestEpoch).toBe(bestIndex + 1);
    expect(history.epochs).toHaveLength(bestIndex + 1 + 3);
    const after = await evaluate(m, checked, validation);
    expect(after.loss).toBeCloseTo(losses[bestIndex]!, 5);
    m.dispose();
  });

  it('stops after the current batch when shouldStop turns true', async () => {
    const checked = linearModel();
    const m = lowerModel(checked);
    let batches = 0;
    const history = await train(
      m,
      checked,
      { train: linearProblem(320, 1) },
      {
        epochs: 3,
        onBatch: () => {
          batches++;
        },
        shouldStop: () => batches >= 3,
      },
    );
    expect(batches).toBe(3);
    expect(history.stopped).toBe('interrupted');
    expect(history.epochs).toHaveLength(1);
    expect(history.epochs[0]!.partial).toBe(true);
    m.dispose();
  });

  it('splits the variables into shared and per-task ones', () => {
    const checked = mmoeModel();
    const m = lowerModel(checked);
    const split = splitVariables(m, checked, ['income', 'marital']);
    const names = (vs: tf.Variable[]) => vs.map((v) => v.name.replace(/_\d+$/, ''));
    expect(names(split.shared).every((n) => n.startsWith('moe/expert_'))).toBe(true);
    expect(split.shared).toHaveLength(4 * 4);
    expect(names(split.perTask.income!)).toEqual(
      expect.arrayContaining(['moe/income/gate/kernel', 'income/dense_1/kernel', 'income/kernel']),
    );
    expect(split.all.length).toBe(split.shared.length + split.perTask.income!.length + split.perTask.marital!.length);
    m.dispose();
  });

  it('lets a strategy take over the step with per-task gradients, matching the plain update', async () => {
    const checked = linearModel({ kind: 'sgd', lr: 0.05, momentum: 0 });
    const data = { train: linearProblem(128, 1) };
    const summed: WeightingStrategy = {
      method: 'fixed',
      lambdas: () => ({ sign: 1, value: 1 }),
      step(ctx) {
        const perTask = taskGradients(ctx, ctx.variables);
        const grads = new Map(ctx.variables.map((v, i) => [v, tf.addN(ctx.heads.map((h) => perTask[h]![i]!))]));
        ctx.applyGradients(grads);
        tf.dispose([...grads.values(), ...Object.values(perTask).flat()]);
      },
    };
    const a = lowerModel(checked);
    const b = lowerModel(checked);
    const ha = await train(a, checked, data, { epochs: 2, strategy: summed });
    const hb = await train(b, checked, data, { epochs: 2 });
    expect(ha.epochs[1]!.loss).toBeCloseTo(hb.epochs[1]!.loss, 4);
    const wa = a.getWeights().map((w) => Array.from(w.dataSync()));
    const wb = b.getWeights().map((w) => Array.from(w.dataSync()));
    wa.forEach((w, i) => w.forEach((v, j) => expect(v).toBeCloseTo(wb[i]![j]!, 4)));
    a.dispose();
    b.dispose();
  });

  it('trains gated and sequence models', async () => {
    const random = mulberry32(9);
    const n = 64;
    const moe = mmoeModel();
    const features = Float32Array.from({ length: n * 64 }, () => random());
    const oneHot = (k: number, units: number) =>
      Float32Array.from({ length: n * units }, (_, i) => (i % units === (Math.floor(i / units) * 7) % k ? 1 : 0));
    const m1 = lowerModel(moe);
    const h1 = await train(
      m1,
      moe,
      {
        train: {
          n,
          inputs: { features },
          labels: {
            income: { values: Float32Array.from({ length: n }, (_, i) => i % 2), mask: new Uint8Array(n).fill(1) },
            marital: { values: oneHot(7, 7), mask: new Uint8Array(n).fill(1) },
          },
        },
      },
      { epochs: 1, batch: 16 },
    );
    expect(Number.isFinite(h1.epochs[0]!.loss)).toBe(true);
    m1.dispose();

    // The text fixture's shape, small: an LSTM step costs much on the cpu backend.
    const ids = input('tokens', [6], { dtype: 'int', vocab: 50 });
    const embed = trunk('embed', src.input(ids), [['embedding', { dim: 4, vocab: 50 }]], 'int', 50);
    const text = model('SmallText', {
      inputs: [ids],
      trunks: [embed],
      heads: [
        head('topic', src.trunk(embed), [['lstm', { units: 4 }]], 'classify', 4),
        head('pos', src.trunk(embed), [['lstm', { units: 4, sequences: true }]], 'tag', 5),
      ],
    });
    const tokens = Int32Array.from({ length: n * 6 }, () => Math.floor(random() * 50));
    const m2 = lowerModel(text);
    const h2 = await train(
      m2,
      text,
      {
        train: {
          n,
          inputs: { tokens },
          labels: {
            topic: { values: oneHot(4, 4), mask: new Uint8Array(n).fill(1) },
            pos: { values: Float32Array.from({ length: n * 6 * 5 }, (_, i) => (i % 5 === 0 ? 1 : 0)), mask: new Uint8Array(n).fill(1) },
          },
        },
      },
      { epochs: 1, batch: 64 },
    );
    expect(Number.isFinite(h2.epochs[0]!.taskLoss.pos!)).toBe(true);
    m2.dispose();
  });

  it("keeps the seed model's output order", () => {
    const m = lowerModel(seedModel());
    expect(m.outputNames).toEqual(['task1', 'task2']);
    m.dispose();
  });
});

describe('optimizers', () => {
  it('AdamW decays kernels after the Adam step, and leaves biases alone', () => {
    const kernel = tf.variable(tf.ones([2, 2]), true, 'probe/kernel');
    const bias = tf.variable(tf.ones([2]), true, 'probe/bias');
    const opt = new AdamW(0.1, 0.5);
    opt.applyGradients([
      { name: kernel.name, tensor: tf.zeros([2, 2]) },
      { name: bias.name, tensor: tf.zeros([2]) },
    ]);
    expect(Array.from(kernel.dataSync())).toEqual([0.95, 0.95, 0.95, 0.95].map((v) => Math.fround(v)));
    expect(Array.from(bias.dataSync())).toEqual([1, 1]);
    tf.dispose([kernel, bias]);
    opt.dispose();
  });

  it('builds every optimizer of the language', () => {
    expect(createOptimizer({ kind: 'adam', lr: 0.001, beta1: 0.9, beta2: 0.999 }).getClassName()).toBe('Adam');
    expect(createOptimizer({ kind: 'adamw', lr: 0.001, decay: 0.01 })).toBeInstanceOf(AdamW);
    expect(createOptimizer({ kind: 'sgd', lr: 0.01, momentum: 0 }).getClassName()).toBe('SGD');
    expect(createOptimizer({ kind: 'sgd', lr: 0.01, momentum: 0.9 }).getClassName()).toBe('Momentum');
    expect(createOptimizer({ kind: 'rmsprop', lr: 0.001 }).getClassName()).toBe('RMSProp');
  });
});
