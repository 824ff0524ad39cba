import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { DataErrors, describeGroup, loadDataset, type BindOptions } from '../../runtime/data/index.js';
import type { CheckedModel } from '../../compiler/ir.js';
import { categoryInput, floatInput, head, model, penguinModel } from './fixture.js';

const lines = (...rows: string[]): string => `${rows.join('\n')}\n`;
const csv = (...rows: string[]) => ({ name: 'data.csv', text: lines(...rows) });
const jsonl = (...rows: string[]) => ({ name: 'data.jsonl', text: lines(...rows) });

/** The messages of the DataErrors that loading throws, and its total. */
async function problems(
  m: CheckedModel,
  source: { name: string; text: string } | string,
  options?: BindOptions,
): Promise<{ messages: string[]; total: number }> {
  try {
    await loadDataset(m, source, options);
  } catch (error) {
    if (error instanceof DataErrors) return { messages: error.problems.map((p) => p.message), total: error.total };
    throw error;
  }
  throw new Error('expected the data to be rejected');
}

const vectorModel = model('V', [floatInput('x', [3])], [head('y', 'classify', 3)]);

describe('a data error names the file, the line and the column', () => {
  it('reports a value that is not a number with its CSV file line', async () => {
    const m = penguinModel();
    const text = csv(
      'species,island,beak_length_mm,beak_depth_mm,flipper_length_mm,body_mass_kg,sex',
      'Adelie,Torgersen,39.1,18.7,181,3750,MALE',
      'Adelie,Torgersen,39.5,17.4,186,abc,FEMALE',
    );
    expect(await problems(m, { ...text, name: 'examples/data/penguins.csv' })).toEqual({
      messages: ['examples/data/penguins.csv:3: column "body_mass_kg": "abc" is not a number'],
      total: 1,
    });
  });

  it('counts lines spanned by a quoted cell and blank lines', async () => {
    expect((await problems(vectorModel, csv('x_0,x_1,x_2,y', '', '1,"2\n",3,0', '1,2,?,0'))).messages).toEqual([
      'data.csv:5: column "x_2": "?" is not a number',
    ]);
  });

  it('reports a column missing from the header, with what reads it', async () => {
    expect((await problems(vectorModel, csv('x_0,x_1,y', '1,2,0'))).messages).toEqual([
      'data.csv:1: column "x_2": not in the header (input "x" reads "x_0".."x_2")',
    ]);
  });

  it('suggests a column the model does not read when a missing one is spelt nearly so', async () => {
    const m = model('C', [floatInput('displacement', [1])], [head('weight', 'regress', 1)]);
    expect((await problems(m, csv('displacment,wieght,x_0', '1,2,3'))).messages).toEqual([
      'data.csv:1: column "displacement": not in the header (input "displacement"); did you mean "displacment"?',
      'data.csv:1: column "weight": not in the header (the label of head "weight"); did you mean "wieght"?',
    ]);
  });

  it('reports a missing label column unless labels are optional', async () => {
    expect((await problems(vectorModel, csv('x_0,x_1,x_2', '1,2,3'))).messages).toEqual([
      'data.csv:1: column "y": not in the header (the label of head "y")',
    ]);
    const bound = await loadDataset(vectorModel, csv('x_0,x_1,x_2', '1,2,3'), { requireLabels: false });
    expect(Array.from(bound.dataset.labels['y']!.mask)).toEqual([0]);
  });

  it('reports a range whose end is not in the header', async () => {
    const m = model('R', [floatInput('x', [2], { columns: { kind: 'range', first: 'a', last: 'c' } })], [head('y', 'regress', 1)]);
    expect((await problems(m, csv('a,b,y', '1,2,3'))).messages).toEqual([
      'data.csv:1: column "c": not in the header (input "x" reads "a".."c")',
    ]);
  });

  it('reports a range that holds the wrong number of columns', async () => {
    const m = model('R', [floatInput('x', [2], { columns: { kind: 'range', first: 'a', last: 'c' } })], [head('y', 'regress', 1)]);
    expect((await problems(m, csv('a,b,c,y', '1,2,3,4'))).messages).toEqual([
      'data.csv:1: columns "a".."c" are 3 columns, input "x" needs 2',
    ]);
  });

  it('reports a column that appears twice in the header', async () => {
    expect((await problems(vectorModel, csv('x_0,x_1,x_2,y,x_1', '1,2,3,0,4'))).messages).toEqual([
      'data.csv:1: column "x_1": appears 2 times in the header (columns 2, 5)',
    ]);
  });

  it('reports a missing input value: an input is never optional', async () => {
    expect((await problems(vectorModel, csv('x_0,x_1,x_2,y', '1,,3,0'))).messages).toEqual(['data.csv:2: column "x_1": missing value']);
    expect((await problems(vectorModel, jsonl('{"x": [1, 2, 3], "y": 0}', '{"y": 1}', '{"x": [1, null, 3], "y": 1}'))).messages).toEqual([
      'data.jsonl:2: field "x": missing value',
      'data.jsonl:3: field "x[1]": missing value',
    ]);
  });

  it('reports a class id out of range', async () => {
    expect((await problems(vectorModel, csv('x_0,x_1,x_2,y', '1,2,3,3', '1,2,3,-1', '1,2,3,1.5'))).messages).toEqual([
      'data.csv:2: column "y": class id 3 is out of range 0…2: add classes: [...] to the head, or leave classes out to take them from the data',
      'data.csv:3: column "y": class id -1 is out of range 0…2: add classes: [...] to the head, or leave classes out to take them from the data',
      'data.csv:4: column "y": "1.5" is not a class id',
    ]);
  });

  it('reports an unknown class name with the classes there are', async () => {
    const text = csv(
      'species,island,beak_length_mm,beak_depth_mm,flipper_length_mm,body_mass_kg,sex',
      'Emperor,Torgersen,39.1,18.7,181,3750,MALE',
    );
    expect((await problems(penguinModel(), text)).messages).toEqual([
      'data.csv:2: column "species": "Emperor" is not a class of head "species" (classes: "Adelie", "Chinstrap", "Gentoo")',
    ]);
  });

  it('reports a category value that is not one of the listed names, or an id out of range', async () => {
    const m = model('C', [categoryInput('island', 3, ['Biscoe', 'Dream', 'Torgersen']), categoryInput('c', 2)], [head('y', 'binary', 1)]);
    expect((await problems(m, csv('island,c,y', 'Atlantis,0,1', 'Dream,2,0'))).messages).toEqual([
      'data.csv:2: column "island": "Atlantis" is not one of "Biscoe", "Dream", "Torgersen": add it to the category[...] list of the input, or fix the cell',
      'data.csv:3: column "c": category id 2 is out of range 0…1',
    ]);
  });

  it('reports a binary label that is not 0, 1, true or false', async () => {
    const m = model('B', [floatInput('x', [1])], [head('y', 'binary', 1)]);
    expect((await problems(m, csv('x,y', '1,maybe', '2,TRUE', '3,2'))).messages).toEqual([
      'data.csv:2: column "y": "maybe" is not 0, 1, true, false',
      'data.csv:4: column "y": "2" is not 0, 1, true, false',
    ]);
  });

  it('reports a JSONL vector of the wrong length', async () => {
    const m = model('J', [floatInput('x', [4])], [head('y', 'regress', 1)]);
    expect(
      (await problems(m, jsonl('{"x": [1, 2, 3, 4], "y": 1}', '{"x": [1, 2, 3, 4], "y": 2}', '{"x": [1, 2, 3], "y": 3}'))).messages,
    ).toEqual(['data.jsonl:3: field "x": expected 4 numbers, got 3']);
  });

  it('reports a tag label of the wrong length and a multilabel id out of range', async () => {
    const m = model('T', [floatInput('x', [1])], [head('tags', 'tag', 3, { steps: 2 }), head('labels', 'multilabel', 4)]);
    expect(
      (await problems(m, jsonl('{"x": 1, "tags": [0, 1, 2], "labels": [0]}', '{"x": 2, "tags": [0, 1], "labels": [0, 4]}'))).messages,
    ).toEqual([
      'data.jsonl:1: field "tags": expected 2 ids, got 3',
      'data.jsonl:2: field "labels": class id 4 is out of range 0…3: add classes: [...] to the head, or leave classes out to take them from the data',
    ]);
  });

  it('reports a ragged CSV row and an unterminated quote', async () => {
    expect((await problems(vectorModel, csv('x_0,x_1,x_2,y', '1,2,0', '1,2,3,0', '1,2,3,"0'))).messages).toEqual([
      'data.csv:2: the row has 3 cells, the header has 4',
      'data.csv:4: quoted field unterminated',
    ]);
  });

  it('reports invalid JSONL lines and lines that are not objects', async () => {
    expect((await problems(vectorModel, jsonl('{"x": [1, 2, 3], "y": 0}', '{"x": [1, 2', '[1, 2, 3]', '7'))).messages).toEqual([
      expect.stringMatching(/^data\.jsonl:2: invalid JSON: /),
      'data.jsonl:3: expected a JSON object, got an array',
      'data.jsonl:4: expected a JSON object, got a number',
    ]);
  });

  it('reports an empty file, and a file with a header but no rows', async () => {
    expect((await problems(vectorModel, { name: 'data.csv', text: '' })).messages).toEqual(['data.csv: the file is empty']);
    expect((await problems(vectorModel, { name: 'data.jsonl', text: '\n\n' })).messages).toEqual(['data.jsonl: the file is empty']);
    expect((await problems(vectorModel, csv('x_0,x_1,x_2,y'))).messages).toEqual(['data.csv: no data rows']);
  });

  it('reports a file that does not exist', async () => {
    expect((await problems(vectorModel, 'no/such/data.csv')).messages).toEqual(['no/such/data.csv: cannot read the file: no such file']);
    expect((await problems(vectorModel, 'no/such/data.jsonl')).messages).toEqual([
      'no/such/data.jsonl: cannot read the file: no such file',
    ]);
  });

  it('reports a file whose format cannot be told from its name', async () => {
    expect((await problems(vectorModel, { name: 'data.txt', text: 'x\n' })).messages).toEqual([
      'data.txt: cannot tell the format from the file name: use .csv, .jsonl or .parquet, or set format in data { }',
    ]);
  });

  it('reports a head whose label is missing in every row', async () => {
    expect((await problems(vectorModel, jsonl('{"x": [1, 2, 3]}', '{"x": [1, 2, 3], "y": null}'))).messages).toEqual([
      'data.jsonl: field "y": no row has this label (head "y")',
    ]);
  });
});

