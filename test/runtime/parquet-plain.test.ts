import { createHash } from 'node:crypto';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { DuckDBInstance } from '@duckdb/node-api';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { compile } from '../../compiler/index.js';
import { type BoundData, bindRows, DataErrors, loadDataset } from '../../runtime/data/index.js';
import { readParquet, readParquetWithDuckDB } from '../../runtime/data/parquet.js';
import { parquetLayout } from '../../runtime/data/parquet-layout.js';
import { readPlainParquet } from '../../runtime/data/parquet-plain.js';
import { present, type RowSink } from '../../runtime/data/rows.js';
import { type HandColumn, writeByHand } from './parquet-by-hand.js';

let dir: string;
beforeAll(() => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'mtl-parquet-plain-'));
});
afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

/** Runs DuckDB SQL (to make Parquet files the way other tools do). */
async function sql(statement: string): Promise<void> {
  const connection = await (await DuckDBInstance.create(':memory:')).connect();
  await connection.run(statement);
  connection.closeSync();
}

let files = 0;
async function duckdbFile(select: string, options: string): Promise<string> {
  const file = path.join(dir, `f${files++}.parquet`);
  await sql(`COPY (${select}) TO '${file}' (FORMAT parquet, ${options})`);
  return file;
}

interface Read {
  readonly header: readonly string[];
  readonly expected: number | undefined;
  readonly rows: unknown[][];
  readonly result: boolean;
}

/**
 * Every row `read` hands over, each cell as the binder reads it (`value`), in blocks or row by
 * row; in blocks, each number column must say the same as the cells.
 */
async function rowsOf(read: (sink: RowSink) => Promise<boolean>, blocks = true): Promise<Read> {
  let header: readonly string[] = [];
  let expected: number | undefined;
  const rows: unknown[][] = [];
  const sink: RowSink = {
    expectRows: (n) => {
      expected = n;
    },
    header: (names) => {
      header = names;
    },
    row: (row) => {
      if (row.format === 'jsonl') throw new Error('a JSONL row from Parquet');
      expect(row.line).toBe(rows.length + 1);
      rows.push(Array.from({ length: row.cells.length }, (_, k) => row.cells.value(k)));
    },
    malformed: (problem) => {
      throw problem;
    },
  };
  if (blocks) {
    sink.block = (block) => {
      expect(block.line).toBe(rows.length + 1);
      const { cells } = block;
      for (let r = 0; r < block.rows; r++) {
        cells.row = r;
        const row = Array.from({ length: cells.length }, (_, k) => cells.value(k));
        row.forEach((value, k) => {
          const column = block.numbers(k);
          if (column !== undefined) expect(present(column, r) ? column.items[r] : null).toEqual(value);
          expect(cells.number(k)).toEqual(typeof value === 'number' ? value : Number.NaN);
        });
        rows.push(row);
      }
    };
  }
  const result = await read(sink);
  return { header, expected, rows, result };
}

/** The file is read by the fast reader, to the very cells DuckDB reads, in blocks and row by row. */
async function expectSameAsDuckDB(file: string): Promise<Read> {
  const plan = parquetLayout(file);
  if (!('layout' in plan)) throw new Error(`left to DuckDB: ${plan.unsupported}`);
  const fromDuckDB = await rowsOf((sink) => readParquetWithDuckDB(file, sink));
  // The fast reader itself, not readParquet: a page it gave up on would be read by DuckDB unseen.
  const fast = (sink: RowSink) => readPlainParquet(file, plan.layout, sink) as Promise<boolean>;
  expect(await rowsOf(fast)).toEqual(fromDuckDB);
  expect(await rowsOf(fast, false)).toEqual(fromDuckDB);
  return fromDuckDB;
}

