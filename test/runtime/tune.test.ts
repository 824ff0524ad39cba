import { beforeAll, describe, expect, it } from 'vitest';
import * as tf from '@tensorflow/tfjs';
import { compile } from '../../compiler/compile.js';
import type { CheckedModel } from '../../compiler/ir.js';
import type { Dataset } from '../../runtime/data/dataset.js';
import { mulberry32 } from '../../runtime/data/random.js';
import { kFolds } from '../../runtime/experiments/folds.js';
import { gaussian } from '../../runtime/experiments/synthetic.js';
import { gridSettings, randomSettings, searchSpace, tunedSource, withSetting } from '../../runtime/experiments/search.js';
import { foldData, meanAndStd, objectiveOf, tune } from '../../runtime/experiments/tune.js';
import { lowerModel } from '../../runtime/model/lower.js';
import { evaluate } from '../../runtime/train/evaluate.js';
import { train } from '../../runtime/train/loop.js';

beforeAll(async () => {
  await tf.setBackend('cpu');
});

function compiled(text: string) {
  const result = compile('/project/main.mtl', text);
  expect(result.diagnostics.filter((d) => d.severity === 'error')).toEqual([]);
  return result;
}

const THREE = `// three heads, two searched
model M {
  input x: float[4]
  trunk t = x -> dense(2)
  head a = t -> regress(1)
  head b = t -> regress(1)
  head c = t -> regress(1)
  weights {
    a: search(0.1, 0.5, 1.0)   // keep this comment
    b: 2
    c: search(1e-1, 3)
  }
}
`;

describe('the search space of weights { t: search(…) }', () => {
  const result = compiled(THREE);
  const model = result.models[0]!;
  const space = searchSpace(model);

  it('lists the searched heads and their candidates', () => {
    expect(space).toEqual({
      heads: ['a', 'c'],
      candidates: [
        [0.1, 0.5, 1],
        [0.1, 3],
      ],
    });
  });

  it('has a grid of every combination, the last head varying fastest', () => {
    expect(gridSettings(space)).toEqual([
      { a: 0.1, c: 0.1 },
      { a: 0.1, c: 3 },
      { a: 0.5, c: 0.1 },
      { a: 0.5, c: 3 },
      { a: 1, c: 0.1 },
      { a: 1, c: 3 },
    ]);
  });

  it('draws distinct random settings from the grid, reproducibly, and the whole grid when asked for more', () => {
    const some = randomSettings(space, 3, 7);
    expect(some).toHaveLength(3);
    expect(new Set(some.map((s) => JSON.stringify(s))).size).toBe(3);
    for (const s of some) expect(gridSettings(space)).toContainEqual(s);
    expect(randomSettings(space, 3, 7)).toEqual(some);
    expect(randomSettings(space, 10, 7)).toEqual(gridSettings(space));
  });

  it('fixes the searched weights of the model to a setting', () => {
    expect(withSetting(model, { a: 0.5, c: 3 }).weights).toEqual({
      a: { kind: 'fixed', value: 0.5 },
      b: { kind: 'fixed', value: 2 },
      c: { kind: 'fixed', value: 3 },
    });
  });

  it('writes the chosen candidates as written in place of search(…), keeping comments and layout', () => {
    const text = tunedSource(result.text, result.ast.models[0]!, space, { a: 1, c: 0.1 });
    expect(text).toBe(THREE.replace('search(0.1, 0.5, 1.0)', '1.0').replace('search(1e-1, 3)', '1e-1'));
    const again = compile('/project/main.tuned.mtl', text);
    expect(again.diagnostics).toEqual([]);
    expect(again.models[0]!.weights).toEqual({
      a: { kind: 'fixed', value: 1 },
      b: { kind: 'fixed', value: 2 },
      c: { kind: 'fixed', value: 0.1 },
    });
  });
});