describe('all problems are collected before the run stops', () => {
  it('lists every problem of every row in file order', async () => {
    const { messages, total } = await problems(vectorModel, csv('x_0,x_1,x_2,y', 'a,2,3,0', '1,2,3,0', '1,b,c,9'));
    expect(total).toBe(4);
    expect(messages).toEqual([
      'data.csv:2: column "x_0": "a" is not a number',
      'data.csv:4: column "x_1": "b" is not a number',
      'data.csv:4: column "x_2": "c" is not a number',
      'data.csv:4: column "y": class id 9 is out of range 0…2: add classes: [...] to the head, or leave classes out to take them from the data',
    ]);
  });

  it('gives a repeated problem one line, with its count, its first lines and the fix', async () => {
    const rows = Array.from({ length: 30 }, (_, i) => `${i},1,2,7`);
    try {
      await loadDataset(vectorModel, csv('x_0,x_1,x_2,y', '0,1,2,1', 'a,1,2,0', ...rows, 'b,1,2,0'), { problemsShown: 2 });
      expect.unreachable();
    } catch (error) {
      expect((error as Error).message).toBe(
        [
          '32 problems in the data:',
          '  data.csv:3: column "x_0": "a" is not a number',
          '  data.csv: column "y": class id 7 is out of range 0…2 in 30 rows (lines 4, 5, 6, …): add classes: [...] to the head, or leave classes out to take them from the data',
          '  and 1 more',
        ].join('\n'),
      );
      expect((error as DataErrors).groups.map((g) => [g.count, g.lines])).toEqual([
        [1, [3]],
        [30, [4, 5, 6]],
      ]);
    }
  });

  it('lists every distinct problem even when one problem repeats in every row', async () => {
    const rows = Array.from({ length: 50 }, (_, i) => `${i},1,2,9`);
    try {
      await loadDataset(vectorModel, csv('x_0,x_1,x_2,y', ...rows, 'a,1,2,0', '1,b,2,0'), { problemsShown: 3 });
      expect.unreachable();
    } catch (error) {
      expect((error as DataErrors).problems.map((p) => p.message)).toEqual([
        'data.csv:2: column "y": class id 9 is out of range 0…2: add classes: [...] to the head, or leave classes out to take them from the data',
        'data.csv:52: column "x_0": "a" is not a number',
        'data.csv:53: column "x_1": "b" is not a number',
      ]);
      expect((error as DataErrors).total).toBe(52);
    }
  });

  it('skips bad rows only when asked, and counts them', async () => {
    const text = csv('x_0,x_1,x_2,y', '1,2,3,0', 'a,2,3,0', '4,5,6,1', '1,2', '7,8,9,2');
    const bound = await loadDataset(vectorModel, text, { skipBadRows: true });
    expect(bound.skipped).toBe(2);
    expect(bound.skippedProblems.map(describeGroup)).toEqual([
      'data.csv:3: column "x_0": "a" is not a number',
      'data.csv:5: the row has 2 cells, the header has 4',
    ]);
    expect(bound.dataset.n).toBe(3);
    expect(Array.from(bound.dataset.inputs['x']!)).toEqual([1, 2, 3, 4, 5, 6, 7, 8, 9]);
    expect(Array.from(bound.dataset.labels['y']!.values)).toEqual([1, 0, 0, 0, 1, 0, 0, 0, 1]);
  });

  it('still fails when every row is bad, even when skipping', async () => {
    expect((await problems(vectorModel, csv('x_0,x_1,x_2,y', 'a,2,3,0'), { skipBadRows: true })).messages).toEqual([
      'data.csv: every row has a problem (1 skipped)',
      'data.csv:2: column "x_0": "a" is not a number',
    ]);
  });

  it('does not skip problems with the header', async () => {
    expect((await problems(vectorModel, csv('x_0,x_1,y', '1,2,0'), { skipBadRows: true })).messages).toEqual([
      'data.csv:1: column "x_2": not in the header (input "x" reads "x_0".."x_2")',
    ]);
  });
});

describe('reading files from disk', () => {
  it('streams a CSV and a JSONL file with the same result as inline text', async () => {
    const dir = await mkdtemp(path.join(tmpdir(), 'mtl-data-'));
    try {
      await writeFile(path.join(dir, 'a.csv'), lines('x_0,x_1,x_2,y', '1,2,3,0', '4,5,6,2'));
      await writeFile(path.join(dir, 'a.jsonl'), lines('{"x": [1, 2, 3], "y": 0}', '{"x": [4, 5, 6], "y": 2}'));
      const a = await loadDataset(vectorModel, path.join(dir, 'a.csv'));
      const b = await loadDataset(vectorModel, path.join(dir, 'a.jsonl'));
      expect(a.dataset).toEqual(b.dataset);
      expect(a.dataset.n).toBe(2);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});
