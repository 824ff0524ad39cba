/** What a reader of a data file hands to the binder (bind.ts): a header, rows, and rows it cannot read. */
import type { DataError } from './errors.js';

/** The cells of the current row of a CSV or Parquet file; valid until the next row is read. */
export interface Cells {
  readonly length: number;
  /** Cell `k` as the binder reads it: CSV text, or a Parquet number, string, list or null. */
  value(k: number): unknown;
  /** Cell `k` when it is a plain number, read without making a string of it; NaN otherwise. */
  number(k: number): number;
}

/** A column of numbers of a block of rows, and which rows hold one (bit r of `valid` set; undefined: all of them). */
export interface NumberColumn {
  readonly items: ArrayLike<number>;
  /** DuckDB's validity mask, least significant bit first. */
  readonly valid: Uint8Array | undefined;
}

/** Whether row `r` of `column` holds a value (is not NULL). */
export function present(column: NumberColumn, r: number): boolean {
  return column.valid === undefined || ((column.valid[r >> 3]! >> (r & 7)) & 1) === 1;
}

/**
 * Rows held column by column (a Parquet chunk): the numbers of a column in one array, so that a
 * binder can copy a whole column at once; `cells` gives the cells of row `cells.row` as well.
 */
export interface RowBlock {
  readonly format: 'parquet';
  /** The number of the block's first row in the file (1-based). */
  readonly line: number;
  readonly rows: number;
  readonly cells: Cells & { row: number };
  /** Column `k`'s numbers, or undefined when it does not hold numbers. */
  numbers(k: number): NumberColumn | undefined;
}

/**
 * Whole columns of some rows, one group of a ColumnSink's columns: part of a pass that a
 * column-major reader (parquet-plain.ts) makes over the same rows once for each group, so that it
 * holds only one group's pages at a time.
 */
export interface ColumnPart {
  /** Which of the sink's `groups` the columns are. */
  readonly group: number;
  /** The part's first row, counted from the first row of the pass. */
  readonly from: number;
  readonly rows: number;
  /** Column `k`'s numbers, for each column `k` of the group. */
  numbers(k: number): NumberColumn;
}

/**
 * Columns a column-major reader holds at once (a ColumnSink's groups, and the first pages the reader
 * checks): copyColumnsInto's eight, few enough that their pages, and the next group's read ahead,
 * are small beside the bound arrays (16 took 5% more memory on the benchmark file, and was no faster).
 */
export const COLUMN_GROUP = 8;

/** A sink's side of column-major reading: rows bound from whole number columns, handed a group of columns at a time. */
export interface ColumnSink {
  /** The columns it reads, in the groups to hand them over in. */
  readonly groups: readonly (readonly number[])[];
  /** Puts a group's columns of some rows in place, without binding the rows yet. */
  columns(part: ColumnPart): void;
  /**
   * Rows `from…from + rows` of those after the current pass's first are to come: their memory may
   * be made ready meanwhile, and is once the promise settles (it never rejects).
   */
  prepare(from: number, rows: number): Promise<void>;
  /**
   * Ends a pass over `rows` rows, each group handed over: binds the rows and returns true, or
   * returns false when some row needs its cells (a NULL, a value out of range), and the reader
   * hands the same rows again as blocks.
   */
  pass(rows: number): boolean;
}

/** Hands `block` to `sink`: whole, or row by row to a sink without `block`. */
export function handBlock(sink: RowSink, block: RowBlock): void {
  if (sink.block !== undefined) sink.block(block);
  else {
    for (let r = 0; r < block.rows; r++) {
      block.cells.row = r;
      sink.row({ format: block.format, line: block.line + r, cells: block.cells });
    }
  }
}

/** One row of a file, with the line (CSV, JSONL) or row number (Parquet) it starts on. */
export type Row =
  | { readonly format: 'csv' | 'parquet'; readonly line: number; readonly cells: Cells }
  | { readonly format: 'jsonl'; readonly line: number; readonly record: Readonly<Record<string, unknown>> };

/** Receives a file's contents in order. Throwing from a callback stops the read and rejects it. */
export interface RowSink {
  /** CSV and Parquet: the column names, once, before any row. */
  header(names: readonly string[], line: number | undefined): void;
  /** Before anything else, for a file on disk: at least as many as its rows, to allocate once. */
  expectRows?(rows: number): void;
  row(row: Row): void;
  /** Rows held column by column; a sink without this method is handed them row by row. */
  block?(block: RowBlock): void;
  /**
   * After the header: a ColumnSink, when every value the sink reads comes from columns for which
   * `numbers(k)` holds (number columns) and can be taken whole; undefined when rows must be read.
   */
  columnar?(numbers: (k: number) => boolean): ColumnSink | undefined;
  /** A line that is not a row: ragged CSV, broken quoting, invalid JSON, a JSON value that is not an object. */
  malformed(problem: DataError): void;
}
