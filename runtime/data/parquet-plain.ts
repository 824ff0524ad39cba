/**
 * mtl's own reader for the Parquet files it meets most: flat columns of numbers, booleans and
 * text, uncompressed or Snappy, PLAIN or dictionary encoded (parquet-layout.ts decides from the
 * footer). It hands the rows to the binder in blocks of whole columns, as DuckDB's chunks are,
 * with the same cells: integers as DuckDB's CAST to DOUBLE, booleans 1 and 0, floats as float32,
 * text as strings, NULL as a cleared bit of the block's validity mask (null among text). A sink
 * that takes whole number columns (the binder, for most models) is handed a row group a group of
 * columns at a time instead, so that only that group's pages are held. parquet.ts reads every
 * other file with DuckDB.
 *
 * Why: binding the benchmark file (docs/performance.md) through DuckDB took 3.7–9 s, most of it
 * DuckDB materializing chunks; read this way, a page is one read and (Snappy) a few native
 * copies, and doubles are handed to the binder where they lie.
 */
import { closeSync, openSync, read } from 'node:fs';
import { promisify } from 'node:util';
import { DataError, DataErrors } from './errors.js';
import type { ChunkLayout, ParquetLayout, RowGroupLayout } from './parquet-layout.js';
import { ChunkBytes, ColumnPages, FileBytes, PageBuffers, PageUnsupported } from './parquet-pages.js';
import { ParquetCorrupt } from './parquet-thrift.js';
import { type Cells, COLUMN_GROUP, type ColumnSink, handBlock, type NumberColumn, present, type RowSink } from './rows.js';

/**
 * Rows a block holds at most: small enough that the binder's copy of a block's columns into its
 * row-major arrays stays in the cache.
 */
const BLOCK_ROWS = 4096;

const readAt = promisify(read);

/** The cells of row `row` of the current block: a number column's, or a text column's. */
class BlockCells implements Cells {
  row = 0;
  numbers: readonly (NumberColumn | undefined)[] = [];
  texts: readonly (readonly (string | null)[] | undefined)[] = [];

  get length(): number {
    return this.numbers.length;
  }

  number(k: number): number {
    const column = this.numbers[k];
    if (column === undefined) return Number.NaN;
    return present(column, this.row) ? column.items[this.row]! : Number.NaN;
  }

  value(k: number): unknown {
    const column = this.numbers[k];
    const r = this.row;
    if (column === undefined) return this.texts[k]![r];
    return present(column, r) ? column.items[r]! : null;
  }
}

/** Rows `from…to` of the current page of `pages` as a block's number column. */
function blockNumbers(pages: ColumnPages, from: number, to: number): NumberColumn | undefined {
  if (pages.column.kind === 'string') return undefined;
  const a = from - pages.pageStart;
  const b = to - pages.pageStart;
  const items = pages.values.subarray(a, b);
  if (pages.nulls === 0) return { items, valid: undefined };
  const present = pages.present;
  const valid = new Uint8Array((b - a + 7) >> 3);
  let all = true;
  for (let r = a; r < b; r++) {
    if (present[r] === 1) valid[(r - a) >> 3]! |= 1 << ((r - a) & 7);
    else all = false;
  }
  return { items, valid: all ? undefined : valid };
}

/** Rows `from…to` of the current page of `pages` as a block's text column. */
function blockTexts(pages: ColumnPages, from: number, to: number): readonly (string | null)[] | undefined {
  return pages.column.kind === 'string' ? pages.texts.slice(from - pages.pageStart, to - pages.pageStart) : undefined;
}

/**
 * Bytes of a group's column chunks read ahead at most: a group of the benchmark file's (8 columns
 * of 1 MB) is; one of a file written in a few huge row groups is not, and is read as decoded.
 */
const READ_AHEAD_BYTES = 16 << 20;

/** Column chunks being read ahead: each one's bytes, or undefined for one to be read as it is decoded; undefined for all of them. */
type Chunks = Promise<readonly (ChunkBytes | undefined)[]> | undefined;

/** Fills `target` from the file at `position` on a thread of libuv's pool; false when the file ends first or the read fails. */
async function fillAt(fd: number, target: Uint8Array, position: number): Promise<boolean> {
  try {
    for (let done = 0; done < target.length; ) {
      const { bytesRead } = await readAt(fd, target, done, target.length - done, position + done);
      if (bytesRead === 0) return false;
      done += bytesRead;
    }
    return true;
  } catch {
    return false;
  }
}

/**
 * Reads the column chunks of the next group of columns while the sink copies the current group's
 * values: the kernel's copy of the file, a third of the reader's time or more, then runs on a
 * thread beside the main one. Two buffers, one read into while the other is decoded from, reused
 * throughout.
 */
class ReadAhead {
  private readonly buffers = [new Uint8Array(0), new Uint8Array(0)];
  private turn = 0;

