import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { DuckDBInstance } from '@duckdb/node-api';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { compile } from '../../compiler/index.js';
import { type BoundData, DataErrors, loadDataset, writeParquet } from '../../runtime/data/index.js';

let dir: string;
beforeAll(() => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'mtl-parquet-'));
});
afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

function model(source: string) {
  const result = compile('m.mtl', source);
  expect(result.diagnostics.filter((d) => d.severity === 'error')).toEqual([]);
  return result.models[0]!;
}

/** Runs DuckDB SQL (to make Parquet files the way other tools do). */
async function sql(statement: string): Promise<void> {
  const connection = await (await DuckDBInstance.create(':memory:')).connect();
  await connection.run(statement);
  connection.closeSync();
}

const arrays = (bound: BoundData) => ({
  n: bound.dataset.n,
  inputs: Object.fromEntries(Object.entries(bound.dataset.inputs).map(([k, v]) => [k, Array.from(v)])),
  labels: Object.fromEntries(Object.entries(bound.dataset.labels).map(([k, v]) => [k, [Array.from(v.values), Array.from(v.mask)]])),
});

describe('Parquet data', () => {
  it('binds the penguins as their CSV binds: the same arrays, masks and columns', async () => {
    const penguins = model(fs.readFileSync('examples/penguins.mtl', 'utf8'));
    const file = path.join(dir, 'penguins.parquet');
    await sql(`COPY (SELECT * FROM read_csv('examples/data/penguins.csv', header = true)) TO '${file}' (FORMAT parquet)`);
    const fromCsv = await loadDataset(penguins, 'examples/data/penguins.csv');
    const fromParquet = await loadDataset(penguins, file);
    expect(arrays(fromParquet)).toEqual(arrays(fromCsv));
    expect(fromParquet.columns).toEqual(fromCsv.columns);
    expect(fromParquet.format).toBe('parquet');
  });

  it('maps column types as a user expects: integers, booleans, NULL as missing, a list column as a float[n] input', async () => {
    const file = path.join(dir, 'types.parquet');
    await sql(`COPY (
      SELECT * FROM (VALUES
        (1::BIGINT, [0.5, 1.5]::FLOAT[], true, 'a', 2.25::DECIMAL(5,2)),
        (2::BIGINT, [2.5, 3.5]::FLOAT[], false, NULL, NULL)
      ) t(id, v, flag, kind, amount)) TO '${file}' (FORMAT parquet)`);
    const m = model(`model M {
      input id: float
      input v: float[2]
      head flag = v -> binary()
      head kind = v -> classify(2) { classes: ["a", "b"] }
      head amount = v -> regress(1)
    }`);
    const bound = await loadDataset(m, file, { requireLabels: false });
    expect(arrays(bound)).toEqual({
      n: 2,
      inputs: { id: [1, 2], v: [0.5, 1.5, 2.5, 3.5] },
      labels: {
        flag: [
          [1, 0],
          [1, 1],
        ],
        kind: [
          [1, 0, 0, 0],
          [1, 0],
        ],
        amount: [
          [2.25, 0],
          [1, 0],
        ],
      },
    });
  });

  it('reports bad values with the file, the row and the column', async () => {
    const file = path.join(dir, 'bad.parquet');
    await sql(`COPY (SELECT * FROM (VALUES (1.0, 'x'), (NULL, 'y'), (3.0, 'z')) t(a, y)) TO '${file}' (FORMAT parquet)`);
    const m = model('model M {\n  input a: float\n  head y = a -> classify(2) { classes: ["x", "y"] }\n}');
    const error = await loadDataset(m, file).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(DataErrors);
    expect((error as DataErrors).problems.map((p) => p.message)).toEqual([
      `${file}:2: column "a": missing value`,
      `${file}:3: column "y": "z" is not a class of head "y" (classes: "x", "y")`,
    ]);
  });

  it('reports wrong types as wrong values: text or a struct where a number goes, a huge string where a class goes', async () => {
    const file = path.join(dir, 'wrong.parquet');
    const huge = 'w'.repeat(1_000_000);
    await sql(`COPY (SELECT * FROM (VALUES
        ('1.5', {'p': 1}, 'a'),
        ('abc', {'p': 2}, '${huge}')
      ) t(a, s, y)) TO '${file}' (FORMAT parquet)`);
    const m = model('model M {\n  input a: float\n  input s: float\n  head y = a -> classify(2) { classes: ["a", "b"] }\n}');
    const error = (await loadDataset(m, file).catch((e: unknown) => e)) as DataErrors;
    expect(error.problems.map((p) => p.message)).toEqual([
      `${file}:1: column "s": "{'p': 1}" is not a number`,
      `${file}:2: column "a": "abc" is not a number`,
      `${file}:2: column "s": "{'p': 2}" is not a number`,
      `${file}:2: column "y": "wwwwwwwwwwwwwwwwwwwwwwwwwwwwwwwwwwwww..." is not a class of head "y" (classes: "a", "b")`,
    ]);
  });

  it('says what is wrong with a file that is missing or is not Parquet', async () => {
    const m = model('model M {\n  input a: float\n  head y = a -> regress(1)\n}');
    const notParquet = path.join(dir, 'text.parquet');
    fs.writeFileSync(notParquet, 'a,y\n1,2\n');
    await expect(loadDataset(m, path.join(dir, 'absent.parquet'))).rejects.toThrow(/absent\.parquet: cannot read the file: no such file/);
    await expect(loadDataset(m, notParquet)).rejects.toThrow(/text\.parquet: not a Parquet file/);
  });

  it('binds the same rows to the same arrays from CSV, JSONL and Parquet', async () => {
    const m = model('model M {\n  input x: float[3]\n  head c = x -> classify(3)\n  head r = x -> regress(1)\n}');
    const value = fc.oneof(fc.integer({ min: -1000, max: 1000 }), fc.double({ min: -1e6, max: 1e6, noNaN: true, noDefaultInfinity: true }));
    const row = fc.record({
      x: fc.array(value, { minLength: 3, maxLength: 3 }),
      c: fc.option(fc.integer({ min: 0, max: 2 })),
      r: fc.option(value),
    });
    let run = 0;
    await fc.assert(
      fc.asyncProperty(fc.array(row, { minLength: 1, maxLength: 20 }), async (rows) => {
        fc.pre(rows.some((r) => r.c !== null) && rows.some((r) => r.r !== null));
        const base = path.join(dir, `same-${run++}`);
        const csv = ['x_0,x_1,x_2,c,r', ...rows.map((r) => [...r.x.map(String), r.c ?? '', r.r ?? ''].join(','))].join('\n');
        fs.writeFileSync(`${base}.csv`, csv);
        fs.writeFileSync(`${base}.jsonl`, rows.map((r) => JSON.stringify(r)).join('\n'));
        await writeParquet(
          `${base}.parquet`,
          ['x_0', 'x_1', 'x_2', 'c', 'r'],
          rows.map((r) => ({ x_0: r.x[0], x_1: r.x[1], x_2: r.x[2], c: r.c, r: r.r })),
        );
        const [a, b, c] = await Promise.all(['csv', 'jsonl', 'parquet'].map((ext) => loadDataset(m, `${base}.${ext}`)));
        expect(arrays(b!)).toEqual(arrays(a!));
        expect(arrays(c!)).toEqual(arrays(a!));
      }),
      { numRuns: 25, seed: 3 },
    );
  });

  it('binds class ids a block at a time as CSV binds them row by row: NULL is an unlabelled row', async () => {
    const m = model('model M {\n  input x: float[2]\n  head c = x -> classify(3)\n  head d = x -> classify(2)\n}');
    const rows = Array.from({ length: 5000 }, (_, r) => ({
      x_0: r,
      x_1: -r,
      c: r % 7 === 0 ? null : r % 3,
      d: r % 5 === 0 ? null : r % 2,
    }));
    const file = path.join(dir, 'ids');
    fs.writeFileSync(`${file}.csv`, ['x_0,x_1,c,d', ...rows.map((r) => `${r.x_0},${r.x_1},${r.c ?? ''},${r.d ?? ''}`)].join('\n'));
    await writeParquet(`${file}.parquet`, ['x_0', 'x_1', 'c', 'd'], rows);
    const fromParquet = await loadDataset(m, `${file}.parquet`);
    expect(arrays(fromParquet)).toEqual(arrays(await loadDataset(m, `${file}.csv`)));
    expect(fromParquet.dataset.labels['c']!.mask.reduce((a, b) => a + b, 0)).toBe(rows.filter((r) => r.c !== null).length);
  });

  it('leaves out the same rows under --skip-bad-rows from CSV and Parquet, across DuckDB chunks, keeping the rows after them in order', async () => {
    const m = model('model M {\n  input x: float[2]\n  head c = x -> classify(3)\n}');
    const rows = 5000; // over two of DuckDB's 2048-row chunks
    const cell = (r: number, k: number): number | null => (r % 97 === k ? null : r % 211 === k ? 1e39 : r * 2 + k);
    const label = (r: number): number | null => (r % 301 === 0 ? 7 : r % 401 === 0 ? 1.5 : r % 503 === 0 ? null : r % 3);
    const file = path.join(dir, 'skip');
    fs.writeFileSync(
      `${file}.csv`,
      ['x_0,x_1,c', ...Array.from({ length: rows }, (_, r) => `${cell(r, 0) ?? ''},${cell(r, 1) ?? ''},${label(r) ?? ''}`)].join('\n'),
    );
    await writeParquet(
      `${file}.parquet`,
      ['x_0', 'x_1', 'c'],
      Array.from({ length: rows }, (_, r) => ({ x_0: cell(r, 0), x_1: cell(r, 1), c: label(r) })),
    );
    const fromCsv = await loadDataset(m, `${file}.csv`, { skipBadRows: true });
    const fromParquet = await loadDataset(m, `${file}.parquet`, { skipBadRows: true });
    // Unlabelled rows (r % 503) are kept, with their label masked.
    const bad = Array.from({ length: rows }, (_, r) => r).filter((r) => r % 97 < 2 || r % 211 < 2 || r % 301 === 0 || r % 401 === 0);
    expect(fromParquet.skipped).toBe(bad.length);
    expect(fromCsv.skipped).toBe(bad.length);
    expect(arrays(fromParquet)).toEqual(arrays(fromCsv));
    const kept = Array.from({ length: rows }, (_, r) => r).filter((r) => !bad.includes(r));
    expect(Array.from(fromParquet.dataset.inputs['x']!)).toEqual(kept.flatMap((r) => [r * 2, r * 2 + 1]));
  });
});
