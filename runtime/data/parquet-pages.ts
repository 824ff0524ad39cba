/**
 * The pages of one column chunk, decoded one at a time into numbers (parquet-plain.ts reads the
 * rows across columns). Page layout and encodings as in the format's Encodings.md
 * (https://github.com/apache/parquet-format/blob/master/Encodings.md): a page's values are PLAIN,
 * or indices into the chunk's dictionary page in the RLE/bit-packed hybrid, which also holds the
 * definition levels that say which rows are NULL.
 */
import { CODEC, type ChunkLayout, type ColumnKind, type ColumnLayout, ENCODING, readFully } from './parquet-layout.js';
import { CompactReader, child, int, ParquetCorrupt, type ThriftStruct } from './parquet-thrift.js';
import { snappyUncompress } from './snappy.js';

/** A page the fast reader does not decode although its column's metadata did not say so. */
export class PageUnsupported extends Error {}

const PAGE = { DATA: 0, INDEX: 1, DICTIONARY: 2, DATA_V2: 3 } as const;
/** No page of a number column comes near these; a header that says so is corrupt, not an allocation. */
const MAX_PAGE_BYTES = 1 << 30;
const MAX_PAGE_VALUES = 1 << 27;
/** Snappy's densest element, a 3-byte copy of 64 bytes, expands 22 times. */
const MAX_SNAPPY_RATIO = 32;

/** Where a column chunk's pages are read from: bytes `position…position + length` of the file. */
export interface PageSource {
  /** The bytes, valid until the next read. */
  read(position: number, length: number): Uint8Array;
  /** The bytes, copied into `target`. */
  into(target: Uint8Array, position: number, length: number): void;
}

/** Reads byte ranges of the open file into a buffer that is reused. */
export class FileBytes implements PageSource {
  private buffer = Buffer.allocUnsafe(1 << 16);

  constructor(private readonly fd: number) {}

  /** Bytes `position…position + length`, valid until the next read. */
  read(position: number, length: number): Uint8Array {
    if (this.buffer.length < length) this.buffer = Buffer.allocUnsafe(Math.ceil(length * 1.25));
    this.into(this.buffer, position, length);
    return this.buffer.subarray(0, length);
  }

  into(target: Uint8Array, position: number, length: number): void {
    readFully(this.fd, target.subarray(0, length), position);
  }
}

/** A column chunk read into memory ahead of its decoding (parquet-plain.ts, ReadAhead): bytes `start…` of the file. */
export class ChunkBytes implements PageSource {
  constructor(
    private readonly start: number,
    private readonly bytes: Uint8Array,
  ) {}

  read(position: number, length: number): Uint8Array {
    return this.bytes.subarray(position - this.start, position - this.start + length);
  }

  into(target: Uint8Array, position: number, length: number): void {
    target.set(this.read(position, length));
  }
}

type Values = Float64Array | Float32Array;

/** Definition levels as decoded, before a column that has NULLs keeps them (PageBuffers.present). */
let levelScratch = new Uint8Array(0);

/**
 * The memory one column's current page is decoded into. A reader that holds few columns' pages at
 * once hands the same buffers to one column after another: fresh memory costs a page fault per
 * 4 KiB on first touch (docs/performance.md), reused memory does not.
 */
export class PageBuffers {
  /** The page, uncompressed; PLAIN floats and doubles without NULLs are read where they lie in it. */
  raw = new Uint8Array(0);
  /** The page's values when they had to be converted (integers, booleans, dictionary ids), as doubles or floats. */
  private decodedBytes = new ArrayBuffer(0);
  indices = new Int32Array(0);
  /** One byte a row of the page: 1 when the row holds a value (kept only for a page with NULLs). */
  present = new Uint8Array(0);

  /** Room for a page of `size` uncompressed bytes (a little more, for the next row group's). */
  reserve(size: number): void {
    if (this.raw.length < size) this.raw = new Uint8Array(Math.ceil(size * 1.02));
  }

  /** Room for `n` converted values of `kind`'s type, allocated only for the columns and pages that need it. */
  decoded(kind: ColumnKind, n: number): Values {
    const size = kind === 'float' ? 4 : 8;
    if (this.decodedBytes.byteLength < n * size) this.decodedBytes = new ArrayBuffer(Math.ceil(n * 1.25) * size);
    return kind === 'float' ? new Float32Array(this.decodedBytes, 0, n) : new Float64Array(this.decodedBytes, 0, n);
  }
}