/** Numbers of every kind, NULL every few rows, and columns DuckDB dictionary-encodes. */
const ALL_TYPES = `SELECT
    CASE WHEN i % 7 = 3 THEN NULL WHEN i % 11 = 0 THEN '-0.0'::DOUBLE WHEN i = 5 THEN 'inf'::DOUBLE
      WHEN i = 6 THEN '-inf'::DOUBLE WHEN i = 8 THEN 'nan'::DOUBLE ELSE (i * 1.37e-3 - 2.5) * pow(10, i % 40 - 20) END AS d,
    CASE WHEN i % 5 = 1 THEN NULL ELSE (i / 3)::FLOAT END AS f,
    (i % 256 - 128)::TINYINT AS i8,
    CASE WHEN i % 13 = 0 THEN NULL ELSE (i * 7 - 30000)::SMALLINT END AS i16,
    (i * 104729 - 2000000000)::INTEGER AS i32,
    CASE i % 4 WHEN 0 THEN 9223372036854775807 WHEN 1 THEN -9223372036854775808 WHEN 2 THEN 9007199254740993 + i
      ELSE i * 3 - 1000 END::BIGINT AS i64,
    (i % 256)::UTINYINT AS u8,
    (4294967295 - i)::UINTEGER AS u32,
    (18446744073709551615 - i * 1000)::UBIGINT AS u64,
    CASE WHEN i % 9 = 4 THEN NULL ELSE i % 3 = 0 END AS b,
    (i % 5 * 0.25)::DOUBLE AS k,
    CASE WHEN i % 17 = 2 THEN NULL ELSE i % 3 END::BIGINT AS label
  FROM range(5000) t(i)`;

/** A bound dataset's rows and arrays, each array as its hash: equal when they are, and quick to compare when not. */
function fingerprint(bound: BoundData): unknown {
  const hash = (array: Float32Array | Int32Array | Uint8Array) => createHash('sha256').update(array).digest('hex');
  return {
    n: bound.dataset.n,
    skipped: bound.skipped,
    inputs: Object.fromEntries(Object.entries(bound.dataset.inputs).map(([k, v]) => [k, hash(v)])),
    labels: Object.fromEntries(Object.entries(bound.dataset.labels).map(([k, v]) => [k, [hash(v.values), hash(v.mask)]])),
  };
}

