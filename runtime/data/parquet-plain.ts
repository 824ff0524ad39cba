/**
 * mtl's own reader for the Parquet files it meets most: flat columns of numbers, booleans and
 * text, uncompressed or Snappy, PLAIN or dictionary encoded (parquet-layout.ts decides from the
 * footer). It hands the rows to the binder in blocks of whole columns, as DuckDB's chunks are,
 * with the same cells: integers as DuckDB's CAST to DOUBLE, booleans 1 and 0, floats as float32,
 * text as strings, NULL as a cleared bit of the block's validity mask (null among text).
 * parquet.ts reads every other file with DuckDB.
 *
 * Why: binding the benchmark file (docs/performance.md) through DuckDB took 3.7–9 s, most of it
 * DuckDB materializing chunks; read this way, a page is one read and (Snappy) a few native
 * copies, and doubles are handed to the binder where they lie.
 */
import { closeSync, openSync } from 'node:fs';
import { DataError, DataErrors } from './errors.js';
import type { ParquetLayout } from './parquet-layout.js';
import { ColumnPages, FileBytes, PageUnsupported } from './parquet-pages.js';
import { ParquetCorrupt } from './parquet-thrift.js';
import { type Cells, handBlock, type NumberColumn, present, type RowSink } from './rows.js';

/**
 * Rows a block holds at most: small enough that the binder's copy of a block's columns into its
 * row-major arrays stays in the cache.
 */
const BLOCK_ROWS = 4096;

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
 * Streams the rows of `file`, laid out as `layout` says, into `sink`, as readParquet does. Returns
 * whether the file held any row, or undefined when it must be read by DuckDB instead: a page the
 * footer did not announce, or a broken one, met before any row was handed over (after that, a
 * broken page is a `DataErrors`).
 */
export async function readPlainParquet(file: string, layout: ParquetLayout, sink: RowSink): Promise<boolean | undefined> {
  const fd = openSync(file, 'r');
  const bytes = new FileBytes(fd);
  const columns = layout.columns.map((column) => new ColumnPages(column, bytes));
  const cells = new BlockCells();
  let begun = false;
  const begin = (): void => {
    begun = true;
    sink.expectRows?.(layout.rows);
    sink.header(
      layout.columns.map((c) => c.name),
      undefined,
    );
  };
  let line = 1;
  // Where a broken page was met, for the message.
  let group = 0;
  let column = 0;
  try {
    for (; group < layout.rowGroups.length; group++) {
      const { rows: groupRows, chunks } = layout.rowGroups[group]!;
      columns.forEach((pages, k) => {
        pages.startChunk(chunks[k]!, groupRows);
      });
      for (let row = 0; row < groupRows; ) {
        let end = Math.min(groupRows, row + BLOCK_ROWS);
        for (column = 0; column < columns.length; column++) {
          const pages = columns[column]!;
          pages.seek(row);
          end = Math.min(end, pages.pageStart + pages.pageRows);
        }
        if (!begun) begin();
        const numbers = columns.map((pages) => blockNumbers(pages, row, end));
        cells.numbers = numbers;
        cells.texts = columns.map((pages) => blockTexts(pages, row, end));
        const rows = end - row;
        handBlock(sink, { format: 'parquet', line, rows, cells, numbers: (k) => numbers[k] });
        line += rows;
        row = end;
      }
      // Between row groups, timers and signals get their turn, as between a CSV file's reads.
      await new Promise((resolve) => setImmediate(resolve));
    }
    if (!begun) begin();
    return layout.rows > 0;
  } catch (error) {
    if (!(error instanceof ParquetCorrupt || error instanceof PageUnsupported)) throw error;
    if (!begun) return undefined;
    const where = `column "${layout.columns[column]?.name}", row group ${group + 1}`;
    throw new DataErrors([new DataError(file, undefined, undefined, `cannot read the file as Parquet: ${where}: ${error.message}`)]);
  } finally {
    closeSync(fd);
  }
}
