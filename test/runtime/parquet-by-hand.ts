/**
 * Writes small uncompressed Parquet files by hand, for the shapes DuckDB does not write: several
 * pages per column chunk, bit-packed definition levels, DATA_PAGE_V2 with REQUIRED columns,
 * booleans in the RLE encoding. DuckDB reads them in the tests, as the reference.
 */
import * as fs from 'node:fs';

/** A Thrift compact-protocol value, tagged with its type. */
type T =
  | { i32: number }
  | { i64: number | bigint }
  | { bin: string | Uint8Array }
  | { bool: boolean }
  | { list: [elementType: number, items: T[]] }
  | { struct: [id: number, value: T][] };

const I32 = 5;
const BINARY = 8;
const STRUCT = 12;

function varint(out: number[], n: bigint): void {
  let v = n;
  while (v >= 0x80n) {
    out.push(Number(v & 0x7fn) | 0x80);
    v >>= 7n;
  }
  out.push(Number(v));
}

const zigzag = (n: bigint): bigint => (n >= 0n ? n * 2n : -n * 2n - 1n);

function typeOf(value: T): number {
  if ('i32' in value) return I32;
  if ('i64' in value) return 6;
  if ('bin' in value) return BINARY;
  if ('bool' in value) return value.bool ? 1 : 2;
  if ('list' in value) return 9;
  return STRUCT;
}

function write(out: number[], value: T): void {
  if ('i32' in value) varint(out, zigzag(BigInt(value.i32)));
  else if ('i64' in value) varint(out, zigzag(BigInt(value.i64)));
  else if ('bin' in value) {
    const bytes = typeof value.bin === 'string' ? new TextEncoder().encode(value.bin) : value.bin;
    varint(out, BigInt(bytes.length));
    out.push(...bytes);
  } else if ('bool' in value) out.push(value.bool ? 1 : 2);
  else if ('list' in value) {
    const [type, items] = value.list;
    if (items.length < 15) out.push((items.length << 4) | type);
    else {
      out.push(0xf0 | type);
      varint(out, BigInt(items.length));
    }
    for (const item of items) write(out, item);
  } else {
    let last = 0;
    for (const [id, field] of value.struct) {
      const type = typeOf(field);
      if (id > last && id - last <= 15) out.push(((id - last) << 4) | type);
      else {
        out.push(type);
        varint(out, zigzag(BigInt(id)));
      }
      last = id;
      if (!('bool' in field)) write(out, field);
    }
    out.push(0);
  }
}

const struct = (...fields: [number, T][]): T => ({ struct: fields });
const i32 = (n: number): T => ({ i32: n });

export type HandType = 'DOUBLE' | 'FLOAT' | 'INT32' | 'INT64' | 'BOOLEAN' | 'UTF8';
const TYPES: Record<HandType, number> = { BOOLEAN: 0, INT32: 1, INT64: 2, FLOAT: 4, DOUBLE: 5, UTF8: 6 };

export interface HandColumn {
  readonly name: string;
  readonly type: HandType;
  readonly optional: boolean;
  /** Numbers, or for UTF8 the bytes of each value (which need not be valid UTF-8). */
  readonly values: readonly (number | Uint8Array | null)[];
  /** Dictionary-encoded values (a dictionary page, then ids), else PLAIN (RLE for booleans). */
  readonly dictionary?: boolean;
}

function plain(type: HandType, values: readonly (number | Uint8Array)[]): number[] {
  if (type === 'UTF8') return values.flatMap((v) => [...le32((v as Uint8Array).length), ...(v as Uint8Array)]);
  if (type === 'BOOLEAN') {
    const bytes = new Array<number>(Math.ceil(values.length / 8)).fill(0);
    values.forEach((v, i) => {
      bytes[i >> 3]! |= (v ? 1 : 0) << (i & 7);
    });
    return bytes;
  }
  const size = type === 'DOUBLE' || type === 'INT64' ? 8 : 4;
  const buffer = Buffer.alloc(values.length * size);
  (values as number[]).forEach((v, i) => {
    if (type === 'DOUBLE') buffer.writeDoubleLE(v, i * size);
    else if (type === 'FLOAT') buffer.writeFloatLE(v, i * size);
    else if (type === 'INT32') buffer.writeInt32LE(v, i * size);
    else buffer.writeBigInt64LE(BigInt(v), i * size);
  });
  return [...buffer];
}

/** `values` of `width` bits, bit-packed in the hybrid encoding (one run of groups of 8). */
function bitPacked(values: readonly number[], width: number): number[] {
  const groups = Math.ceil(values.length / 8);
  const out: number[] = [];
  varint(out, BigInt((groups << 1) | 1));
  const bytes = new Array<number>(groups * width).fill(0);
  values.forEach((v, i) => {
    for (let b = 0; b < width; b++) if ((v >> b) & 1) bytes[(i * width + b) >> 3]! |= 1 << ((i * width + b) & 7);
  });
  return [...out, ...bytes];
}

