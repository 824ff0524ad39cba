/**
 * A CSV reader that works on bytes (RFC 4180: `,` between cells, `"` quoting with `""` for a quote,
 * `\n`, `\r\n` or `\r` between rows). Rows are not turned into strings: a row is a list of byte
 * ranges into the buffer being read, a cell becomes a string only when asked for, and a number
 * cell is parsed from its bytes. This is what makes binding fast: a file of a million rows and a
 * hundred number columns is a hundred million cells, and a string per cell costs more than all
 * the rest of the work.
 *
 * `number(k)` is exact: a cell of the form `[+-]digits[.digits][(e|E)[+-]digits]` with at most 15
 * significant digits and a decimal exponent that keeps the digits within 10^±22 is converted with
 * one correctly rounded multiplication or division by an exact power of ten (Clinger's fast path);
 * any other cell gives NaN, and the caller parses its text as before, so results never differ.
 */
import { closeSync, openSync, readSync } from 'node:fs';
import type { Cells } from './rows.js';

/** The cells of the current CSV row: their text (quotes removed, `""` unescaped) and plain decimal numbers (see above). */
export interface CsvCells extends Cells {
  text(k: number): string;
}

/** What the reader hands over: the header, each row, and rows it cannot read. */
export interface CsvSink {
  /** A row of cells starting on file line `line` (1-based). */
  row(cells: CsvCells, line: number): void;
  /** A row the reader cannot split into cells; reading goes on at the next line. */
  malformed(line: number, problem: string): void;
}

const COMMA = 0x2c;
const QUOTE = 0x22;
const LF = 0x0a;
const CR = 0x0d;

const POWERS_OF_TEN = Array.from({ length: 23 }, (_, i) => 10 ** i);

/*
 * A number's sign, read by looking its first byte up rather than by a branch, which half the cells
 * of signed data would mispredict: how many bytes it takes (1 for `+` and `-`), and the factor
 * that gives the value its sign (multiplying by ±1 is exact, -0 included).
 */
const SIGN_LENGTH = new Uint8Array(256);
SIGN_LENGTH[0x2b] = SIGN_LENGTH[0x2d] = 1;
const SIGN = new Float64Array(256).fill(1);
SIGN[0x2d] = -1;

/**
 * Cells as byte ranges of `bytes`; quoted cells may need their `""` unescaped. A quoted cell's
 * range starts just after its opening quote, an unquoted one's after a comma, a line break, a
 * byte-order mark or nothing: no array of flags to fill for every cell tells them apart. The current row's cells are
 * `first…first + length - 1` of the arrays: a segment (parseSegment) keeps every row's.
 */
export class RowCells implements CsvCells {
  bytes: Uint8Array = new Uint8Array(0);
  starts: Int32Array;
  ends: Int32Array;
  /** Each cell's value when it is a plain decimal number (see parseDecimal), NaN otherwise; parsed while scanning. */
  numbers: Float64Array;
  first = 0;
  length = 0;

  /** With room for `capacity` cells, in the arrays of `spare` when they have it. */
  constructor(capacity = 64, spare?: ParsedSegment) {
    const reuse = spare !== undefined && spare.starts.length >= capacity;
    this.starts = reuse ? spare.starts : new Int32Array(capacity);
    this.ends = reuse ? spare.ends : new Int32Array(capacity);
    this.numbers = reuse ? spare.numbers : new Float64Array(capacity);
  }

  /** Adds a quoted cell: not a number. */
  addQuoted(start: number, end: number): void {
    const at = this.add(start);
    this.ends[at] = end;
    this.numbers[at] = Number.NaN;
  }

  /** Adds a cell starting at `start` and returns its index in the arrays, for its end and number to be set. */
  add(start: number): number {
    const at = this.first + this.length;
    if (at === this.starts.length) {
      this.starts = grown(this.starts);
      this.ends = grown(this.ends);
      this.numbers = grown(this.numbers);
    }
    this.starts[at] = start;
    this.length++;
    return at;
  }