export class ColumnPages {
  /** Where the current chunk's pages are read from and decoded into (startChunk). */
  private bytes!: PageSource;
  private buffers!: PageBuffers;
  private dictionary: Values | undefined;
  private textDictionary: readonly string[] | undefined;
  /** The current page's values, NULL rows holding 0 (number columns). */
  values: Values;
  /** The current page's values, NULL rows holding null (text columns). */
  texts: readonly (string | null)[] = [];
  /** The current page's first row in the row group, its rows, and how many are NULL. */
  pageStart = 0;
  pageRows = 0;
  nulls = 0;
  private next = 0;
  private chunk: ChunkLayout = { codec: 0, start: 0, end: 0 };
  private groupRows = 0;

  constructor(readonly column: ColumnLayout) {
    this.values = column.kind === 'float' ? new Float32Array(0) : new Float64Array(0);
  }

  /** One byte a row of the current page: 1 when the row holds a value (its definition level is 1); only when `nulls` > 0. */
  get present(): Uint8Array {
    return this.buffers.present;
  }

  /** Starts on the pages of `chunk`, a row group of `rows` rows, read from `bytes` and decoded into `buffers`. */
  startChunk(chunk: ChunkLayout, rows: number, bytes: PageSource, buffers: PageBuffers): void {
    this.bytes = bytes;
    this.buffers = buffers;
    this.chunk = chunk;
    this.groupRows = rows;
    this.next = chunk.start;
    this.pageStart = 0;
    this.pageRows = 0;
    this.nulls = 0;
    this.dictionary = undefined;
    this.textDictionary = undefined;
  }

  /** Decodes pages until the current one holds row `row` of the row group. */
  seek(row: number): void {
    while (row >= this.pageStart + this.pageRows) {
      this.pageStart += this.pageRows;
      this.pageRows = 0;
      this.nulls = 0;
      this.loadPage();
    }
  }

  /** Decodes the next page of the chunk: a dictionary, or the values of the rows after the current page. */
  private loadPage(): void {
    const { end, codec } = this.chunk;
    if (this.next >= end) throw new ParquetCorrupt('a column chunk ends before its rows');
    const { header, length } = this.pageHeader(this.next, end);
    const at = this.next + length;
    const compressed = int(header, 3) ?? -1;
    const uncompressed = int(header, 2) ?? -1;
    if (compressed < 0 || at + compressed > end || uncompressed < 0 || uncompressed > MAX_PAGE_BYTES) {
      throw new ParquetCorrupt('a page larger than its column chunk');
    }
    if (codec === CODEC.SNAPPY && uncompressed > compressed * MAX_SNAPPY_RATIO + 64)
      throw new ParquetCorrupt('a page larger than Snappy makes');
    this.next = at + compressed;
    const type = int(header, 1);
    if (type === PAGE.DICTIONARY) {
      this.loadDictionary(child(header, 7), at, compressed, uncompressed);
      return;
    }
    if (type === PAGE.INDEX) return;
    if (type !== PAGE.DATA && type !== PAGE.DATA_V2) throw new ParquetCorrupt(`a page of unknown type ${type}`);
    const v2 = type === PAGE.DATA_V2;
    const fields = child(header, v2 ? 8 : 5);
    const n = fields === undefined ? -1 : (int(fields, 1) ?? -1);
    if (n < 0 || this.pageStart + n > this.groupRows) throw new ParquetCorrupt('a page with more values than its row group');
    if (n > MAX_PAGE_VALUES) throw new PageUnsupported(`a page of ${n} values`);
    const encoding = int(fields!, v2 ? 4 : 2);
    this.buffers.reserve(uncompressed);
    let bytes: Uint8Array;
    let pos = 0;
    let present = n;
    if (!v2) {
      bytes = this.pageBytes(codec, at, compressed, uncompressed);
      if (this.column.optional) {
        if (int(fields!, 3) !== ENCODING.RLE) throw new PageUnsupported('definition levels not RLE encoded');
        if (bytes.length < 4) throw new ParquetCorrupt('a page shorter than its definition levels');
        const levels = (bytes[0]! | (bytes[1]! << 8) | (bytes[2]! << 16) | (bytes[3]! << 24)) >>> 0;
        if (4 + levels > bytes.length) throw new ParquetCorrupt('definition levels longer than their page');
        present = this.levels(bytes, 4, 4 + levels, n);
        pos = 4 + levels;
      }
    } else {
      // DATA_PAGE_V2: 5 definition_levels_byte_length, 6 repetition_levels_byte_length, 7 is_compressed;
      // the levels are never compressed, the values after them may be.
      const defined = int(fields!, 5) ?? 0;
      const repeated = int(fields!, 6) ?? 0;
      if (repeated !== 0 || defined < 0 || defined > compressed || defined > uncompressed) throw new ParquetCorrupt('bad level lengths');
      const raw = this.bytes.read(at, compressed);
      if (this.column.optional) present = this.levels(raw, 0, defined, n);
      else if (defined !== 0) throw new ParquetCorrupt('definition levels in a REQUIRED column');
      if (int(fields!, 2) !== undefined && int(fields!, 2) !== n - present) throw new ParquetCorrupt('num_nulls disagrees with the levels');
      const size = uncompressed - defined;
      if (codec === CODEC.SNAPPY && fields!.get(7) !== false) snappyUncompress(raw.subarray(defined), this.buffers.raw, 0, size);
      else if (compressed - defined !== size) throw new ParquetCorrupt('an uncompressed page of the wrong size');
      else this.buffers.raw.set(raw.subarray(defined), 0);
      bytes = this.buffers.raw.subarray(0, size);
    }
    this.decodeValues(encoding, bytes, pos, n, present);
    this.nulls = n - present;
    this.pageRows = n;
  }

