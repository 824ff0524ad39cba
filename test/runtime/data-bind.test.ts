import { describe, expect, it } from 'vitest';
import { loadDataset } from '../../runtime/data/index.js';
import { categoryInput, floatInput, head, model, penguinModel } from './fixture.js';

const lines = (...rows: string[]): string => `${rows.join('\n')}\n`;
const csv = (...rows: string[]) => ({ name: 'data.csv', text: lines(...rows) });
const jsonl = (...rows: string[]) => ({ name: 'data.jsonl', text: lines(...rows) });

/** One model with every kind of input and head. */
const everything = model(
  'Everything',
  [
    floatInput('x', [3]),
    floatInput('s', [1]),
    categoryInput('c', 3),
    categoryInput('animal', 2, ['cat', 'dog']),
    floatInput('tokens', [2], { dtype: 'int', vocab: 10 }),
  ],
  [
    head('kind', 'classify', 3, { classes: ['a', 'b', 'c'] }),
    head('flag', 'binary', 1),
    head('topics', 'multilabel', 4),
    head('price', 'regress', 2),
    head('pos', 'tag', 3, { steps: 2 }),
  ],
);

const everythingCsv = csv(
  'x_0,x_1,x_2,s,c,animal,tokens_0,tokens_1,kind,flag,topics,price_0,price_1,pos',
  '1,2,3,0.5,0,cat,4,5,a,1,0 2,1.5,2.5,0 1',
  '4,5,6,-1,2,dog,9,0,2,false,,,,2;2',
  '7,8,9,10,1,cat,1,1,,true,;,3,4,',
);

const everythingJsonl = jsonl(
  '{"x": [1, 2, 3], "s": 0.5, "c": 0, "animal": "cat", "tokens": [4, 5], "kind": "a", "flag": 1, "topics": [0, 2], "price": [1.5, 2.5], "pos": [0, 1]}',
  '{"x": [4, 5, 6], "s": [-1], "c": 2, "animal": "dog", "tokens": [9, 0], "kind": 2, "flag": false, "topics": null, "pos": [2, 2]}',
  '{"x": [[7, 8, 9]], "s": 10, "c": 1, "animal": "cat", "tokens": [1, 1], "kind": null, "flag": true, "topics": [], "price": [3, 4], "pos": null}',
);

