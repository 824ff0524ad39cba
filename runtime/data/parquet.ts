/**
 * Parquet files. A file of flat number, boolean and text columns, uncompressed or Snappy, PLAIN or
 * dictionary encoded (what parquet-layout.ts accepts from its footer) is read by mtl's own reader,
 * parquet-plain.ts: on the benchmark file it binds in 1.0–2.5 s where DuckDB's path took 3.7–9.3 s,
 * and it holds the pages of a few columns rather than DuckDB's row group a thread (docs/data.md). Every
 * other file is read through DuckDB, which reads every encoding, compression and nested type of
 * the format (an earlier general pure-JavaScript reader, hyparquet, was three times slower than
 * DuckDB and used three times the memory). Both give the same cells; writing is DuckDB's.
 *
 * Column types map as a user of pandas or Keras expects: integers, floats and decimals are numbers;
 * booleans are 1 and 0; strings are strings; a list or array column is a list of numbers (a
 * `float[n]` input reads it whole, a multilabel or tag head reads its ids); NULL is a missing
 * value; dates, times and everything else are their text, which a numeric input reports as not a
 * number. Rows are numbered from 1 in error messages, as lines are in CSV and JSONL.
 */
import type { DuckDBConnection, DuckDBDataChunk, DuckDBVector } from '@duckdb/node-api';
import { DataError, DataErrors } from './errors.js';
import { parquetLayout } from './parquet-layout.js';
import { readPlainParquet } from './parquet-plain.js';
import { type Cells, handBlock, type NumberColumn, present, type RowSink } from './rows.js';

/** How a column of a DuckDB type is selected, so that what comes back is one of a few kinds. */
function selection(name: string, type: string): string {
  const column = `"${name.replaceAll('"', '""')}"`;
  if (type === 'FLOAT' || type === 'DOUBLE') return column;
  if (/^(U?(TINY|SMALL|BIG|HUGE)?INT(EGER)?|DECIMAL.*)$/.test(type)) return `CAST(${column} AS DOUBLE)`;
  if (type === 'BOOLEAN') return `CAST(${column} AS TINYINT)`;
  if (/\[\d*\]$/.test(type)) return `CAST(${column} AS DOUBLE[])`;
  return type === 'VARCHAR' ? column : `CAST(${column} AS VARCHAR)`;
}

/** The numbers of `vector` when it holds numbers (DOUBLE, FLOAT, TINYINT as selected), else undefined. */
function numbersOf(vector: DuckDBVector): NumberColumn | undefined {
  const items = (vector as unknown as { items?: ArrayLike<number> }).items;
  if (items === undefined || typeof items[0] === 'bigint' || !ArrayBuffer.isView(items)) return undefined;
  const mask = (vector as unknown as { validity?: { data?: BigUint64Array | null } }).validity?.data;
  const valid = mask ? new Uint8Array(mask.buffer, mask.byteOffset, mask.byteLength) : undefined;
  return { items, valid: valid === undefined || allSet(valid, items.length) ? undefined : valid };
}

/** Whether the first `bits` bits of `mask` are all set (no NULL in the chunk). */
function allSet(mask: Uint8Array, bits: number): boolean {
  const bytes = bits >> 3;
  for (let b = 0; b < bytes; b++) if (mask[b] !== 0xff) return false;
  const rest = bits & 7;
  return rest === 0 || (mask[bytes]! & ((1 << rest) - 1)) === (1 << rest) - 1;
}

/** The cells of one row of a chunk; numbers are read from the vectors' typed arrays without a call into DuckDB. */
class ChunkCells implements Cells {
  private vectors: DuckDBVector[] = [];
  numbers: (NumberColumn | undefined)[] = [];
  row = 0;

  get length(): number {
    return this.vectors.length;
  }

  load(chunk: DuckDBDataChunk): void {
    this.vectors = Array.from({ length: chunk.columnCount }, (_, k) => chunk.getColumnVector(k));
    this.numbers = this.vectors.map(numbersOf);
  }

  number(k: number): number {
    const column = this.numbers[k];
    return column !== undefined && present(column, this.row) ? column.items[this.row]! : Number.NaN;
  }

  value(k: number): unknown {
    const column = this.numbers[k];
    const r = this.row;
    if (column !== undefined) return present(column, r) ? column.items[r]! : null;
    const item = this.vectors[k]!.getItem(r) as unknown;
    if (item === null || typeof item === 'string' || typeof item === 'number') return item;
    const list = (item as { items?: readonly unknown[] }).items;
    return list !== undefined ? [...list] : String(item);
  }
}

async function connect(): Promise<DuckDBConnection> {
  const { DuckDBInstance } = await import('@duckdb/node-api');
  const instance = await DuckDBInstance.create(':memory:');
  return instance.connect();
}