const le32 = (n: number): number[] => [n & 0xff, (n >> 8) & 0xff, (n >> 16) & 0xff, (n >>> 24) & 0xff];

/**
 * Writes `columns` (all of the same length) to `file`: row groups of `groupRows` rows, each
 * column chunk in pages of `pageRows` rows, DATA_PAGE or DATA_PAGE_V2, uncompressed.
 */
export function writeByHand(
  file: string,
  columns: readonly HandColumn[],
  options: { readonly groupRows: number; readonly pageRows: number; readonly v2?: boolean },
): void {
  const rows = columns[0]!.values.length;
  const bytes: number[] = [...Buffer.from('PAR1')];
  const groups: T[] = [];
  for (let start = 0; start < rows; start += options.groupRows) {
    const end = Math.min(rows, start + options.groupRows);
    const chunks = columns.map((column) => {
      const chunkStart = bytes.length;
      const page = (header: T, body: number[]): void => {
        write(bytes, header);
        bytes.push(...body);
      };
      const values = column.values.slice(start, end);
      const dictionary = column.dictionary ? [...new Set(values.filter((v) => v !== null))] : undefined;
      const width = dictionary === undefined ? 0 : Math.max(1, Math.ceil(Math.log2(Math.max(2, dictionary.length))));
      let dataOffset = chunkStart;
      if (dictionary !== undefined) {
        const body = plain(column.type, dictionary);
        page(
          struct([1, i32(2)], [2, i32(body.length)], [3, i32(body.length)], [7, struct([1, i32(dictionary.length)], [2, i32(0)])]),
          body,
        );
        dataOffset = bytes.length;
      }
      for (let p = 0; p < values.length; p += options.pageRows) {
        const slice = values.slice(p, p + options.pageRows);
        const present = slice.filter((v) => v !== null);
        const levels = column.optional
          ? bitPacked(
              slice.map((v) => (v === null ? 0 : 1)),
              1,
            )
          : [];
        let encoding = 0;
        let data: number[];
        if (dictionary !== undefined) {
          encoding = 8;
          data = [
            width,
            ...bitPacked(
              present.map((v) => dictionary.indexOf(v)),
              width,
            ),
          ];
        } else if (column.type === 'BOOLEAN') {
          encoding = 3;
          const runs = bitPacked(present as number[], 1);
          data = [...le32(runs.length), ...runs];
        } else {
          data = plain(column.type, present);
        }
        if (options.v2) {
          const body = [...levels, ...data];
          const v2 = struct(
            [1, i32(slice.length)],
            [2, i32(slice.length - present.length)],
            [3, i32(slice.length)],
            [4, i32(encoding)],
            [5, i32(levels.length)],
            [6, i32(0)],
            [7, { bool: false }],
          );
          page(struct([1, i32(3)], [2, i32(body.length)], [3, i32(body.length)], [8, v2]), body);
        } else {
          const body = column.optional ? [...le32(levels.length), ...levels, ...data] : data;
          const v1 = struct([1, i32(slice.length)], [2, i32(encoding)], [3, i32(3)], [4, i32(3)]);
          page(struct([1, i32(0)], [2, i32(body.length)], [3, i32(body.length)], [5, v1]), body);
        }
      }
      const size = bytes.length - chunkStart;
      const meta = struct(
        [1, i32(TYPES[column.type])],
        [2, { list: [I32, [i32(dictionary !== undefined ? 8 : 0), i32(3)]] }],
        [3, { list: [BINARY, [{ bin: column.name }]] }],
        [4, i32(0)],
        [5, { i64: end - start }],
        [6, { i64: size }],
        [7, { i64: size }],
        [9, { i64: dataOffset }],
        ...(dictionary !== undefined ? ([[11, { i64: chunkStart }]] as [number, T][]) : []),
      );
      return struct([2, { i64: chunkStart }], [3, meta]);
    });
    groups.push(struct([1, { list: [STRUCT, chunks] }], [2, { i64: 0 }], [3, { i64: end - start }]));
  }
  const schema = [
    struct([4, { bin: 'schema' }], [5, i32(columns.length)]),
    ...columns.map((c) =>
      struct(
        [1, i32(TYPES[c.type])],
        [3, i32(c.optional ? 1 : 0)],
        [4, { bin: c.name }],
        ...(c.type === 'UTF8' ? ([[6, i32(0)]] as [number, T][]) : []),
      ),
    ),
  ];
  const footer: number[] = [];
  write(footer, struct([1, i32(1)], [2, { list: [STRUCT, schema] }], [3, { i64: rows }], [4, { list: [STRUCT, groups] }]));
  fs.writeFileSync(file, Buffer.from([...bytes, ...footer, ...le32(footer.length), ...Buffer.from('PAR1')]));
}