  /** Shows row `r` of `segment`. */
  show(segment: ParsedSegment, r: number): void {
    this.bytes = segment.bytes;
    this.starts = segment.starts;
    this.ends = segment.ends;
    this.numbers = segment.numbers;
    this.first = segment.rowCells[r]!;
    this.length = segment.rowCells[r + 1]! - this.first;
  }

  value(k: number): string {
    return this.text(k);
  }

  text(k: number): string {
    const at = this.first + k;
    const start = this.starts[at]!;
    const text = decode(this.bytes, start, this.ends[at]!);
    return this.bytes[start - 1] === QUOTE && text.includes('""') ? text.replaceAll('""', '"') : text;
  }

  number(k: number): number {
    return this.numbers[this.first + k]!;
  }
}

const utf8 = new TextDecoder('utf-8');

/** The text of `bytes[start, end)`: ASCII cells (nearly all) without the UTF-8 decoder's overhead. */
function decode(bytes: Uint8Array, start: number, end: number): string {
  if (end - start <= 16) {
    let ascii = true;
    for (let i = start; i < end; i++) if (bytes[i]! >= 0x80) ascii = false;
    if (ascii) return String.fromCharCode.apply(null, bytes.subarray(start, end) as unknown as number[]);
  }
  return utf8.decode(bytes.subarray(start, end));
}

/** The exact value of a plain decimal number in `bytes[start, end)`, or NaN when it is not one the fast path takes. */
export function parseDecimal(bytes: Uint8Array, start: number, end: number): number {
  return scanDecimal(bytes, start, end, scratch, 0) === end ? scratch[0]! : Number.NaN;
}

const scratch = new Float64Array(1);

/**
 * Reads the plain decimal number that starts at `start` and ends before `limit` or at the first
 * byte that cannot continue it: stores its value in `values[at]` (NaN when it is not one the fast
 * path takes) and returns where it stopped. It never passes a delimiter or a quote, so a scanner
 * can go on from there to find the end of the cell. (Two results without a module variable or an
 * object to carry one of them: this measured faster.)
 */
function scanDecimal(bytes: Uint8Array, start: number, limit: number, values: Float64Array, at: number): number {
  values[at] = Number.NaN;
  let i = start;
  if (i === limit) return i;
  let c = bytes[i]!;
  const sign = SIGN[c]!;
  i += SIGN_LENGTH[c]!;
  if (i === limit) return i;
  let mantissa = 0;
  let exponent = 0;
  const first = i;
  for (; i < limit; i++) {
    c = bytes[i]! - 0x30;
    if (c >>> 0 > 9) break;
    mantissa = mantissa * 10 + c;
  }
  let any = i > first;
  if (i < limit && bytes[i] === 0x2e) {
    const point = ++i;
    for (; i < limit; i++) {
      c = bytes[i]! - 0x30;
      if (c >>> 0 > 9) break;
      mantissa = mantissa * 10 + c;
    }
    exponent = point - i;
    any ||= i > point;
  }
  // More than 15 significant digits exactly when mantissa >= 10^15: it is exact up to 2^53, and
  // rounding never takes a larger one back below 10^15.
  if (!any || mantissa >= 1e15) return i;
  // `e` or `E` (the same but for bit 0x20).
  if (i < limit && (bytes[i]! | 0x20) === 0x65) {
    i++;
    let negativeExponent = false;
    if (i < limit && (bytes[i] === 0x2d || bytes[i] === 0x2b)) negativeExponent = bytes[i++] === 0x2d;
    const digits = i;
    let e = 0;
    for (; i < limit; i++) {
      c = bytes[i]! - 0x30;
      if (c >>> 0 > 9) break;
      e = e * 10 + c;
    }
    if (i === digits || i - digits > 4) return i;
    exponent += negativeExponent ? -e : e;
  }
  values[at] = sign * exactValue(mantissa, exponent);
  return i;
}

/** mantissa · 10^exponent when one correctly rounded operation gives it exactly (Clinger's fast path), NaN otherwise. */
function exactValue(mantissa: number, exponent: number): number {
  if (exponent < 0 && exponent >= -22) return mantissa / POWERS_OF_TEN[-exponent]!;
  if (exponent >= 0 && exponent <= 22) {
    const value = mantissa * POWERS_OF_TEN[exponent]!;
    // mantissa · 10^e above 2^53 is no longer exact for exponents the fast path multiplies by.
    return value > 9007199254740991 ? Number.NaN : value;
  }
  return mantissa === 0 ? 0 : Number.NaN;
}