describe('the fast Parquet reader', () => {
  it.each([
    ['snappy, row groups of 2,048 rows', 'COMPRESSION snappy, ROW_GROUP_SIZE 2048'],
    ['uncompressed, row groups of 2,048 rows', 'COMPRESSION uncompressed, ROW_GROUP_SIZE 2048'],
    ['snappy, one row group', 'COMPRESSION snappy'],
  ])('reads every number and boolean type of a file DuckDB wrote (%s) as DuckDB does, NULLs included', async (_, options) => {
    const file = await duckdbFile(ALL_TYPES, options);
    const read = await expectSameAsDuckDB(file);
    expect(read.header).toEqual(['d', 'f', 'i8', 'i16', 'i32', 'i64', 'u8', 'u32', 'u64', 'b', 'k', 'label']);
    expect([read.expected, read.rows.length, read.result]).toEqual([5000, 5000, true]);
    // Spot checks against values known independently of either reader.
    expect(read.rows[3]![0]).toBe(null);
    expect(Object.is(read.rows[11]![0], -0)).toBe(true);
    expect(read.rows[5]![0]).toBe(Number.POSITIVE_INFINITY);
    expect(read.rows[2]!.slice(5, 10)).toEqual([2 ** 53 + 4, 2, 4294967293, 2 ** 64 - 2048, 0]);
    expect(read.rows[1]!.slice(5, 6)).toEqual([-(2 ** 63)]);
    expect(read.rows[0]![9]).toBe(1);
  });

  it.each([
    ['snappy', 'COMPRESSION snappy, ROW_GROUP_SIZE 2048'],
    ['uncompressed', 'COMPRESSION uncompressed'],
  ])(
    'reads text columns (%s), PLAIN and dictionary encoded, as DuckDB does: NULL, empty, accented and long strings',
    async (_, options) => {
      const file = await duckdbFile(
        `SELECT
        CASE WHEN i % 7 = 1 THEN NULL WHEN i % 7 = 2 THEN '' ELSE 'row ' || i END AS plain,
        CASE WHEN i % 5 = 0 THEN NULL ELSE ['Adélie', 'Gentoo', 'Chinstrap 🐧'][i % 3 + 1] END AS species,
        CASE WHEN i % 2 = 0 THEN repeat('é', 40) || i ELSE repeat('x', 100) END AS long,
        i::DOUBLE AS x
      FROM range(5000) t(i)`,
        options,
      );
      const read = await expectSameAsDuckDB(file);
      expect(read.rows.slice(0, 3)).toEqual([
        ['row 0', null, `${'é'.repeat(40)}0`, 0],
        [null, 'Gentoo', 'x'.repeat(100), 1],
        ['', 'Chinstrap 🐧', `${'é'.repeat(40)}2`, 2],
      ]);
    },
  );

  it('reads a file without rows as DuckDB does: the header, and no row', async () => {
    const file = await duckdbFile(`SELECT 1.5::DOUBLE AS a, 2::INTEGER AS b WHERE false`, 'COMPRESSION snappy');
    const read = await expectSameAsDuckDB(file);
    expect(read).toEqual({ header: ['a', 'b'], expected: 0, rows: [], result: false });
  });

  it('reads DATA_PAGE_V2 pages of dictionary-encoded numbers and booleans, as DuckDB writes them for PARQUET_VERSION V2', async () => {
    const file = await duckdbFile(
      `SELECT CASE WHEN i % 7 = 0 THEN NULL ELSE (i % 9)::DOUBLE / 4 END AS k, (i % 4)::INTEGER AS c, i % 3 = 1 AS b FROM range(6000) t(i)`,
      'PARQUET_VERSION V2, ROW_GROUP_SIZE 2048',
    );
    const read = await expectSameAsDuckDB(file);
    expect(read.rows.slice(0, 2)).toEqual([
      [null, 0, 0],
      [0.25, 1, 1],
    ]);
  });

  it.each([
    ['several pages a chunk, bit-packed NULLs, dictionary ids', false],
    ['the same in DATA_PAGE_V2 pages', true],
  ])('reads files DuckDB does not write but reads: %s', async (_, v2) => {
    const n = 1000;
    const values = (f: (i: number) => number | null) => Array.from({ length: n }, (_, i) => f(i));
    const texts = (f: (i: number) => string | null) =>
      Array.from({ length: n }, (_, i) => {
        const text = f(i);
        return text === null ? null : new TextEncoder().encode(text);
      });
    const columns: HandColumn[] = [
      { name: 'd', type: 'DOUBLE', optional: true, values: values((i) => (i % 7 === 0 ? null : i / 8 - 40)) },
      { name: 'req', type: 'DOUBLE', optional: false, values: values((i) => i * 1.5) },
      { name: 'f', type: 'FLOAT', optional: true, values: values((i) => (i % 3 === 0 ? null : i / 4)) },
      { name: 'i', type: 'INT32', optional: false, values: values((i) => i * 1000 - 7) },
      { name: 'l', type: 'INT64', optional: true, values: values((i) => (i % 5 === 0 ? null : i * -3)) },
      { name: 'b', type: 'BOOLEAN', optional: true, values: values((i) => (i % 4 === 0 ? null : i % 3 === 0 ? 1 : 0)) },
      { name: 'bb', type: 'BOOLEAN', optional: false, values: values((i) => i % 2) },
      { name: 'dict', type: 'DOUBLE', optional: true, dictionary: true, values: values((i) => (i % 11 === 0 ? null : (i % 6) / 2)) },
      { name: 'idict', type: 'INT64', optional: false, dictionary: true, values: values((i) => (i % 300) * 1000) },
      { name: 'empty', type: 'DOUBLE', optional: true, values: values(() => null) },
      { name: 's', type: 'UTF8', optional: true, values: texts((i) => (i % 6 === 0 ? null : `é${i}`)) },
      { name: 'sdict', type: 'UTF8', optional: false, dictionary: true, values: texts((i) => ['a', 'bb', ''][i % 3]!) },
    ];
    const file = path.join(dir, `by-hand-${v2}.parquet`);
    writeByHand(file, columns, { groupRows: 400, pageRows: 75, v2 });
    const read = await expectSameAsDuckDB(file);
    const cell = (v: number | Uint8Array | null) =>
      v === null ? null : typeof v === 'number' ? Math.fround(v) : new TextDecoder().decode(v);
    expect(read.rows.map((row) => row.map((v) => (typeof v === 'number' ? Math.fround(v) : v)))).toEqual(
      Array.from({ length: n }, (_, r) => columns.map((c) => cell(c.values[r]!))),
    );
  });

  it.each([
    ['zstd compression', `SELECT i::DOUBLE AS a FROM range(10) t(i)`, 'COMPRESSION zstd', /ZSTD compression/],
    ['gzip compression', `SELECT i::DOUBLE AS a FROM range(10) t(i)`, 'COMPRESSION gzip', /GZIP compression/],
    ['a BLOB column', `SELECT i::DOUBLE AS a, ('x' || i)::BLOB AS s FROM range(10) t(i)`, 'COMPRESSION snappy', /"s" is binary, not text/],
    ['a list column', `SELECT i::DOUBLE AS a, [i, i + 1]::DOUBLE[] AS v FROM range(10) t(i)`, 'COMPRESSION snappy', /nested schema/],
    ['a struct column', `SELECT {'p': i} AS s FROM range(10) t(i)`, 'COMPRESSION snappy', /nested schema/],
    [
      'a decimal column',
      `SELECT (i / 4)::DECIMAL(9, 2) AS m FROM range(10) t(i)`,
      'COMPRESSION snappy',
      /"m" has a (logical|converted) type/,
    ],
    ['a date column', `SELECT DATE '2020-01-01' + i::INTEGER AS t FROM range(10) t(i)`, 'COMPRESSION snappy', /"t" has a/],
    [
      'BYTE_STREAM_SPLIT doubles (PARQUET_VERSION V2)',
      `SELECT i::DOUBLE * 1.5 AS a FROM range(100) t(i)`,
      'PARQUET_VERSION V2',
      /encoding 9/,
    ],
  ])('leaves a file with %s to DuckDB, which reads it as before', async (_, select, options, reason) => {
    const file = await duckdbFile(select, options);
    const layout = parquetLayout(file);
    expect('unsupported' in layout ? layout.unsupported : 'fast').toMatch(reason);
    const fromDuckDB = await rowsOf((sink) => readParquetWithDuckDB(file, sink));
    expect(fromDuckDB.rows).toHaveLength(10 * (select.includes('range(100)') ? 10 : 1));
    expect(await rowsOf((sink) => readParquet(file, sink))).toEqual(fromDuckDB);
  });

  it('binds the same arrays, masks and skipped rows as the DuckDB path', async () => {
    const file = await duckdbFile(ALL_TYPES, 'COMPRESSION snappy, ROW_GROUP_SIZE 2048');
    const result = compile(
      'm.mtl',
      `model M {
        input x: float[4] from ["f", "i16", "i32", "u8"]
        input k: float
        head label = x -> classify(3)
        head b = x -> binary()
        head i8 = x -> regress(1)
      }`,
    );
    expect(result.diagnostics.filter((d) => d.severity === 'error')).toEqual([]);
    const model = result.models[0]!;
    const options = { skipBadRows: true };
    const fast = await loadDataset(model, file, options);
    const slow = await bindRows(model, file, 'parquet', options, async (sink) => {
      await readParquetWithDuckDB(file, sink);
    });
    expect(fast.skipped).toBeGreaterThan(0);
    expect(fingerprint(fast)).toEqual(fingerprint(slow));
  });

  it('binds a wide file a group of columns at a time as the DuckDB path binds it, row groups with NULLs, bad ids or huge values read by rows', async () => {
    // 40 input columns after a text column (several groups, none aligned with the file's columns),
    // three of them read again by a second input; row groups 3–5 hold a row the row path reports.
    const inputs = Array.from(
      { length: 40 },
      (_, k) =>
        `CASE WHEN ${k} = 17 AND i BETWEEN 4100 AND 4105 THEN NULL WHEN ${k} = 33 AND i = 9000 THEN 1e300
          ELSE (i * ${k + 1}) % 1000 / 7.0 END::DOUBLE AS c${k}`,
    );
    const file = await duckdbFile(
      `SELECT 'row ' || i AS s, ${inputs.join(', ')},
        CASE WHEN i % 97 = 5 THEN NULL WHEN i = 6500 THEN 7 ELSE i % 3 END::BIGINT AS label
      FROM range(10000) t(i)`,
      'COMPRESSION snappy, ROW_GROUP_SIZE 2048',
    );
    const model = compile(
      'm.mtl',
      `model M {
        input x: float[40] from "c0".."c39"
        input y: float[3] from ["c5", "c39", "c0"]
        head label = x -> classify(3)
      }`,
    ).models[0]!;
    for (const skipBadRows of [true, false]) {
      const bound: boolean[] = [];
      const fast = await bindRows(model, file, 'parquet', { skipBadRows }, async (sink) => {
        const columnar = sink.columnar!.bind(sink);
        sink.columnar = (numbers) => {
          const columns = columnar(numbers)!;
          return { ...columns, pass: (rows) => bound[bound.push(columns.pass(rows)) - 1]! };
        };
        await readParquet(file, sink);
      }).catch((e: unknown) => e);
      const slow = await bindRows(model, file, 'parquet', { skipBadRows }, async (sink) => {
        await readParquetWithDuckDB(file, sink);
      }).catch((e: unknown) => e);
      // Row groups 1 and 2 bound from whole columns; the others read again by rows.
      expect(bound).toEqual([true, true, false, false, false]);
      if (skipBadRows) {
        expect((fast as BoundData).skipped).toBe(8);
        expect(fingerprint(fast as BoundData)).toEqual(fingerprint(slow as BoundData));
      } else {
        expect(fast).toBeInstanceOf(DataErrors);
        expect(fast).toEqual(slow);
      }
    }
  });

  it('binds a row group whose columns are too large to read ahead as the DuckDB path binds it', async () => {
    // 8 columns of 300,000 doubles: a group of 19 MB, beyond READ_AHEAD_BYTES, read as decoded.
    const columns = Array.from({ length: 8 }, (_, k) => `(i * ${k + 3})::DOUBLE / 7 AS c${k}`);
    const file = await duckdbFile(
      `SELECT ${columns.join(', ')}, i % 4 AS label FROM range(300000) t(i)`,
      'COMPRESSION uncompressed, ROW_GROUP_SIZE 300000',
    );
    const model = compile('m.mtl', 'model M {\n  input x: float[8] from "c0".."c7"\n  head label = x -> classify(4)\n}').models[0]!;
    const fast = await loadDataset(model, file);
    const slow = await bindRows(model, file, 'parquet', {}, async (sink) => {
      await readParquetWithDuckDB(file, sink);
    });
    expect(fingerprint(fast)).toEqual(fingerprint(slow));
  });

  it('reads random tables of numbers, booleans and NULLs as DuckDB does', async () => {
    const types = ['DOUBLE', 'FLOAT', 'INTEGER', 'BIGINT', 'BOOLEAN', 'SMALLINT'] as const;
    const literal = (type: (typeof types)[number], x: number): string =>
      type === 'BOOLEAN' ? String(x > 0) : type === 'DOUBLE' || type === 'FLOAT' ? `${x}::${type}` : `${Math.trunc(x)}::${type}`;
    const table = fc.record({
      types: fc.array(fc.constantFrom(...types), { minLength: 1, maxLength: 5 }),
      rows: fc.integer({ min: 1, max: 3000 }),
      nulls: fc.double({ min: 0, max: 1, noNaN: true }),
      seed: fc.integer(),
      compression: fc.constantFrom('snappy', 'uncompressed'),
      groupRows: fc.constantFrom(2048, 4096, 122880),
    });
    await fc.assert(
      fc.asyncProperty(table, async ({ types: columns, rows, nulls, seed, compression, groupRows }) => {
        let state = seed >>> 0;
        const random = () => {
          state = (Math.imul(state, 1664525) + 1013904223) >>> 0;
          return state / 2 ** 32;
        };
        const values = Array.from({ length: rows }, () =>
          columns
            .map((type) => {
              if (random() < nulls) return `NULL::${type}`;
              const x = random() < 0.5 ? (random() - 0.5) * 200 : (random() - 0.5) * 2 ** (random() * 60);
              return literal(
                type,
                type === 'SMALLINT' ? x % 30000 : type === 'INTEGER' ? x % 2 ** 31 : random() < 0.3 ? Math.round(x % 5) : x,
              );
            })
            .join(', '),
        );
        const names = columns.map((_, k) => `c${k}`).join(', ');
        const file = await duckdbFile(
          `SELECT * FROM (VALUES (${values.join('), (')})) t(${names})`,
          `COMPRESSION ${compression}, ROW_GROUP_SIZE ${groupRows}`,
        );
        await expectSameAsDuckDB(file);
      }),
      { numRuns: 20, seed: 7 },
    );
  });
});