  constructor(private readonly fd: number) {}

  /**
   * Starts reading `chunks` into the buffer not being decoded from; each chunk's bytes, or
   * undefined for a chunk the file does not hold whole (it is then read as it is decoded, and
   * found broken there). Undefined when the chunks are too large to be read ahead.
   */
  read(chunks: readonly ChunkLayout[]): Chunks {
    const size = chunks.reduce((sum, chunk) => sum + chunk.end - chunk.start, 0);
    if (size > READ_AHEAD_BYTES) return undefined;
    this.turn ^= 1;
    if (this.buffers[this.turn]!.length < size) this.buffers[this.turn] = new Uint8Array(Math.ceil(size * 1.02));
    const buffer = this.buffers[this.turn]!;
    let at = 0;
    return Promise.all(
      chunks.map(async (chunk) => {
        const bytes = buffer.subarray(at, (at += chunk.end - chunk.start));
        return (await fillAt(this.fd, bytes, chunk.start)) ? new ChunkBytes(chunk.start, bytes) : undefined;
      }),
    );
  }
}

/**
 * Reads a file's row groups into a sink: row by row across every column, each column's page held
 * at once, or, for a sink that takes whole columns (rows.ts, ColumnSink), a group of columns
 * after another, only the group's pages held, in buffers the groups share, and the next group's
 * chunks read ahead.
 */
class PlainReader {
  private readonly columns: readonly ColumnPages[];
  private readonly all: readonly number[];
  /** Each column's own page buffers, for reading across every column at once. */
  private readonly own: readonly PageBuffers[];
  /** Buffers the columns of a group use, the i-th column of every group the same. */
  private readonly shared: PageBuffers[] = [];
  private readonly cells = new BlockCells();
  private readonly file: FileBytes;
  private readonly readAhead: ReadAhead;
  /** The chunks of the next group of columns, being read ahead (undefined: to be read as decoded). */
  ahead: Chunks;
  begun = false;
  /** Where a broken page was met, for the message. */
  group = 0;
  column = 0;
  /** The number of the current row group's first row in the file (1-based). */
  private line = 1;

  constructor(
    private readonly layout: ParquetLayout,
    private readonly sink: RowSink,
    fd: number,
  ) {
    this.columns = layout.columns.map((column) => new ColumnPages(column));
    this.all = this.columns.map((_, k) => k);
    this.own = this.columns.map(() => new PageBuffers());
    this.file = new FileBytes(fd);
    this.readAhead = new ReadAhead(fd);
  }

  async read(): Promise<void> {
    // A sink that may take whole columns is given the header before any page is held; every
    // column's first page is decoded (and dropped) before that all the same, so that a file the
    // reader cannot read is still left to DuckDB before the sink has been given anything.
    if (this.sink.columnar !== undefined) {
      await this.checkFirstPages();
      this.begin();
    }
    const columnar = this.sink.columnar?.((k) => this.layout.columns[k]!.kind !== 'string');
    // Columns the sink does not read are decoded all the same, one at a time, for the same errors.
    const read = new Set(columnar?.groups.flat());
    const groups = columnar === undefined ? [] : [...columnar.groups, ...this.all.filter((k) => !read.has(k)).map((k) => [k])];
    this.ahead = this.readGroup(0, groups[0]);
    for (; this.group < this.layout.rowGroups.length; this.group++) {
      const rowGroup = this.layout.rowGroups[this.group]!;
      const next = this.layout.rowGroups[this.group + 1];
      // The next row group's rows made ready in the sink while this one's are copied.
      const prepared = next === undefined ? undefined : columnar?.prepare(rowGroup.rows, next.rows);
      if (columnar === undefined || !(await this.byColumns(rowGroup, columnar, groups))) this.byRows(rowGroup);
      await prepared;
      this.line += rowGroup.rows;
      // Between row groups, timers and signals get their turn, as between a CSV file's reads.
      await new Promise((resolve) => setImmediate(resolve));
    }
    if (!this.begun) this.begin();
  }

  private begin(): void {
    this.begun = true;
    this.sink.expectRows?.(this.layout.rows);
    this.sink.header(
      this.layout.columns.map((c) => c.name),
      undefined,
    );
  }

  /**
   * Decodes the pages of the first row group that has rows up to its first row, COLUMN_GROUP
   * columns at a time, read ahead as a sink's groups are.
   */
  private async checkFirstPages(): Promise<void> {
    const first = this.layout.rowGroups.findIndex((group) => group.rows > 0);
    if (first < 0) return;
    const groups: number[][] = [];
    for (let k = 0; k < this.all.length; k += COLUMN_GROUP) groups.push(this.all.slice(k, k + COLUMN_GROUP));
    const { rows } = this.layout.rowGroups[first]!;
    this.ahead = this.readGroup(first, groups[0]);
    await this.byGroups(first, groups, undefined, (keys) => this.seek(keys, 0, rows));
  }