const CHUNK = 1 << 22;

/** The longest row read (256 MiB): a row past it is an error naming its line, not a crash. */
export const MAX_ROW_BYTES = 2 ** 28;

/** A row runs past `MAX_ROW_BYTES`. */
export class RowTooLong extends Error {
  constructor(readonly line: number) {
    super(`the row starting on line ${line} is longer than ${MAX_ROW_BYTES} bytes`);
  }
}

/**
 * Reads the CSV file `file` (or the bytes `text` encodes) row by row into `sink`. Returns whether
 * it held anything besides blank lines. Blank lines are skipped; a leading byte-order mark is dropped.
 */
export function readCsvBytes(source: { readonly file: string } | { readonly text: string }, sink: CsvSink, chunkSize = CHUNK): boolean {
  const fd = 'file' in source ? openSync(source.file, 'r') : undefined;
  const whole = 'text' in source ? new TextEncoder().encode(source.text) : undefined;
  const cells = new RowCells();
  let buffer = whole ?? new Uint8Array(chunkSize);
  let filled = whole?.length ?? 0; // bytes of buffer holding data
  let eof = whole !== undefined;
  let pos = 0; // where the next row starts in buffer
  let line = 1; // the file line that row starts on
  let seen = false;
  try {
    const refill = (): void => {
      // Keep the unread tail, grow the buffer if a single row fills it, and read more.
      const tail = filled - pos;
      if (pos > 0) buffer.copyWithin(0, pos, filled);
      else if (tail === buffer.length) {
        if (buffer.length >= MAX_ROW_BYTES) throw new RowTooLong(line);
        const grown = new Uint8Array(buffer.length * 2);
        grown.set(buffer);
        buffer = grown;
      }
      filled = tail;
      pos = 0;
      const got = readSync(fd!, buffer, filled, buffer.length - filled, null);
      if (got === 0) eof = true;
      filled += got;
    };
    if (!eof) refill();
    if (filled >= 3 && buffer[0] === 0xef && buffer[1] === 0xbb && buffer[2] === 0xbf) pos = 3;
    for (;;) {
      const scanned = scanRow(buffer, pos, filled, eof, cells);
      if (scanned === NEED_MORE) {
        refill();
        continue;
      }
      if (scanned === END) break;
      const { next, breaks, problem } = scanned;
      cells.bytes = buffer;
      const blank = cells.length === 1 && isBlank(buffer, cells.starts[0]!, cells.ends[0]!);
      if (problem !== undefined) sink.malformed(line, problem);
      else if (!blank) {
        seen = true;
        sink.row(cells, line);
      }
      line += breaks;
      pos = next;
    }
  } finally {
    if (fd !== undefined) closeSync(fd);
  }
  return seen;
}

/**
 * The rows of a segment of a CSV file without quotes (surveyRows cuts it after a line break),
 * split and parsed exactly as readCsvBytes does, into flat arrays that can be handed between
 * threads without a copy.
 */
export interface ParsedSegment {
  readonly bytes: Uint8Array;
  /** Its rows that are not blank. */
  readonly rows: number;
  /** The file lines it spans. */
  readonly lines: number;
  /** Each row's line, 0 for the segment's first. */
  readonly rowLines: Int32Array;
  /** Row r's cells are [rowCells[r], rowCells[r + 1]) of the arrays below. */
  readonly rowCells: Int32Array;
  readonly starts: Int32Array;
  readonly ends: Int32Array;
  /** See RowCells.numbers. */
  readonly numbers: Float64Array;
}

/**
 * Parses `bytes`, whole rows of a file without quotes; `first`: they start the file (a byte-order
 * mark is dropped). The arrays of `spare`, a segment done with, are used again where large enough.
 */
