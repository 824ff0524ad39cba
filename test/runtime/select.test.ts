import { beforeAll, describe, expect, it } from 'vitest';
import * as tf from '@tensorflow/tfjs';
import { compile } from '../../compiler/compile.js';
import type { CheckedModel } from '../../compiler/ir.js';
import type { Dataset } from '../../runtime/data/dataset.js';
import { mulberry32 } from '../../runtime/data/random.js';
import { gaussian } from '../../runtime/experiments/synthetic.js';
import { lowerModel } from '../../runtime/model/lower.js';
import { evaluate } from '../../runtime/train/evaluate.js';
import { type EpochRecord, train } from '../../runtime/train/loop.js';

beforeAll(async () => {
  await tf.setBackend('cpu');
});

/**
 * a is learnable and improves for many epochs; b is heavily weighted noise that the wide tower
 * memorises, so the total validation loss is best early while a's validation error is best late.
 */
function data(n: number, seed: number): Dataset {
  const random = mulberry32(seed);
  const x = Float32Array.from({ length: n * 6 }, () => gaussian(random));
  const a = Float32Array.from({ length: n }, (_, k) => x[k * 6]! - 0.5 * x[k * 6 + 1]! + 0.3 * x[k * 6 + 2]!);
  const b = Float32Array.from({ length: n }, () => gaussian(random));
  const c = Float32Array.from({ length: n }, (_, k) => (x[k * 6 + 3]! > 0 ? 1 : 0));
  const all = () => new Uint8Array(n).fill(1);
  return { n, inputs: { x }, labels: { a: { values: a, mask: all() }, b: { values: b, mask: all() }, c: { values: c, mask: all() } } };
}

function model(select: string, earlyStop = ''): CheckedModel {
  const result = compile(
    '/project/select.mtl',
    `model Select {
    input x: float[6]
    head a = x -> dense(1) -> regress(1) { metrics: [mse] }
    head b = x -> dense(64, relu) -> regress(1)
    head c = x -> dense(4, relu) -> binary() { metrics: [accuracy] }
    weights { a: 1.0, b: 5.0, c: 1.0 }
    train { optimizer: adam(lr: 0.03), epochs: 14, batch: 16, seed: 4, select: "${select}" ${earlyStop} }
  }`,
  );
  expect(result.diagnostics.filter((d) => d.severity === 'error')).toEqual([]);
  return result.models[0]!;
}

const train40 = data(40, 1);
const validation = data(200, 2);
const argBest = (epochs: readonly EpochRecord[], read: (e: EpochRecord) => number, higher: boolean) =>
  epochs.reduce((best, e) => ((higher ? read(e) > read(best) : read(e) < read(best)) ? e : best)).epoch;

describe('train { select: head.metric }', () => {
  it('keeps the weights of the epoch with the best selected metric, not the best validation loss', async () => {
    const checked = model('a.mse', 'early_stop: 100');
    const m = lowerModel(checked);
    const history = await train(m, checked, { train: train40, validation });
    const bestByMetric = argBest(history.epochs, (e) => e.val!.metrics.a!.mse!, false);
    const bestByLoss = argBest(history.epochs, (e) => e.val!.loss, false);
    expect(bestByMetric).not.toBe(bestByLoss);
    expect(history.bestEpoch).toBe(bestByMetric);
    // The model holds that epoch's weights: evaluating it again gives that epoch's numbers.
    const again = await evaluate(m, checked, validation, { lambdas: history.epochs[0]!.lambda });
    expect(again.metrics.a!.mse).toBeCloseTo(history.epochs[bestByMetric - 1]!.val!.metrics.a!.mse!, 5);
    m.dispose();
  });

  it("follows the metric's direction: higher accuracy is better", async () => {
    const checked = model('c.accuracy', 'early_stop: 100');
    const m = lowerModel(checked);
    const history = await train(m, checked, { train: train40, validation });
    expect(history.bestEpoch).toBe(argBest(history.epochs, (e) => e.val!.metrics.c!.accuracy!, true));
    m.dispose();
  });

  it('stops early on the selected metric', async () => {
    const checked = model('a.mse', 'early_stop: 2');
    const m = lowerModel(checked);
    const history = await train(m, checked, { train: train40, validation }, { epochs: 60 });
    expect(history.stopped).toBe('early');
    const last = history.epochs[history.epochs.length - 1]!.epoch;
    expect(last - history.bestEpoch!).toBe(2);
    const mse = history.epochs.map((e) => e.val!.metrics.a!.mse!);
    expect(Math.min(...mse)).toBe(mse[history.bestEpoch! - 1]);
    m.dispose();
  });

  it('keeps the best epoch without early stopping too, so the saved model is the selected one', async () => {
    const checked = model('a.mse');
    expect(checked.train.earlyStop).toBeUndefined();
    const m = lowerModel(checked);
    const history = await train(m, checked, { train: train40, validation });
    expect(history.epochs).toHaveLength(14);
    expect(history.stopped).toBeUndefined();
    expect(history.bestEpoch).toBe(argBest(history.epochs, (e) => e.val!.metrics.a!.mse!, false));
    const again = await evaluate(m, checked, validation);
    expect(again.metrics.a!.mse).toBeCloseTo(history.epochs[history.bestEpoch! - 1]!.val!.metrics.a!.mse!, 5);
    m.dispose();
  });

  it('computes the selected metric when the head does not list it, and selects by it', async () => {
    // c lists only accuracy; f1 is computed for select all the same.
    const checked = model('c.f1', 'early_stop: 100');
    expect(checked.heads.find((h) => h.name === 'c')!.task.metrics).toEqual(['accuracy']);
    const m = lowerModel(checked);
    const history = await train(m, checked, { train: train40, validation });
    const f1 = history.epochs.map((e) => e.val!.metrics.c!.f1);
    expect(f1.every((v) => typeof v === 'number' && !Number.isNaN(v))).toBe(true);
    expect(history.bestEpoch).toBe(argBest(history.epochs, (e) => e.val!.metrics.c!.f1!, true));
    expect(history.bestEpoch).toBeGreaterThan(1);
    m.dispose();
  });
});
