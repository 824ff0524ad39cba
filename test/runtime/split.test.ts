import { describe, expect, it } from 'vitest';
import { Batches, type Dataset, mulberry32, splitRows, takeRows } from '../../runtime/data/index.js';

/** Ten rows: x = [i, 10 i] (float), id = i (int), label y one-hot of i % 2, masked out on row 3. */
function tenRows(): Dataset {
  const n = 10;
  const x = new Float32Array(n * 2);
  const id = new Int32Array(n);
  const values = new Float32Array(n * 2);
  const mask = new Uint8Array(n).fill(1);
  for (let i = 0; i < n; i++) {
    x[2 * i] = i;
    x[2 * i + 1] = 10 * i;
    id[i] = i;
    values[2 * i + (i % 2)] = 1;
  }
  values.fill(0, 6, 8);
  mask[3] = 0;
  return { n, inputs: { x, id }, labels: { y: { values, mask } } };
}

describe('mulberry32', () => {
  it('is deterministic for a seed and differs between seeds', () => {
    const a = mulberry32(42);
    const b = mulberry32(42);
    const c = mulberry32(43);
    const first = [a(), a(), a()];
    expect([b(), b(), b()]).toEqual(first);
    expect([c(), c(), c()]).not.toEqual(first);
    for (const v of first) expect(v >= 0 && v < 1).toBe(true);
  });
});

describe('splitting rows into training and validation', () => {
  it('gives the same split for the same seed', () => {
    expect(splitRows(100, 0.2, 7)).toEqual(splitRows(100, 0.2, 7));
    expect(splitRows(100, 0.2, 7).validation).not.toEqual(splitRows(100, 0.2, 8).validation);
  });

  it('holds out round(n × fraction) rows and keeps every row exactly once, in file order', () => {
    const { train, validation } = splitRows(101, 0.25, 3);
    expect(validation.length).toBe(25);
    expect(train.length).toBe(76);
    const all = [...train, ...validation].sort((a, b) => a - b);
    expect(all).toEqual(Array.from({ length: 101 }, (_, i) => i));
    expect([...train]).toEqual([...train].sort((a, b) => a - b));
    expect([...validation]).toEqual([...validation].sort((a, b) => a - b));
  });

  it('holds out nothing for fraction 0, and at least one row for a tiny fraction', () => {
    expect(splitRows(5, 0, 1).validation.length).toBe(0);
    expect(splitRows(5, 0.01, 1).validation.length).toBe(1);
    expect(splitRows(2, 0.9, 1).train.length).toBe(1);
  });

  it('rejects a fraction outside [0, 1)', () => {
    expect(() => splitRows(5, 1, 1)).toThrow('validation fraction must be in [0, 1), got 1');
  });
});

describe('batching', () => {
  it('gathers the given rows in order, with a smaller last batch', () => {
    const batches = new Batches(tenRows(), Int32Array.from([0, 2, 3, 5, 9]), 2);
    expect(batches.count).toBe(3);
    // Batches share buffers, so each is read before the next is made.
    const seen = Array.from(batches.epoch(0), (b) => ({
      size: b.size,
      x: Array.from(b.inputs['x']!),
      id: Array.from(b.inputs['id']!),
      y: Array.from(b.labels['y']!.values),
      mask: Array.from(b.labels['y']!.mask),
    }));
    expect(seen).toEqual([
      { size: 2, x: [0, 0, 2, 20], id: [0, 2], y: [1, 0, 1, 0], mask: [1, 1] },
      { size: 2, x: [3, 30, 5, 50], id: [3, 5], y: [0, 0, 0, 1], mask: [0, 1] },
      { size: 1, x: [9, 90], id: [9], y: [0, 1], mask: [1] },
    ]);
  });

  it('keeps integer inputs as Int32Array', () => {
    const [first] = new Batches(tenRows(), Int32Array.from([1]), 4).epoch(0);
    expect(first!.inputs['id']).toBeInstanceOf(Int32Array);
    expect(first!.inputs['x']).toBeInstanceOf(Float32Array);
  });

  it('shuffles deterministically: the same seed and epoch give the same order, epochs differ', () => {
    const rows = Int32Array.from({ length: 10 }, (_, i) => i);
    const order = (seed: number, epoch: number): number[] =>
      Array.from(new Batches(tenRows(), rows, 3, { shuffle: true, seed }).epoch(epoch), (b) => Array.from(b.inputs['id']!)).flat();
    expect(order(5, 0)).toEqual(order(5, 0));
    expect(order(5, 0)).not.toEqual(order(5, 1));
    expect(order(5, 0)).not.toEqual(order(6, 0));
    expect([...order(5, 1)].sort((a, b) => a - b)).toEqual([...rows]);
  });

  it('gives epoch k the same order whether or not earlier epochs ran', () => {
    const rows = Int32Array.from({ length: 10 }, (_, i) => i);
    const a = new Batches(tenRows(), rows, 10, { shuffle: true, seed: 1 });
    const b = new Batches(tenRows(), rows, 10, { shuffle: true, seed: 1 });
    for (const _ of a.epoch(0));
    for (const _ of a.epoch(1));
    expect(Array.from([...a.epoch(2)][0]!.inputs['id']!)).toEqual(Array.from([...b.epoch(2)][0]!.inputs['id']!));
  });

  it('reuses its buffers instead of copying the data set each batch', () => {
    const batches = new Batches(
      tenRows(),
      Int32Array.from({ length: 10 }, (_, i) => i),
      4,
    );
    const buffers = Array.from(batches.epoch(0), (b) => b.inputs['x']!.buffer);
    expect(new Set(buffers).size).toBe(1);
  });
});

describe('taking rows', () => {
  it('makes a separate data set of the chosen rows', () => {
    const taken = takeRows(tenRows(), [9, 3]);
    expect(taken).toEqual({
      n: 2,
      inputs: { x: new Float32Array([9, 90, 3, 30]), id: new Int32Array([9, 3]) },
      labels: { y: { values: new Float32Array([0, 1, 0, 0]), mask: new Uint8Array([1, 0]) } },
    });
  });
});