describe('k-fold splits', () => {
  it('deal every row into exactly one validation fold, sizes differing by at most one', () => {
    const folds = kFolds(23, 4, 1);
    const seen = new Int32Array(23);
    for (const f of folds) {
      for (const r of f.validation) seen[r]!++;
      expect(f.train.length + f.validation.length).toBe(23);
      expect([...f.train].some((r) => f.validation.includes(r))).toBe(false);
      expect([5, 6]).toContain(f.validation.length);
    }
    expect([...seen]).toEqual(new Array(23).fill(1));
    expect(kFolds(23, 4, 1)).toEqual(folds);
    expect(kFolds(23, 4, 2)).not.toEqual(folds);
  });

  it('refuses fewer than two folds, or more folds than rows', () => {
    expect(() => kFolds(10, 1, 0)).toThrow('at least 2');
    expect(() => kFolds(3, 4, 0)).toThrow('4 folds need at least 4 rows, and the data has 3');
  });
});

/** a = x0 + x1 is learnable; b is loud noise that, weighted heavily, drags the narrow trunk away from a. */
function noisy(n: number): Dataset {
  const random = mulberry32(9);
  const x = Float32Array.from({ length: n * 4 }, () => gaussian(random));
  const a = Float32Array.from({ length: n }, (_, k) => x[k * 4]! + x[k * 4 + 1]!);
  const b = Float32Array.from({ length: n }, () => 10 * gaussian(random));
  const all = new Uint8Array(n).fill(1);
  return { n, inputs: { x }, labels: { a: { values: a, mask: all }, b: { values: b, mask: all.slice() } } };
}

const NOISY = `model Noisy {
  input x: float[4] normalize
  trunk t = x -> dense(2)
  head a = t -> regress(1) { metrics: [mse] }
  head b = t -> regress(1)
  weights { a: 1.0, b: search(0.0, 50) }
  train { optimizer: adam(lr: 0.05), epochs: 6, batch: 32, select: "a.mse", seed: 3 }
}`;

describe('tune', () => {
  it('scores each setting on every fold by the selection metric and keeps the best mean', async () => {
    const model = compiled(NOISY).models[0]!;
    const data = noisy(240);
    const seen: number[] = [];
    const result = await tune(model, data, gridSettings(searchSpace(model)), { folds: 3, onResult: (_, i) => seen.push(i) });
    expect(seen).toEqual([0, 1]);
    expect(result.objective.label).toBe('a.mse');
    expect(result.objective.higherIsBetter).toBe(false);
    expect(result.results.map((r) => r.setting)).toEqual([{ b: 0 }, { b: 50 }]);
    for (const r of result.results) {
      expect(r.values).toHaveLength(3);
      expect(r.mean).toBeCloseTo(r.values.reduce((s, v) => s + v, 0) / 3, 10);
    }
    expect(result.best.setting).toEqual({ b: 0 });
    expect(result.results[0]!.mean).toBeLessThan(result.results[1]!.mean);

    // Fold 2 of setting b = 50, recomputed by hand from the same split.
    const weighted = withSetting(model, { b: 50 });
    const fold = foldData(model, data, 3, model.train.seed)[2]!;
    const m = lowerModel(weighted);
    await train(m, weighted, { train: fold.train, validation: fold.validation });
    const byHand = (await evaluate(m, weighted, fold.validation)).metrics.a!.mse!;
    m.dispose();
    expect(result.results[1]!.values[2]).toBeCloseTo(byHand, 5);
  });

  it('scores by the unweighted sum of validation losses when nothing is selected', () => {
    const plain: CheckedModel = { ...compiled(NOISY).models[0]!, train: { ...compiled(NOISY).models[0]!.train, select: undefined } };
    const objective = objectiveOf(plain);
    expect(objective.label).toBe('validation loss (sum over heads, λ = 1)');
    expect(objective.read({ loss: 99, taskLoss: { a: 1, b: 2 }, metrics: {}, labelled: {} })).toBe(3);
  });

  it('reports the sample standard deviation', () => {
    expect(meanAndStd([1, 2, 3, 4])).toEqual({ mean: 2.5, std: Math.sqrt(5 / 3) });
    expect(meanAndStd([7])).toEqual({ mean: 7, std: 0 });
  });
});
