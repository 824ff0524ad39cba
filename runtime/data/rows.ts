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
  /** A line that is not a row: ragged CSV, broken quoting, invalid JSON, a JSON value that is not an object. */
  malformed(problem: DataError): void;
}
