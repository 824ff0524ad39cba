import { beforeAll, describe, expect, it } from 'vitest';
import * as tf from '@tensorflow/tfjs';
import { formatSummary, summarize } from '../../compiler/summary-table.js';
import { lowerModel } from '../../runtime/model/lower.js';
import { FIXTURES, seedModel } from './fixtures.js';

beforeAll(async () => {
  await tf.setBackend('cpu');
});

describe('summarize', () => {
  it('counts the 7,439 parameters of the seed model', () => {
    const s = summarize(seedModel());
    expect(s.total).toBe(7439);
    expect(s.rows.map((r) => [r.name, r.type, r.shape, r.params])).toEqual([
      ['x', 'InputLayer', [100], 0],
      ['shared/dense_1', 'Dense', [64], 6464],
      ['task1', 'Dense', [10], 650],
      ['task2', 'Dense', [5], 325],
    ]);
  });

  for (const [name, make] of Object.entries(FIXTURES)) {
    it(`agrees with TensorFlow.js on every layer of the ${name} fixture`, () => {
      const checked = make();
      const s = summarize(checked);
      const model = lowerModel(checked);
      expect(s.total).toBe(model.countParams());
      const trainable = model.trainableWeights.reduce((n, w) => n + (w.shape as number[]).reduce((a, b) => a * b, 1), 0);
      expect(s.trainable).toBe(trainable);
      expect(s.nonTrainable).toBe(s.total - trainable);
      expect(s.rows.map((r) => r.name).sort()).toEqual(model.layers.map((l) => l.name).sort());
      const byName = new Map(model.layers.map((l) => [l.name, l]));
      for (const row of s.rows) {
        const layer = byName.get(row.name)!;
        expect([row.name, row.params]).toEqual([row.name, layer.countParams()]);
        expect([row.name, (layer.outputShape as number[]).slice(1)]).toEqual([row.name, [...row.shape]]);
      }
      model.dispose();
    });
  }

  it('prints a Keras-style table', () => {
    expect(formatSummary(summarize(seedModel()))).toBe(
      [
        'Model: "Seed"',
        '──────────────────────────────────────────────────────────────',
        'Layer (type)             Output Shape   Param #   Connected to',
        '══════════════════════════════════════════════════════════════',
        'x (InputLayer)           (None, 100)          0',
        'shared/dense_1 (Dense)   (None, 64)       6,464   x',
        'task1 (Dense)            (None, 10)         650   shared/dense_1',
        'task2 (Dense)            (None, 5)          325   shared/dense_1',
        '══════════════════════════════════════════════════════════════',
        'Total params: 7,439',
        'Trainable params: 7,439',
        'Non-trainable params: 0',
      ].join('\n'),
    );
  });
});