describe('binding rows to a model', () => {
  it('gives the same Dataset from CSV and from JSONL', async () => {
    const a = await loadDataset(everything, everythingCsv);
    const b = await loadDataset(everything, everythingJsonl);
    expect(a.dataset).toEqual(b.dataset);
  });

  it('lays out every input and label row-major', async () => {
    const { dataset, columns } = await loadDataset(everything, everythingCsv);
    expect(dataset.n).toBe(3);
    expect(dataset.inputs['x']).toEqual(new Float32Array([1, 2, 3, 4, 5, 6, 7, 8, 9]));
    expect(dataset.inputs['s']).toEqual(new Float32Array([0.5, -1, 10]));
    expect(dataset.inputs['c']).toEqual(new Float32Array([1, 0, 0, 0, 0, 1, 0, 1, 0]));
    expect(dataset.inputs['animal']).toEqual(new Float32Array([1, 0, 0, 1, 1, 0]));
    expect(dataset.inputs['tokens']).toEqual(new Int32Array([4, 5, 9, 0, 1, 1]));
    expect(dataset.labels['kind']).toEqual({ values: new Float32Array([1, 0, 0, 0, 0, 1, 0, 0, 0]), mask: new Uint8Array([1, 1, 0]) });
    expect(dataset.labels['flag']).toEqual({ values: new Float32Array([1, 0, 1]), mask: new Uint8Array([1, 1, 1]) });
    expect(dataset.labels['topics']).toEqual({
      values: new Float32Array([1, 0, 1, 0, 0, 0, 0, 0, 0, 0, 0, 0]),
      mask: new Uint8Array([1, 0, 1]),
    });
    expect(dataset.labels['price']).toEqual({ values: new Float32Array([1.5, 2.5, 0, 0, 3, 4]), mask: new Uint8Array([1, 0, 1]) });
    expect(dataset.labels['pos']).toEqual({
      values: new Float32Array([1, 0, 0, 0, 1, 0, 0, 0, 1, 0, 0, 1, 0, 0, 0, 0, 0, 0]),
      mask: new Uint8Array([1, 1, 0]),
    });
    expect(columns).toEqual({
      x: ['x_0', 'x_1', 'x_2'],
      s: ['s'],
      c: ['c'],
      animal: ['animal'],
      tokens: ['tokens_0', 'tokens_1'],
    });
  });

  it('masks a missing label: an empty CSV cell, a JSON null, an absent field', async () => {
    const m = model('M', [floatInput('x', [1])], [head('a', 'regress', 1), head('b', 'classify', 2)]);
    const fromCsv = await loadDataset(m, csv('x,a,b', '1,,1', '2,0.5,', '3, ,0'));
    expect(fromCsv.dataset.labels['a']).toEqual({ values: new Float32Array([0, 0.5, 0]), mask: new Uint8Array([0, 1, 0]) });
    expect(fromCsv.dataset.labels['b']).toEqual({ values: new Float32Array([0, 1, 0, 0, 1, 0]), mask: new Uint8Array([1, 0, 1]) });
    const fromJson = await loadDataset(m, jsonl('{"x": 1, "b": 1}', '{"x": 2, "a": 0.5, "b": null}', '{"x": 3, "a": null, "b": 0}'));
    expect(fromJson.dataset).toEqual(fromCsv.dataset);
  });

  it('keeps the partially labelled penguins, masking sex where it is unknown', async () => {
    const { dataset } = await loadDataset(penguinModel(), 'examples/data/penguins.csv');
    expect(dataset.n).toBe(342);
    const sexMask = dataset.labels['sex']!.mask;
    expect(sexMask.reduce((a, b) => a + b, 0)).toBe(333);
    expect(dataset.labels['species']!.mask.every((m) => m === 1)).toBe(true);
    expect(Array.from(dataset.inputs['measures']!.subarray(0, 4))).toEqual([Math.fround(39.1), Math.fround(18.7), 181, Math.fround(3.75)]);
    expect(Array.from(dataset.labels['sex']!.values.subarray(0, 3))).toEqual([1, 0, 0]); // MALE, FEMALE, FEMALE
  });

  it('keeps the cars without miles per gallon as unlabelled rows', async () => {
    const cars = model(
      'Cars',
      [floatInput('specs', [6], { normalize: true, columns: { kind: 'range', first: 'cylinders', last: 'year' } })],
      [head('mpg', 'regress', 1, { label: 'miles_per_gallon' }), head('origin', 'classify', 3, { classes: ['Europe', 'Japan', 'USA'] })],
    );
    const { dataset, columns } = await loadDataset(cars, 'examples/data/cars.csv');
    expect(dataset.n).toBe(400);
    expect(columns['specs']).toEqual(['cylinders', 'displacement', 'horsepower', 'weight_in_lbs', 'acceleration', 'year']);
    expect(dataset.labels['mpg']!.mask.reduce((a, b) => a + b, 0)).toBe(392);
  });

  it('reads exactly the listed columns, in the listed order', async () => {
    const m = model('L', [floatInput('x', [2], { columns: { kind: 'list', names: ['c', 'a'] } })], [head('y', 'regress', 1)]);
    const { dataset } = await loadDataset(m, csv('a,b,c,y', '1,2,3,4'));
    expect(dataset.inputs['x']).toEqual(new Float32Array([3, 1]));
    const fromJson = await loadDataset(m, jsonl('{"a": 1, "b": 2, "c": 3, "y": 4}'));
    expect(fromJson.dataset).toEqual(dataset);
  });

  it('reads a range in header order, and in JSONL in the key order of the first record', async () => {
    const m = model('R', [floatInput('x', [3], { columns: { kind: 'range', first: 'b', last: 'd' } })], [head('y', 'regress', 1)]);
    const fromCsv = await loadDataset(m, csv('a,b,c,d,y', '1,2,3,4,5'));
    const fromJson = await loadDataset(m, jsonl('{"a": 1, "b": 2, "c": 3, "d": 4, "y": 5}'));
    expect(fromCsv.dataset.inputs['x']).toEqual(new Float32Array([2, 3, 4]));
    expect(fromJson.dataset).toEqual(fromCsv.dataset);
  });

  it('feeds a category as an integer id when it goes to an embedding', async () => {
    const m = model('E', [categoryInput('c', 5, undefined, { categoryAsIds: true, dtype: 'int', shape: [1] })], [head('y', 'binary', 1)]);
    const { dataset } = await loadDataset(m, csv('c,y', '4,1', '0,0'));
    expect(dataset.inputs['c']).toEqual(new Int32Array([4, 0]));
  });

  it('reads a class id written any way a number may be, as JSON numbers give it', async () => {
    const m = model('C', [floatInput('x', [1])], [head('y', 'classify', 3)]);
    const fromCsv = await loadDataset(m, csv('x,y', '1,2.0', '2,+1', '3,1e0', '4,0', '5, 2', '6,-0'));
    const fromJsonl = await loadDataset(m, jsonl(...[2, 1, 1, 0, 2, 0].map((y, i) => `{"x": ${i + 1}, "y": ${y}}`)));
    expect(fromCsv.dataset.labels['y']).toEqual(fromJsonl.dataset.labels['y']);
    expect([...fromCsv.dataset.labels['y']!.values]).toEqual([0, 0, 1, 0, 1, 0, 0, 1, 0, 1, 0, 0, 0, 0, 1, 1, 0, 0]);
  });

  it('reads binary labels by class name when the head lists two classes', async () => {
    const m = model('S', [floatInput('x', [1])], [head('sex', 'binary', 1, { classes: ['FEMALE', 'MALE'] })]);
    const { dataset } = await loadDataset(m, csv('x,sex', '1,MALE', '2,FEMALE', '3,1'));
    expect(dataset.labels['sex']!.values).toEqual(new Float32Array([1, 0, 1]));
  });

  it('reads multilabel names separated by semicolons, so names may contain spaces', async () => {
    const m = model('N', [floatInput('x', [1])], [head('tags', 'multilabel', 3, { classes: ['big cat', 'small dog', 'bird'] })]);
    const { dataset } = await loadDataset(m, csv('x,tags', '1,big cat; bird', '2,1'));
    expect(dataset.labels['tags']!.values).toEqual(new Float32Array([1, 0, 1, 0, 1, 0]));
  });

  it('takes the format from the model when the file name does not say', async () => {
    const m = { ...model('F', [floatInput('x', [1])], [head('y', 'regress', 1)]), data: { format: 'jsonl' as const } };
    const { dataset, format } = await loadDataset(m, { name: 'data.txt', text: '{"x": 1, "y": 2}\n' });
    expect(format).toBe('jsonl');
    expect(dataset.inputs['x']).toEqual(new Float32Array([1]));
  });
});
