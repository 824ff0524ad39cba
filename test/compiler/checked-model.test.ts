import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { compile } from '../../compiler/compile.js';

function example(name: string) {
  const file = new URL(`../../examples/${name}`, import.meta.url).pathname;
  const result = compile(file, readFileSync(file, 'utf8'));
  expect(result.diagnostics).toEqual([]);
  return result.models[0]!;
}

describe('the checked model', () => {
  it('resolves the seed model with its defaults filled in', () => {
    const seed = example('seed.mtl');
    expect(seed.inputs.map((i) => [i.name, i.dtype, i.shape])).toEqual([['x', 'float', [100]]]);
    expect(seed.trunks[0]!.flow).toMatchObject({ source: { kind: 'input', name: 'x', shape: [100] }, shape: [64] });
    expect(seed.trunks[0]!.flow.layers.map((l) => [l.id, l.op, l.args])).toEqual([
      ['shared/dense_1', 'dense', { units: 64, activation: 'relu' }],
    ]);
    expect(
      seed.heads.map((h) => [
        h.name,
        h.flow.source,
        h.task.kind,
        h.task.units,
        h.task.activation,
        h.task.loss,
        h.task.label,
        h.task.outShape,
      ]),
    ).toEqual([
      [
        'task1',
        { kind: 'trunk', name: 'shared', shape: [64] },
        'classify',
        10,
        'softmax',
        { kind: 'categorical_crossentropy' },
        'task1',
        [10],
      ],
      [
        'task2',
        { kind: 'trunk', name: 'shared', shape: [64] },
        'classify',
        5,
        'softmax',
        { kind: 'categorical_crossentropy' },
        'task2',
        [5],
      ],
    ]);
    expect(seed.weights).toEqual({ task1: { kind: 'fixed', value: 1 }, task2: { kind: 'fixed', value: 1 } });
    expect(seed.weighting).toEqual({ method: 'fixed' });
    expect(seed.train).toEqual({
      optimizer: { kind: 'adam', lr: 0.001, beta1: 0.9, beta2: 0.999 },
      epochs: 10,
      batch: 32,
      validation: 0,
      seed: 42,
      shuffle: true,
    });
  });

  it('gives every head that reads a gate its place among the readers', () => {
    const census = example('census-mmoe.mtl');
    expect(census.gates).toHaveLength(1);
    const moe = census.gates[0]!;
    expect([moe.kind, moe.experts, moe.shape, moe.readers]).toEqual(['mmoe', 4, [16], ['income', 'marital']]);
    expect(moe.expert.map((l) => [l.op, l.inShape, l.outShape])).toEqual([
      ['dense', [64], [32]],
      ['dense', [32], [16]],
    ]);
    expect(census.heads[0]!.flow.source).toEqual({ kind: 'gate', name: 'moe', shape: [16] });
    expect(census.heads[0]!.task).toMatchObject({
      kind: 'binary',
      units: 1,
      activation: 'sigmoid',
      label: 'income_gt_50k',
      metrics: ['accuracy', 'auc'],
    });
    expect(census.weighting).toEqual({ method: 'uncertainty' });
    expect(census.inputs[0]!.normalize).toBe(true);
  });

  it('keeps PLE levels and CGC expert counts', () => {
    const ple = example('ple.mtl');
    expect(ple.gates[0]).toMatchObject({
      kind: 'ple',
      levels: 2,
      shared: 2,
      specific: 1,
      shape: [32],
      readers: ['click', 'purchase', 'dwell'],
    });
    expect(ple.heads[2]!.task.loss).toEqual({ kind: 'huber', delta: 1 });
    expect(ple.weighting).toEqual({ method: 'dwa', temperature: 2 });
  });

  it('merges an image branch and a table', () => {
    const listing = example('multi-input.mtl');
    expect(listing.trunks.map((t) => [t.name, t.flow.shape])).toEqual([
      ['vision', [32]],
      ['shared', [64]],
    ]);
    expect(listing.trunks[1]!.flow.source).toMatchObject({ kind: 'merge', op: 'concat', shape: [44] });
    expect(listing.train).toMatchObject({
      optimizer: { kind: 'adamw', lr: 0.001, decay: 0.0001 },
      epochs: 20,
      batch: 64,
      validation: 0.1,
      earlyStop: 3,
    });
  });

  it('tags every step of a sequence', () => {
    const reviews = example('text.mtl');
    expect(reviews.inputs[0]).toMatchObject({ dtype: 'int', shape: [40], vocab: 5000 });
    expect(reviews.heads.map((h) => [h.name, h.task.kind, h.task.inShape, h.task.outShape])).toEqual([
      ['sentiment', 'classify', [32], [3]],
      ['entities', 'tag', [40, 64], [40, 9]],
    ]);
    expect(reviews.heads[0]!.task.classes).toEqual(['negative', 'neutral', 'positive']);
  });

  it('produces no model from a file with errors', () => {
    const result = compile('/m.mtl', 'model M {\n  input x: float[4]\n  head h = x -> dense(0) -> regress(1)\n}\n');
    expect(result.diagnostics.map((d) => d.code)).toEqual(['MTL0207']);
    expect(result.models).toEqual([]);
  });
});