  private pageHeader(position: number, end: number): { header: ThriftStruct; length: number } {
    // A header is tens of bytes; one with large statistics takes a longer read.
    for (let window = Math.min(end - position, 1024); ; window = Math.min(end - position, window * 8)) {
      const reader = new CompactReader(this.bytes.read(position, window));
      try {
        return { header: reader.struct(), length: reader.pos };
      } catch (error) {
        if (!(error instanceof ParquetCorrupt) || window === end - position) throw error;
      }
    }
  }

  /** The page at `at`, uncompressed into `raw`. */
  private pageBytes(codec: number, at: number, compressed: number, uncompressed: number): Uint8Array {
    if (codec === CODEC.UNCOMPRESSED) {
      if (compressed !== uncompressed) throw new ParquetCorrupt('an uncompressed page of the wrong size');
      this.bytes.into(this.buffers.raw, at, compressed);
    } else {
      snappyUncompress(this.bytes.read(at, compressed), this.buffers.raw, 0, uncompressed);
    }
    return this.buffers.raw.subarray(0, uncompressed);
  }

  /** DictionaryPageHeader: 1 num_values, 2 encoding (PLAIN). */
  private loadDictionary(fields: ThriftStruct | undefined, at: number, compressed: number, uncompressed: number): void {
    const n = fields === undefined ? -1 : (int(fields, 1) ?? -1);
    const encoding = fields === undefined ? undefined : int(fields, 2);
    if (n < 0 || n > uncompressed * 8 || n > MAX_PAGE_VALUES) throw new ParquetCorrupt('a bad dictionary page');
    if (encoding !== ENCODING.PLAIN && encoding !== ENCODING.PLAIN_DICTIONARY) throw new PageUnsupported('a dictionary not PLAIN encoded');
    this.buffers.reserve(uncompressed);
    const bytes = this.pageBytes(this.chunk.codec, at, compressed, uncompressed);
    if (this.column.kind === 'string') this.textDictionary = plainTexts(bytes, 0, n);
    else this.dictionary = this.plain(bytes, 0, n, n).slice(0, n);
  }

  /**
   * Reads `n` definition levels (0 NULL, 1 a value); returns how many rows hold a value. They are
   * kept in `present` only when some row is NULL: a column without NULLs holds no array for them.
   */
  private levels(bytes: Uint8Array, from: number, to: number, n: number): number {
    if (levelScratch.length < n) levelScratch = new Uint8Array(n);
    const count = hybrid(bytes, from, to, 1, levelScratch, n);
    if (count < n) {
      if (this.buffers.present.length < n) this.buffers.present = new Uint8Array(n);
      this.buffers.present.set(levelScratch.subarray(0, n));
    }
    return count;
  }