  /** The i-th buffers of a group's columns. */
  private sharedBuffers(i: number): PageBuffers {
    this.shared[i] ??= new PageBuffers();
    return this.shared[i];
  }

  /** Starts reading ahead the chunks of columns `keys` of row group `group`, when there are such. */
  private readGroup(group: number, keys: readonly number[] | undefined): Chunks {
    const rowGroup = this.layout.rowGroups[group];
    return rowGroup === undefined || keys === undefined ? undefined : this.readAhead.read(keys.map((k) => rowGroup.chunks[k]!));
  }

  /**
   * Decodes the pages of columns `keys` that hold row `row` of a row group of `rows`; returns the
   * end of the block from `row`: BLOCK_ROWS on at most, and no further than any of those pages.
   */
  private seek(keys: readonly number[], row: number, rows: number): number {
    let end = Math.min(rows, row + BLOCK_ROWS);
    for (const k of keys) {
      this.column = k;
      const pages = this.columns[k]!;
      pages.seek(row);
      end = Math.min(end, pages.pageStart + pages.pageRows);
    }
    return end;
  }

  /** Hands a row group to the sink in blocks of rows, every column's page held at once. */
  private byRows({ rows: groupRows, chunks }: RowGroupLayout): void {
    this.columns.forEach((pages, k) => {
      pages.startChunk(chunks[k]!, groupRows, this.file, this.own[k]!);
    });
    for (let row = 0; row < groupRows; ) {
      const end = this.seek(this.all, row, groupRows);
      if (!this.begun) this.begin();
      const numbers = this.columns.map((pages) => blockNumbers(pages, row, end));
      this.cells.numbers = numbers;
      this.cells.texts = this.columns.map((pages) => blockTexts(pages, row, end));
      handBlock(this.sink, { format: 'parquet', line: this.line + row, rows: end - row, cells: this.cells, numbers: (k) => numbers[k] });
      row = end;
    }
  }

  /**
   * Hands row group `this.group` to `sink` a group of columns at a time (the sink's `groups`, then
   * the others, to be decoded only); returns whether the sink bound its rows (else they are to be
   * read by rows).
   */
  private async byColumns({ rows }: RowGroupLayout, sink: ColumnSink, groups: readonly (readonly number[])[]): Promise<boolean> {
    await this.byGroups(this.group, groups, groups[0], (keys, group) => {
      for (let from = 0; from < rows; ) {
        const end = this.seek(keys, from, rows);
        if (group < sink.groups.length) {
          sink.columns({ group, from, rows: end - from, numbers: (k) => blockNumbers(this.columns[k]!, from, end)! });
        }
        from = end;
      }
    });
    return sink.pass(rows);
  }

  /**
   * Starts the columns of each of `groups` of row group `index` on their chunks in turn, and
   * `decode`s them; each group's chunks are read ahead while the one before is decoded, and after
   * the last, the chunks of columns `after` of the next row group.
   */
  private async byGroups(
    index: number,
    groups: readonly (readonly number[])[],
    after: readonly number[] | undefined,
    decode: (keys: readonly number[], group: number) => void,
  ): Promise<void> {
    const { rows, chunks } = this.layout.rowGroups[index]!;
    for (let group = 0; group < groups.length; group++) {
      const keys = groups[group]!;
      const read = await this.ahead;
      this.ahead = group + 1 < groups.length ? this.readGroup(index, groups[group + 1]) : this.readGroup(index + 1, after);
      keys.forEach((k, i) => {
        this.columns[k]!.startChunk(chunks[k]!, rows, read?.[i] ?? this.file, this.sharedBuffers(i));
      });
      decode(keys, group);
    }
  }
}

/**
 * Streams the rows of `file`, laid out as `layout` says, into `sink`, as readParquet does. Returns
 * whether the file held any row, or undefined when it must be read by DuckDB instead: a page the
 * footer did not announce, or a broken one, met before the sink was given anything (after that, a
 * broken page is a `DataErrors`).
 */
export async function readPlainParquet(file: string, layout: ParquetLayout, sink: RowSink): Promise<boolean | undefined> {
  const fd = openSync(file, 'r');
  const reader = new PlainReader(layout, sink, fd);
  try {
    await reader.read();
    return layout.rows > 0;
  } catch (error) {
    if (!(error instanceof ParquetCorrupt || error instanceof PageUnsupported)) throw error;
    if (!reader.begun) return undefined;
    const where = `column "${layout.columns[reader.column]?.name}", row group ${reader.group + 1}`;
    throw new DataErrors([new DataError(file, undefined, undefined, `cannot read the file as Parquet: ${where}: ${error.message}`)]);
  } finally {
    // A read ahead still running reads from the descriptor, which is closed once it ends.
    await reader.ahead;
    closeSync(fd);
  }
}
