import { describe, expect, it } from 'vitest';
import { applyNormalization, fitNormalization, loadDataset, NORMALIZE_EPSILON, splitRows, takeRows } from '../../runtime/data/index.js';
import { floatInput, head, model, penguinModel } from './fixture.js';

describe('normalization', () => {
  const m = model('N', [floatInput('x', [2], { normalize: true }), floatInput('raw', [1])], [head('y', 'regress', 1)]);
  const text = { name: 'n.csv', text: 'x_0,x_1,raw,y\n1,10,5,0\n2,10,6,0\n3,10,7,0\n100,-50,8,0\n' };

  it('learns mean and population variance from the training rows only', async () => {
    const { dataset } = await loadDataset(m, text);
    const stats = fitNormalization(m, dataset, [0, 1, 2]);
    // By hand: x_0 over rows 0–2 is 1, 2, 3: mean 2, variance ((1)² + 0 + (1)²) / 3 = 2/3. x_1 is constant 10.
    expect(stats).toEqual({ x: { mean: [2, 10], variance: [2 / 3, 0] } });
  });

  it('applies (x − mean) / sqrt(variance) to every row, and leaves other inputs alone', async () => {
    const { dataset } = await loadDataset(m, text);
    applyNormalization(dataset, fitNormalization(m, dataset, [0, 1, 2]));
    const s = Math.sqrt(2 / 3);
    const expected = [(1 - 2) / s, 0, 0, 0, (3 - 2) / s, 0, (100 - 2) / s, (-50 - 10) / NORMALIZE_EPSILON];
    Array.from(dataset.inputs['x']!).forEach((v, i) => expect(v).toBeCloseTo(expected[i]!, 4));
    expect(dataset.inputs['raw']).toEqual(new Float32Array([5, 6, 7, 8]));
  });

  it('treats the last axis as the features of a sequence input', async () => {
    const seq = model('S', [floatInput('s', [2, 2], { normalize: true })], [head('y', 'regress', 1)]);
    const { dataset } = await loadDataset(seq, {
      name: 's.jsonl',
      text: '{"s": [[1, 10], [3, 30]], "y": 0}\n{"s": [[5, 50], [7, 70]], "y": 0}\n',
    });
    expect(fitNormalization(seq, dataset)).toEqual({ s: { mean: [4, 40], variance: [5, 500] } });
  });

  it('gives the penguin measurements zero mean and unit variance on the training split', async () => {
    const pm = penguinModel();
    const { dataset } = await loadDataset(pm, 'examples/data/penguins.csv');
    const { train } = splitRows(dataset.n, 0.2, 42);
    const stats = fitNormalization(pm, dataset, train);
    expect(Object.keys(stats)).toEqual(['measures']);
    applyNormalization(dataset, stats);
    const again = fitNormalization(pm, takeRows(dataset, train));
    for (const mean of again['measures']!.mean) expect(mean).toBeCloseTo(0, 5);
    for (const variance of again['measures']!.variance) expect(variance).toBeCloseTo(1, 4);
  });
});