  /** Decodes the `present` values of a page of `n` rows from `bytes` at `pos` into `values` (or `texts`). */
  private decodeValues(encoding: number | undefined, bytes: Uint8Array, pos: number, n: number, present: number): void {
    const dictionaryEncoded = encoding === ENCODING.PLAIN_DICTIONARY || encoding === ENCODING.RLE_DICTIONARY;
    if (this.column.kind === 'string') {
      if (encoding !== ENCODING.PLAIN && !dictionaryEncoded) throw new PageUnsupported(`text in encoding ${encoding}`);
      let texts: string[];
      if (dictionaryEncoded) {
        const dictionary = this.textDictionary;
        const ids = this.dictionaryIds(bytes, pos, present, dictionary?.length);
        texts = new Array<string>(present);
        for (let i = 0; i < present; i++) texts[i] = dictionary![ids[i]!]!;
      } else {
        texts = plainTexts(bytes, pos, present);
      }
      if (present === n) this.texts = texts;
      else {
        const withNulls = new Array<string | null>(n);
        for (let i = 0, j = 0; i < n; i++) withNulls[i] = this.buffers.present[i] === 1 ? texts[j++]! : null;
        this.texts = withNulls;
      }
      return;
    }
    let values: Values;
    if (encoding === ENCODING.PLAIN) {
      values = this.plain(bytes, pos, present, n);
    } else if (dictionaryEncoded) {
      const dictionary = this.dictionary;
      const ids = this.dictionaryIds(bytes, pos, present, dictionary?.length);
      values = this.buffers.decoded(this.column.kind, n);
      for (let i = 0; i < present; i++) values[i] = dictionary![ids[i]!]!;
    } else if (encoding === ENCODING.RLE && this.column.kind === 'boolean') {
      // Booleans in the hybrid encoding, one bit wide, after a 4-byte length.
      if (pos + 4 > bytes.length) throw new ParquetCorrupt('a page shorter than its values');
      if (this.buffers.indices.length < present) this.buffers.indices = new Int32Array(Math.ceil(present * 1.25));
      hybrid(bytes, pos + 4, bytes.length, 1, this.buffers.indices, present);
      values = this.buffers.decoded(this.column.kind, n);
      for (let i = 0; i < present; i++) values[i] = this.buffers.indices[i]!;
    } else {
      throw new PageUnsupported(`values in encoding ${encoding}`);
    }
    if (present < n) spread(values, this.buffers.present, n, present);
    this.values = values;
  }

  /** `count` dictionary ids from `bytes` at `pos` (a byte of bit width, then the hybrid encoding), each below `size`. */
  private dictionaryIds(bytes: Uint8Array, pos: number, count: number, size: number | undefined): Int32Array {
    if (size === undefined) throw new ParquetCorrupt('dictionary ids without a dictionary page');
    if (pos >= bytes.length && count > 0) throw new ParquetCorrupt('a page shorter than its values');
    const width = bytes[pos] ?? 0;
    if (width > 32) throw new ParquetCorrupt('dictionary ids wider than 32 bits');
    if (this.buffers.indices.length < count) this.buffers.indices = new Int32Array(Math.ceil(count * 1.25));
    const ids = this.buffers.indices;
    hybrid(bytes, pos + 1, bytes.length, width, ids, count);
    for (let i = 0; i < count; i++) {
      if (ids[i]! >= size || ids[i]! < 0) throw new ParquetCorrupt('a dictionary id beyond the dictionary');
    }
    return ids;
  }

  /**
   * `count` PLAIN values from `bytes` at `pos`, with room for `rows`: floats and doubles where
   * they lie when aligned and without NULLs, others copied or converted into `decoded`.
   */
  private plain(bytes: Uint8Array, pos: number, count: number, rows: number): Values {
    const kind = this.column.kind;
    const size = kind === 'double' || kind === 'int64' || kind === 'uint64' ? 8 : kind === 'boolean' ? 1 / 8 : 4;
    if (pos + Math.ceil(count * size) > bytes.length) throw new ParquetCorrupt('a page shorter than its values');
    if (kind === 'double' || kind === 'float') {
      const at = bytes.byteOffset + pos;
      if (count === rows && at % size === 0) {
        return kind === 'double' ? new Float64Array(bytes.buffer, at, count) : new Float32Array(bytes.buffer, at, count);
      }
      const out = this.buffers.decoded(kind, rows);
      new Uint8Array(out.buffer, 0, count * size).set(bytes.subarray(pos, pos + count * size));
      return out;
    }
    const out = this.buffers.decoded(kind, rows);
    const view = new DataView(bytes.buffer, bytes.byteOffset + pos);
    switch (kind) {
      case 'int32':
        for (let i = 0; i < count; i++) out[i] = view.getInt32(4 * i, true);
        break;
      case 'uint32':
        for (let i = 0; i < count; i++) out[i] = view.getUint32(4 * i, true);
        break;
      // hi·2^32 is exact and adding lo rounds once: the nearest double, as DuckDB's CAST gives.
      case 'int64':
        for (let i = 0; i < count; i++) out[i] = view.getInt32(8 * i + 4, true) * 4294967296 + view.getUint32(8 * i, true);
        break;
      case 'uint64':
        for (let i = 0; i < count; i++) out[i] = view.getUint32(8 * i + 4, true) * 4294967296 + view.getUint32(8 * i, true);
        break;
      case 'boolean':
        for (let i = 0; i < count; i++) out[i] = (bytes[pos + (i >> 3)]! >> (i & 7)) & 1;
        break;
    }
    return out;
  }
}

