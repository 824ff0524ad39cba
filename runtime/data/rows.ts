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
  /** A line that is not a row: ragged CSV, broken quoting, invalid JSON, a JSON value that is not an object. */
  malformed(problem: DataError): void;
}