const quoted = (file: string) => `'${file.replaceAll("'", "''")}'`;

/** DuckDB's message, as the problem of reading `file`. */
function readProblem(file: string, error: unknown): DataErrors {
  const message = error instanceof Error ? error.message : String(error);
  const problem = /No files found|No such file/i.test(message)
    ? 'cannot read the file: no such file'
    : /magic bytes|not a parquet|too small to be a parquet/i.test(message)
      ? 'not a Parquet file'
      : `cannot read the file as Parquet: ${message.split('\n')[0]}`;
  return new DataErrors([new DataError(file, undefined, undefined, problem)]);
}

/**
 * Streams the rows of the Parquet file `file` into `sink`: its column names as the header, then
 * each row. Returns whether the file held any row. A file of flat number, boolean and text columns
 * that parquet-layout.ts understands is read by mtl's own reader (parquet-plain.ts), every other by
 * DuckDB.
 */
export async function readParquet(file: string, sink: RowSink): Promise<boolean> {
  const plan = parquetLayout(file);
  if ('layout' in plan) {
    const read = await readPlainParquet(file, plan.layout, sink);
    if (read !== undefined) return read;
  }
  return readParquetWithDuckDB(file, sink);
}

/** readParquet through DuckDB alone. */
export async function readParquetWithDuckDB(file: string, sink: RowSink): Promise<boolean> {
  const connection = await connect();
  try {
    let names: string[];
    let types: string[];
    try {
      const schema = await connection.runAndReadAll(`DESCRIBE SELECT * FROM read_parquet(${quoted(file)})`);
      const rows = schema.getRowObjects();
      names = rows.map((r) => String(r['column_name']));
      types = rows.map((r) => String(r['column_type']));
    } catch (error) {
      throw readProblem(file, error);
    }
    if (sink.expectRows !== undefined) {
      const counted = await connection.runAndReadAll(`SELECT COUNT(*) AS n FROM read_parquet(${quoted(file)})`);
      sink.expectRows(Number(counted.getRowObjects()[0]!['n']));
    }
    sink.header(names, undefined);
    const select = names.map((name, k) => selection(name, types[k]!)).join(', ');
    // Streamed, with the next chunk asked for before this one is bound: DuckDB decodes it on its
    // own threads meanwhile, and never holds more than a few chunks (a materialized result would
    // hold a copy of every column).
    const result = await connection.stream(`SELECT ${select} FROM read_parquet(${quoted(file)})`).catch((error: unknown) => {
      throw readProblem(file, error);
    });
    const fetch = () =>
      result.fetchChunk().catch((error: unknown) => {
        throw readProblem(file, error);
      });
    const cells = new ChunkCells();
    let rows = 0;
    let next = fetch();
    try {
      for (;;) {
        const chunk = await next;
        if (chunk === null || chunk.rowCount === 0) break;
        next = fetch();
        cells.load(chunk);
        handBlock(sink, { format: 'parquet', line: rows + 1, rows: chunk.rowCount, cells, numbers: (k) => cells.numbers[k] });
        rows += chunk.rowCount;
      }
    } finally {
      // Not left running when the sink stopped the read: the connection closes after it.
      await next.catch(() => null);
    }
    return rows > 0;
  } finally {
    connection.closeSync();
  }
}

/** Writes `rows` (records with the same keys, values numbers, strings, lists or null) to the Parquet file `file`. */
export async function writeParquet(
  file: string,
  columns: readonly string[],
  rows: readonly Readonly<Record<string, unknown>>[],
): Promise<void> {
  const connection = await connect();
  try {
    // Through JSON Lines: DuckDB infers each column's type (numbers, strings, lists) the way a reader expects.
    const { mkdtemp, rename, rm, writeFile } = await import('node:fs/promises');
    const { tmpdir } = await import('node:os');
    const path = await import('node:path');
    const dir = await mkdtemp(path.join(tmpdir(), 'mtl-parquet-'));
    try {
      const jsonl = path.join(dir, 'rows.jsonl');
      await writeFile(jsonl, rows.map((r) => JSON.stringify(Object.fromEntries(columns.map((c) => [c, r[c] ?? null])))).join('\n'));
      const select = columns.map((c) => `"${c.replaceAll('"', '""')}"`).join(', ');
      // Into the target's folder first, then renamed over it: readers see the old file or the whole new one.
      const temp = path.join(path.dirname(file), `.${path.basename(file)}.${process.pid}.tmp`);
      await connection.run(
        `COPY (SELECT ${select} FROM read_json(${quoted(jsonl)}, format = 'newline_delimited')) TO ${quoted(temp)} (FORMAT parquet)`,
      );
      await rename(temp, file).catch(async (error: unknown) => {
        await rm(temp, { force: true });
        throw error;
      });
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  } finally {
    connection.closeSync();
  }
}