const utf8 = new TextDecoder('utf-8', { fatal: true });

/** `count` PLAIN byte arrays (a 4-byte length, then the bytes) from `bytes` at `pos`, as UTF-8 text. */
function plainTexts(bytes: Uint8Array, pos: number, count: number): string[] {
  const texts = new Array<string>(count);
  let p = pos;
  for (let i = 0; i < count; i++) {
    if (p + 4 > bytes.length) throw new ParquetCorrupt('a page shorter than its values');
    const length = (bytes[p]! | (bytes[p + 1]! << 8) | (bytes[p + 2]! << 16) | (bytes[p + 3]! << 24)) >>> 0;
    p += 4;
    if (p + length > bytes.length) throw new ParquetCorrupt('a page shorter than its values');
    texts[i] = text(bytes, p, p + length);
    p += length;
  }
  return texts;
}

/** Bytes `from…to` as UTF-8 text; ASCII, the common case, without a decoder call. */
function text(bytes: Uint8Array, from: number, to: number): string {
  if (to - from < 64) {
    let ascii = true;
    for (let i = from; i < to; i++) if (bytes[i]! > 0x7f) ascii = false;
    if (ascii) return String.fromCharCode(...bytes.subarray(from, to));
  }
  try {
    return utf8.decode(bytes.subarray(from, to));
  } catch {
    throw new PageUnsupported('text that is not UTF-8');
  }
}

/** Moves the first `present` values of `values` to the rows `present` marks, NULL rows getting 0; from the end, in place. */
function spread(values: Values, present: Uint8Array, n: number, count: number): void {
  let j = count - 1;
  for (let i = n - 1; i > j; i--) values[i] = present[i] === 1 ? values[j--]! : 0;
}

/**
 * Decodes `count` values of `width` bits in the RLE/bit-packed hybrid from `bytes[from…to]` into
 * `out`: runs of a repeated value (header even: count << 1) and groups of 8 bit-packed values
 * (header odd: groups << 1 | 1), least significant bit first. Returns how many are not 0.
 */
function hybrid(bytes: Uint8Array, from: number, to: number, width: number, out: Uint8Array | Int32Array, count: number): number {
  let nonzero = 0;
  const valueBytes = (width + 7) >> 3;
  const limit = 2 ** width;
  let pos = from;
  let i = 0;
  while (i < count) {
    let header = 0;
    for (let shift = 1; ; shift *= 128) {
      if (pos >= to || shift > 2 ** 35) throw new ParquetCorrupt('RLE data cut short');
      const b = bytes[pos++]!;
      header += (b & 0x7f) * shift;
      if (b < 0x80) break;
    }
    if (header % 2 === 0) {
      if (pos + valueBytes > to) throw new ParquetCorrupt('RLE data cut short');
      let value = 0;
      for (let b = valueBytes - 1; b >= 0; b--) value = value * 256 + bytes[pos + b]!;
      pos += valueBytes;
      if (value >= limit) throw new ParquetCorrupt('an RLE value wider than its bit width');
      const run = Math.min(header / 2, count - i);
      out.fill(value, i, i + run);
      if (value !== 0) nonzero += run;
      i += run;
    } else {
      const values = Math.min(((header - 1) / 2) * 8, count - i);
      const bits = values * width;
      if (pos + Math.ceil(bits / 8) > to) throw new ParquetCorrupt('bit-packed data cut short');
      if (width === 1) {
        for (let v = 0; v < values; v++) {
          const bit = (bytes[pos + (v >> 3)]! >> (v & 7)) & 1;
          out[i + v] = bit;
          nonzero += bit;
        }
      } else {
        for (let v = 0, bit = pos * 8; v < values; v++) {
          let value = 0;
          for (let got = 0; got < width; ) {
            const shift = bit & 7;
            const take = Math.min(8 - shift, width - got);
            value += ((bytes[(bit - shift) / 8]! >> shift) & ((1 << take) - 1)) * 2 ** got;
            got += take;
            bit += take;
          }
          out[i + v] = value;
          if (value !== 0) nonzero++;
        }
      }
      pos += ((header - 1) / 2) * width;
      i += values;
    }
  }
  return nonzero;
}