export function parseSegment(bytes: Uint8Array, first: boolean, spare?: ParsedSegment): ParsedSegment {
  const cells = new RowCells(Math.max(64, bytes.length >> 3), spare);
  cells.bytes = bytes;
  const rowsFit = Math.max(16, bytes.length >> 7);
  let rowLines: Int32Array = spare !== undefined && spare.rowLines.length >= rowsFit ? spare.rowLines : new Int32Array(rowsFit);
  let rowCells: Int32Array = spare !== undefined && spare.rowCells.length >= rowsFit ? spare.rowCells : new Int32Array(rowsFit);
  let rows = 0;
  let line = 0;
  let pos = first && bytes[0] === 0xef && bytes[1] === 0xbb && bytes[2] === 0xbf ? 3 : 0;
  for (;;) {
    const scanned = scanRow(bytes, pos, bytes.length, true, cells);
    if (scanned === END || scanned === NEED_MORE) break;
    if (scanned.problem !== undefined) throw new Error(`a segment of quoted CSV: ${scanned.problem}`);
    if (!(cells.length === 1 && isBlank(bytes, cells.starts[cells.first]!, cells.ends[cells.first]!))) {
      if (rows + 1 >= rowLines.length) rowLines = grown(rowLines);
      if (rows + 1 >= rowCells.length) rowCells = grown(rowCells);
      rowLines[rows] = line;
      rowCells[rows] = cells.first;
      cells.first += cells.length;
      rows++;
    }
    line += scanned.breaks;
    pos = scanned.next;
  }
  rowCells[rows] = cells.first;
  const { starts, ends, numbers } = cells;
  return { bytes, rows, lines: line, rowLines, rowCells, starts, ends, numbers };
}

/** A copy of `a` twice as long. */
function grown<T extends Int32Array | Uint8Array | Float64Array>(a: T): T {
  const b = new (a.constructor as new (length: number) => T)(a.length * 2);
  b.set(a);
  return b;
}

function isBlank(bytes: Uint8Array, start: number, end: number): boolean {
  for (let i = start; i < end; i++) if (bytes[i]! > 32) return false;
  return true;
}

const NEED_MORE = 0;
const END = 1;

/**
 * Splits the row starting at `pos` into `cells`. Returns where the next row starts and how many
 * line breaks this one spans (its own included), NEED_MORE when the buffer ends inside the row and
 * more bytes may come, or END at the end of the data.
 */
function scanRow(
  bytes: Uint8Array,
  pos: number,
  filled: number,
  eof: boolean,
  cells: RowCells,
): { next: number; breaks: number; problem?: string } | typeof NEED_MORE | typeof END {
  if (pos >= filled) return eof ? END : NEED_MORE;
  cells.length = 0;
  let i = pos;
  let breaks = 0;
  for (;;) {
    // One cell starting at i.
    if (i < filled && bytes[i] === QUOTE) {
      const start = i + 1;
      let j = start;
      for (;;) {
        while (j < filled && bytes[j] !== QUOTE) {
          if (bytes[j] === LF || (bytes[j] === CR && bytes[j + 1] !== LF)) breaks++;
          j++;
        }
        if (j >= filled) {
          if (!eof) return NEED_MORE;
          cells.addQuoted(start, filled);
          return { next: filled, breaks: breaks + 1, problem: 'quoted field unterminated' };
        }
        if (j + 1 >= filled && !eof) return NEED_MORE;
        if (bytes[j + 1] === QUOTE) {
          j += 2;
          continue;
        }
        break;
      }
      cells.addQuoted(start, j);
      i = j + 1;
      if (i >= filled) {
        if (!eof) return NEED_MORE;
        return { next: i, breaks: breaks + 1 };
      }
      const c = bytes[i]!;
      if (c === COMMA) {
        i++;
        continue;
      }
      if (c === LF || c === CR) return endOfRow(bytes, i, filled, eof, breaks);
      // Text after a closing quote: skip to the end of the line, and report the row.
      while (i < filled && bytes[i] !== LF && bytes[i] !== CR) i++;
      if (i >= filled && !eof) return NEED_MORE;
      const end = endOfRow(bytes, i, filled, eof, breaks);
      if (end === NEED_MORE) return NEED_MORE;
      return { ...end, problem: 'trailing quote on quoted field is malformed' };
    }
    // An unquoted cell: read as a number while it looks like one, then on to its end.
    const at = cells.add(i);
    let j = scanDecimal(bytes, i, filled, cells.numbers, at);
    if (j < filled && bytes[j] === COMMA) {
      // The common case, a number and then a comma, on its own: measured faster.
      cells.ends[at] = j;
      i = j + 1;
      continue;
    }
    if (j < filled && !endsCell(bytes[j]!)) {
      // Something else follows the number: the cell is text.
      cells.numbers[at] = Number.NaN;
      do j++;
      while (j < filled && !endsCell(bytes[j]!));
    }
    cells.ends[at] = j;
    if (j >= filled) return eof ? { next: j, breaks: breaks + 1 } : NEED_MORE;
    if (bytes[j] === COMMA) {
      i = j + 1;
      continue;
    }
    return endOfRow(bytes, j, filled, eof, breaks);
  }
}