describe('a broken Parquet file', () => {
  it('with text that is not UTF-8 is a DataErrors naming the file, from DuckDB in the first rows and from mtl after them', async () => {
    const m = compile('m.mtl', 'model M {\n  input x: float\n  head s = x -> classify(2) { classes: ["a", "b"] }\n}').models[0]!;
    const bad = new Uint8Array([0x61, 0xff]);
    const write = (file: string, at: number): string => {
      const values = Array.from({ length: 20 }, (_, i) => (i === at ? bad : new TextEncoder().encode('ab'[i % 2]!)));
      const x = Array.from({ length: 20 }, (_, i) => i);
      writeByHand(
        file,
        [
          { name: 'x', type: 'DOUBLE', optional: false, values: x },
          { name: 's', type: 'UTF8', optional: true, values },
        ],
        { groupRows: 10, pageRows: 10 },
      );
      return file;
    };
    const first = write(path.join(dir, 'bad-text-first.parquet'), 3);
    const fromDuckDB = await bindRows(m, first, 'parquet', {}, async (sink) => {
      await readParquetWithDuckDB(first, sink);
    }).catch((e: unknown) => e);
    expect(fromDuckDB).toBeInstanceOf(DataErrors);
    expect(await loadDataset(m, first).catch((e: unknown) => e)).toEqual(fromDuckDB);
    const later = write(path.join(dir, 'bad-text-later.parquet'), 13);
    const error = (await loadDataset(m, later).catch((e: unknown) => e)) as DataErrors;
    expect(error.problems.map((p) => p.message)).toEqual([
      `${later}: cannot read the file as Parquet: column "s", row group 2: text that is not UTF-8`,
    ]);
  });

  const model = () => compile('m.mtl', 'model M {\n  input x: float[2] from ["a", "b"]\n  head c = x -> classify(3)\n}').models[0]!;
  const table = `SELECT i::DOUBLE / 2 AS a, (i % 9 - 4)::DOUBLE AS b, i % 3 AS c, 'row ' || i AS s FROM range(10000) t(i)`;

  it('cut short is a DataErrors naming the file (DuckDB reads what has no footer)', async () => {
    const whole = await duckdbFile(table, 'COMPRESSION snappy, ROW_GROUP_SIZE 2048');
    const bytes = fs.readFileSync(whole);
    for (const size of [0, 3, 100, bytes.length >> 1, bytes.length - 9, bytes.length - 1]) {
      const file = path.join(dir, `cut-${size}.parquet`);
      fs.writeFileSync(file, bytes.subarray(0, size));
      const error = await loadDataset(model(), file).catch((e: unknown) => e);
      expect(error, `cut at ${size}`).toBeInstanceOf(DataErrors);
      expect((error as DataErrors).message).toContain(file);
    }
  });

  it('with a broken page after the first rows is a DataErrors naming the file, the column and the row group', async () => {
    const file = await duckdbFile(table, 'COMPRESSION snappy, ROW_GROUP_SIZE 2048');
    const layout = parquetLayout(file);
    if (!('layout' in layout)) throw new Error(layout.unsupported);
    const chunk = layout.layout.rowGroups[2]!.chunks[1]!;
    const bytes = fs.readFileSync(file);
    bytes.fill(0xff, chunk.start, chunk.start + 4);
    fs.writeFileSync(file, bytes);
    const error = (await loadDataset(model(), file).catch((e: unknown) => e)) as DataErrors;
    expect(error).toBeInstanceOf(DataErrors);
    expect(error.problems.map((p) => p.message)).toEqual([
      expect.stringMatching(new RegExp(`^${file}: cannot read the file as Parquet: column "b", row group 3: `)),
    ]);
  });

  it('with a footer of lists nested without end, or row groups that are not structs, is left to DuckDB, which reports it', async () => {
    const footers = {
      // FileMetaData field 1, a list of lists of lists …
      deep: Buffer.alloc(100_000, 0x19),
      // FileMetaData: field 2, a schema of one root without children; field 4 (row groups), a list of one i32.
      flat: Buffer.from([0x29, 0x1c, 0x55, 0x00, 0x00, 0x29, 0x15, 0x02, 0x00]),
    };
    for (const [name, footer] of Object.entries(footers)) {
      const file = path.join(dir, `footer-${name}.parquet`);
      const length = Buffer.alloc(4);
      length.writeUInt32LE(footer.length);
      fs.writeFileSync(file, Buffer.concat([Buffer.from('PAR1'), footer, length, Buffer.from('PAR1')]));
      expect(parquetLayout(file)).toEqual({
        unsupported: name === 'deep' ? 'metadata nested too deeply' : 'field 4 is not a list of structs',
      });
      expect(await loadDataset(model(), file).catch((e: unknown) => e), name).toBeInstanceOf(DataErrors);
    }
  });

  it('with random bytes anywhere binds or is a DataErrors naming the file, and never hangs or throws anything else', async () => {
    const whole = fs.readFileSync(await duckdbFile(table, 'COMPRESSION snappy, ROW_GROUP_SIZE 2048'));
    await fc.assert(
      fc.asyncProperty(fc.integer({ min: 0, max: whole.length - 1 }), fc.uint8Array({ minLength: 1, maxLength: 16 }), async (at, noise) => {
        const file = path.join(dir, 'noise.parquet');
        const bytes = Buffer.from(whole);
        bytes.set(noise.subarray(0, bytes.length - at), at);
        fs.writeFileSync(file, bytes);
        const outcome = await loadDataset(model(), file).catch((e: unknown) => e);
        if (outcome instanceof Error) {
          expect(outcome).toBeInstanceOf(DataErrors);
          expect(outcome.message).toContain(file);
        }
      }),
      { numRuns: 60, seed: 11 },
    );
  });
});
