/**
 * Reads the rows of a data file one at a time, so that no file is ever held in memory as a list
 * of parsed rows: CSV through mtl's byte-level reader (csv.ts), JSONL line by line. Which format a
 * file has comes from `data { format: … }` or else from its extension (LANGUAGE.md §4, §7).
 */
import { createReadStream } from 'node:fs';
import { createInterface } from 'node:readline';
import { Readable } from 'node:stream';
import { type DataFormat, formatOfExtension } from '../../compiler/index.js';
import { countRows, readCsvBytes } from './csv.js';
import { DataError, DataErrors } from './errors.js';
import { readParquet } from './parquet.js';
import type { RowSink } from './rows.js';

export type { Cells, Row, RowSink } from './rows.js';

export type { DataFormat };

/** A data file on disk, or inline text with the name its errors should report (tests, stdin). */
export type DataSource = string | { readonly name: string; readonly text: string };

export function sourceName(source: DataSource): string {
  return typeof source === 'string' ? source : source.name;
}

/** The declared format, else the one the file's extension names. */
export function dataFormat(source: DataSource, declared?: DataFormat): DataFormat {
  if (declared !== undefined) return declared;
  const name = sourceName(source);
  const format = formatOfExtension(name);
  if (format === undefined) {
    throw new DataErrors([
      new DataError(
        name,
        undefined,
        undefined,
        'cannot tell the format from the file name: use .csv, .jsonl or .parquet, or set format in data { }',
      ),
    ]);
  }
  return format;
}

/**
 * Streams every row of `source` into `sink`. An empty file (nothing but blank lines) is a
 * `DataErrors`; so is a file that cannot be opened.
 */
export async function readRows(source: DataSource, format: DataFormat, sink: RowSink): Promise<void> {
  const name = sourceName(source);
  if (format === 'parquet') {
    if (typeof source !== 'string') throw new DataErrors([new DataError(name, undefined, undefined, 'Parquet data must be a file')]);
    if (!(await readParquet(source, sink))) throw new DataErrors([new DataError(name, undefined, undefined, 'the file is empty')]);
    return;
  }
  if (typeof source === 'string' && sink.expectRows !== undefined) {
    try {
      sink.expectRows(countRows(source, format === 'csv'));
    } catch (error) {
      throw cannotOpen(name, error);
    }
  }
  const seen = format === 'csv' ? await readCsv(source, sink) : await readJsonl(source, sink);
  if (!seen) throw new DataErrors([new DataError(name, undefined, undefined, 'the file is empty')]);
}

function openText(source: DataSource): Readable {
  if (typeof source !== 'string') return Readable.from([source.text]);
  return createReadStream(source, { encoding: 'utf8' });
}

function cannotOpen(name: string, error: unknown): DataErrors {
  const reason = (error as NodeJS.ErrnoException).code === 'ENOENT' ? 'no such file' : (error as Error).message;
  return new DataErrors([new DataError(name, undefined, undefined, `cannot read the file: ${reason}`)]);
}

/** Returns whether the file held anything besides blank lines. */
async function readCsv(source: DataSource, sink: RowSink): Promise<boolean> {
  const name = sourceName(source);
  let width = -1; // the header's cell count, once seen
  try {
    return readCsvBytes(typeof source === 'string' ? { file: source } : { text: source.text }, {
      row(cells, line) {
        if (width < 0) {
          width = cells.length;
          sink.header(
            Array.from({ length: width }, (_, k) => cells.text(k).trim()),
            line,
          );
        } else if (cells.length !== width) {
          const count = `${cells.length} ${cells.length === 1 ? 'cell' : 'cells'}`;
          sink.malformed(new DataError(name, line, undefined, `the row has ${count}, the header has ${width}`));
        } else {
          sink.row({ format: 'csv', line, cells });
        }
      },
      malformed(line, problem) {
        sink.malformed(new DataError(name, line, undefined, problem));
      },
    });
  } catch (error) {
    if (error instanceof DataErrors || !(error as NodeJS.ErrnoException).code) throw error;
    throw cannotOpen(name, error);
  }
}

function describeJson(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'an array';
  return `a ${typeof value}`;
}

async function readJsonl(source: DataSource, sink: RowSink): Promise<boolean> {
  const name = sourceName(source);
  const input = openText(source);
  let openError: unknown;
  input.on('error', (error) => {
    openError = error;
  });
  const lines = createInterface({ input, crlfDelay: Infinity });
  let line = 0;
  let seen = false;
  try {
    for await (let text of lines) {
      line++;
      if (line === 1 && text.charCodeAt(0) === 0xfeff) text = text.slice(1);
      if (text.trim() === '') continue;
      seen = true;
      let value: unknown;
      try {
        value = JSON.parse(text);
      } catch (error) {
        sink.malformed(new DataError(name, line, undefined, `invalid JSON: ${(error as Error).message}`));
        continue;
      }
      if (value === null || typeof value !== 'object' || Array.isArray(value)) {
        sink.malformed(new DataError(name, line, undefined, `expected a JSON object, got ${describeJson(value)}`));
        continue;
      }
      sink.row({ format: 'jsonl', line, record: value as Record<string, unknown> });
    }
  } catch (error) {
    if (openError !== undefined) throw cannotOpen(name, openError);
    throw error;
  } finally {
    lines.close();
    input.destroy();
  }
  if (openError !== undefined) throw cannotOpen(name, openError);
  return seen;
}