/** Whether byte `c` ends an unquoted cell. */
function endsCell(c: number): boolean {
  return c === COMMA || c === LF || c === CR;
}

/** The row ends at the line break at `i` (`\n`, `\r\n` or `\r`). */
function endOfRow(
  bytes: Uint8Array,
  i: number,
  filled: number,
  eof: boolean,
  breaks: number,
): { next: number; breaks: number } | typeof NEED_MORE {
  if (bytes[i] === CR) {
    if (i + 1 >= filled && !eof) return NEED_MORE;
    return { next: bytes[i + 1] === LF ? i + 2 : i + 1, breaks: breaks + 1 };
  }
  return { next: i + 1, breaks: breaks + 1 };
}

/** What one quick pass over a CSV or JSONL file learns before it is read. */
export interface Survey {
  /** At least as many as its rows (line breaks outside quotes, plus a last line without one), so that columns can be allocated once. */
  readonly rows: number;
  /** Whether it holds a quote character anywhere (CSV): a file without one has a row on each line. */
  readonly quoted: boolean;
  /** Where to cut the file into segments of whole rows, if it is not quoted: just past the first `\n` `segmentBytes` or more after the previous cut. */
  readonly cuts: readonly number[];
  readonly bytes: number;
}

/** Surveys the CSV (`csv`) or JSONL file `file` in one pass (see Survey), cutting it every `segmentBytes` or so. */
export function surveyRows(file: string, csv: boolean, segmentBytes = Number.POSITIVE_INFINITY): Survey {
  const fd = openSync(file, 'r');
  const buffer = Buffer.allocUnsafe(CHUNK);
  let lines = 0;
  let returns = 0;
  let inQuotes = false;
  let quoted = false;
  let last = LF;
  let base = 0; // the file offset of buffer[0]
  const cuts: number[] = [];
  let nextCut = segmentBytes;
  try {
    for (;;) {
      const got = readSync(fd, buffer, 0, buffer.length, null);
      if (got === 0) break;
      const bytes = buffer.subarray(0, got);
      if (!inQuotes && (!csv || bytes.indexOf(QUOTE) < 0)) {
        // No quotes in this chunk: the native search counts the line breaks.
        for (let at = bytes.indexOf(LF); at >= 0; at = bytes.indexOf(LF, at + 1)) lines++;
        if (lines === 0) for (let at = bytes.indexOf(CR); at >= 0; at = bytes.indexOf(CR, at + 1)) returns++;
      } else {
        quoted = true;
        for (let i = 0; i < got; i++) {
          const c = bytes[i]!;
          if (c === LF) {
            if (!inQuotes) lines++;
          } else if (c === CR) {
            if (!inQuotes) returns++;
          } else if (c === QUOTE) inQuotes = !inQuotes;
        }
      }
      while (nextCut < base + got) {
        const at = bytes.indexOf(LF, Math.max(0, nextCut - base));
        if (at < 0) break;
        cuts.push(base + at + 1);
        nextCut = base + at + 1 + segmentBytes;
      }
      last = buffer[got - 1]!;
      base += got;
    }
  } finally {
    closeSync(fd);
  }
  // Files that end their lines with a lone \r have no \n at all.
  const rows = Math.max(lines, returns) + (last === LF || last === CR ? 0 : 1);
  return { rows, quoted, cuts: cuts.filter((cut) => cut < base), bytes: base };
}
