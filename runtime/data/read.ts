/**
 * Reads the rows of a data file one at a time, so that no file is ever held in memory as a list
 * of parsed rows: CSV through mtl's byte-level reader (csv.ts), JSONL line by line. Which format a
 * file has comes from `data { format: … }` or else from its extension (LANGUAGE.md §4, §7).
 */
import { constants, createReadStream } from 'node:fs';
import { type FileHandle, open } from 'node:fs/promises';
import { createInterface } from 'node:readline';
import { Readable, Transform } from 'node:stream';
import { type DataFormat, formatOfExtension } from '../../compiler/index.js';
import { type CsvSink, MAX_ROW_BYTES, readCsvBytes, RowTooLong, type Survey, surveyRows } from './csv.js';
import { csvThreads, readCsvSegments, SEGMENT_BYTES } from './csv-parallel.js';
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
  if (typeof source === 'string') await checkDataFile(source, format !== 'parquet');
  if (format === 'parquet') {
    if (typeof source !== 'string') throw new DataErrors([new DataError(name, undefined, undefined, 'Parquet data must be a file')]);
    if (!(await readParquet(source, sink))) throw new DataErrors([new DataError(name, undefined, undefined, 'the file is empty')]);
    return;
  }
  let survey: Survey | undefined;
  if (typeof source === 'string' && (sink.expectRows !== undefined || format === 'csv')) {
    try {
      survey = surveyRows(source, format === 'csv', SEGMENT_BYTES);
    } catch (error) {
      throw cannotOpen(name, error);
    }
    sink.expectRows?.(survey.rows);
  }
  const seen = format === 'csv' ? await readCsv(source, sink, survey) : await readJsonl(source, sink);
  if (!seen) throw new DataErrors([new DataError(name, undefined, undefined, 'the file is empty')]);
}

function openText(source: DataSource): Readable {
  if (typeof source !== 'string') return Readable.from([source.text]);
  const bounded = boundedLines(source);
  // pipe() does not pass errors on: a read error must reach the reader of the bounded stream.
  return createReadStream(source, { encoding: 'utf8' })
    .on('error', (error) => bounded.destroy(error))
    .pipe(bounded);
}

/**
 * The largest data file read, in bytes: 256 GiB, or `MTLC_MAX_DATA_BYTES` (docs/security.md).
 * Data files are large by nature (docs/data.md); the cap is for the file that is not data at all.
 */
export function maxDataBytes(env: Readonly<Record<string, string | undefined>> = process.env): number {
  const raised = Number(env['MTLC_MAX_DATA_BYTES']);
  return Number.isSafeInteger(raised) && raised > 0 ? raised : 2 ** 38;
}

/** The longest line read (256 MiB): under V8's longest string, so that a huge line is an error naming it, not a crash. */
export const MAX_LINE_CHARS = 2 ** 28;

function fileProblem(name: string, problem: string): DataErrors {
  return new DataErrors([new DataError(name, undefined, undefined, problem)]);
}

/**
 * A data file must be a regular file (not a device, a FIFO or a directory, which could be endless
 * or block) of at most `maxDataBytes`; a text file (CSV, JSONL) in UTF-8: a UTF-16 file is named
 * as such, not misread.
 */
async function checkDataFile(file: string, text: boolean): Promise<void> {
  let handle: FileHandle;
  try {
    // O_NONBLOCK: opening a FIFO must not wait for a writer.
    handle = await open(file, constants.O_RDONLY | constants.O_NONBLOCK);
  } catch (error) {
    throw cannotOpen(file, error);
  }
  try {
    const info = await handle.stat();
    if (!info.isFile()) throw fileProblem(file, 'is not a regular file (a device, a FIFO or a directory); data must be a file');
    const limit = maxDataBytes();
    if (info.size > limit) {
      throw fileProblem(file, `is ${info.size} bytes, more than the ${limit} a data file may have (raise it with MTLC_MAX_DATA_BYTES)`);
    }
    if (!text) return;
    const { buffer, bytesRead } = await handle.read(Buffer.alloc(4096), 0, 4096, 0);
    const head = buffer.subarray(0, bytesRead);
    if ((head[0] === 0xff && head[1] === 0xfe) || (head[0] === 0xfe && head[1] === 0xff) || head.includes(0)) {
      throw fileProblem(file, 'is not UTF-8 text (it looks like UTF-16 or binary): save it as UTF-8');
    }
  } finally {
    await handle.close();
  }
}

/** Passes text on, failing with the line's number when one line runs over `MAX_LINE_CHARS`. */
function boundedLines(name: string): Transform {
  let line = 1;
  let run = 0;
  return new Transform({
    decodeStrings: false,
    encoding: 'utf8',
    transform(chunk: string, _encoding, done) {
      // A chunk is 64 kB: only a line that runs across chunks can grow long.
      const first = chunk.indexOf('\n');
      if (first < 0 || run + first > MAX_LINE_CHARS) run += first < 0 ? chunk.length : first;
      else {
        for (let i = first; i >= 0; i = chunk.indexOf('\n', i + 1)) line++;
        run = chunk.length - chunk.lastIndexOf('\n') - 1;
      }
      if (run > MAX_LINE_CHARS)
        done(new DataErrors([new DataError(name, line, undefined, `the line is longer than ${MAX_LINE_CHARS} characters`)]));
      else done(null, chunk);
    },
  });
}

function cannotOpen(name: string, error: unknown): DataErrors {
  if (error instanceof DataErrors) return error;
  const reason = (error as NodeJS.ErrnoException).code === 'ENOENT' ? 'no such file' : (error as Error).message;
  return new DataErrors([new DataError(name, undefined, undefined, `cannot read the file: ${reason}`)]);
}

/** Returns whether the file held anything besides blank lines. A large file without quotes is read on several threads. */
async function readCsv(source: DataSource, sink: RowSink, survey: Survey | undefined): Promise<boolean> {
  const name = sourceName(source);
  let width = -1; // the header's cell count, once seen
  const rows: CsvSink = {
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
  };
  try {
    if (typeof source !== 'string') return readCsvBytes({ text: source.text }, rows);
    const threads = survey === undefined ? 0 : csvThreads(survey);
    return threads > 0 ? await readCsvSegments(source, survey!, rows, threads) : readCsvBytes({ file: source }, rows);
  } catch (error) {
    if (error instanceof RowTooLong) {
      throw new DataErrors([new DataError(name, error.line, undefined, `the row is longer than ${MAX_ROW_BYTES} bytes`)]);
    }
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
