/**
 * What the fast Parquet reader (parquet-plain.ts) reads, found from a file's footer alone: a flat
 * schema of number, boolean and text columns, pages compressed with Snappy or not at all, and values
 * PLAIN or dictionary encoded. Anything else is named as the reason to read the file with DuckDB,
 * before a row is read. Field ids are those of parquet.thrift
 * (https://github.com/apache/parquet-format/blob/master/src/main/thrift/parquet.thrift).
 */
import { closeSync, fstatSync, openSync, readSync } from 'node:fs';
import { CompactReader, child, int, list, ParquetCorrupt, structs, type ThriftStruct } from './parquet-thrift.js';

/**
 * How a column's values become cells: numbers as DuckDB's CAST to DOUBLE (integers), TINYINT
 * (booleans), or FLOAT give them; UTF-8 text as strings.
 */
export type ColumnKind = 'double' | 'float' | 'int32' | 'uint32' | 'int64' | 'uint64' | 'boolean' | 'string';

export interface ColumnLayout {
  readonly name: string;
  readonly kind: ColumnKind;
  /** OPTIONAL (may hold NULL; definition levels of one bit) rather than REQUIRED. */
  readonly optional: boolean;
}

/** One column's pages in one row group: bytes `start…end` of the file. */
export interface ChunkLayout {
  readonly codec: number;
  readonly start: number;
  readonly end: number;
}

export interface RowGroupLayout {
  readonly rows: number;
  readonly chunks: readonly ChunkLayout[];
}

export interface ParquetLayout {
  readonly columns: readonly ColumnLayout[];
  readonly rowGroups: readonly RowGroupLayout[];
  readonly rows: number;
}

/** The file's layout when the fast reader reads all of it, else why not. */
export type LayoutOrReason = { readonly layout: ParquetLayout } | { readonly unsupported: string };

// parquet.thrift's enums, as far as they are read here.
const TYPE = { BOOLEAN: 0, INT32: 1, INT64: 2, FLOAT: 4, DOUBLE: 5, BYTE_ARRAY: 6 } as const;
export const ENCODING = { PLAIN: 0, PLAIN_DICTIONARY: 2, RLE: 3, RLE_DICTIONARY: 8 } as const;
export const CODEC = { UNCOMPRESSED: 0, SNAPPY: 1 } as const;
const CODEC_NAMES = ['UNCOMPRESSED', 'SNAPPY', 'GZIP', 'LZO', 'BROTLI', 'LZ4', 'ZSTD', 'LZ4_RAW'];
/** ConvertedType INT_8…INT_64 (15–18) and UINT_8…UINT_64 (11–14): plain integers. */
const SIGNED_INTS = new Set([15, 16, 17, 18]);
const UNSIGNED_INTS = new Set([11, 12, 13, 14]);
/** ConvertedType UTF8, and LogicalType STRING (field 1) and INTEGER (field 10). */
const UTF8 = 0;
const LOGICAL_STRING = 1;
const LOGICAL_INTEGER = 10;

const utf8 = new TextDecoder('utf-8', { fatal: true });

class Unsupported extends Error {}

/** Reads the footer of `file` and decides whether the fast reader reads it. */
export function parquetLayout(file: string): LayoutOrReason {
  let fd: number;
  try {
    fd = openSync(file, 'r');
  } catch {
    return { unsupported: 'the file cannot be opened' };
  }
  try {
    const size = fstatSync(fd).size;
    if (size < 12) return { unsupported: 'too small to be Parquet' };
    const tail = Buffer.alloc(8);
    readFully(fd, tail, size - 8);
    const head = Buffer.alloc(4);
    readFully(fd, head, 0);
    if (tail.toString('latin1', 4) !== 'PAR1' || head.toString('latin1') !== 'PAR1') return { unsupported: 'no PAR1 magic' };
    const length = tail.readUInt32LE(0);
    if (length > size - 12) return { unsupported: 'a footer longer than the file' };
    const footer = Buffer.alloc(length);
    readFully(fd, footer, size - 8 - length);
    return { layout: layoutOf(new CompactReader(footer).struct(), size - 8 - length) };
  } catch (error) {
    if (error instanceof Unsupported || error instanceof ParquetCorrupt) return { unsupported: error.message };
    throw error;
  } finally {
    closeSync(fd);
  }
}

/** Fills `buffer` from the file at `position`; a file that ends first is corrupt. */
export function readFully(fd: number, buffer: Uint8Array, position: number): void {
  for (let done = 0; done < buffer.length; ) {
    const got = readSync(fd, buffer, done, buffer.length - done, position + done);
    if (got === 0) throw new ParquetCorrupt('the file ends early');
    done += got;
  }
}

function text(value: unknown): string {
  if (!(value instanceof Uint8Array)) throw new Unsupported('a name that is not text');
  try {
    return utf8.decode(value);
  } catch {
    throw new Unsupported('a name that is not UTF-8');
  }
}

/** FileMetaData: 2 schema, 3 num_rows, 4 row_groups, 8 encryption_algorithm. */
function layoutOf(meta: ThriftStruct, footerStart: number): ParquetLayout {
  if (meta.has(8)) throw new Unsupported('encrypted');
  const schema = structs(meta, 2);
  const root = schema[0];
  const leaves = schema.slice(1);
  if (root === undefined || int(root, 5) !== leaves.length) throw new Unsupported('a nested schema');
  const columns = leaves.map(columnLayout);
  const seen = new Set<string>();
  for (const { name } of columns) {
    // DuckDB renames a repeated name; the fast reader leaves such a file to it.
    if (name === '' || seen.has(name.toLowerCase())) throw new Unsupported(`the column name "${name}" is empty or repeated`);
    seen.add(name.toLowerCase());
  }
  const rowGroups = structs(meta, 4).map((group) => rowGroupLayout(group, columns, leaves, footerStart));
  const rows = rowGroups.reduce((sum, group) => sum + group.rows, 0);
  if (int(meta, 3) !== rows) throw new Unsupported('num_rows is not the sum of the row groups');
  return { columns, rowGroups, rows };
}

/** SchemaElement: 1 type, 3 repetition_type, 4 name, 5 num_children, 6 converted_type, 10 logicalType. */
function columnLayout(element: ThriftStruct): ColumnLayout {
  const name = text(element.get(4));
  const repetition = int(element, 3);
  if (element.has(5) || !element.has(1)) throw new Unsupported(`column "${name}" is a group`);
  if (repetition !== 0 && repetition !== 1) throw new Unsupported(`column "${name}" is repeated`);
  return { name, kind: kindOf(element, name), optional: repetition === 1 };
}

function kindOf(element: ThriftStruct, name: string): ColumnKind {
  const type = int(element, 1);
  const converted = int(element, 6);
  const logical = child(element, 10);
  const logicalKind = logical === undefined || logical.size !== 1 ? undefined : [...logical.keys()][0];
  if (logical !== undefined && logicalKind !== LOGICAL_INTEGER && logicalKind !== LOGICAL_STRING) {
    throw new Unsupported(`column "${name}" has a logical type`);
  }
  if (type === TYPE.BYTE_ARRAY) {
    // Text (a BYTE_ARRAY without it is a BLOB, which DuckDB shows escaped).
    if ((converted === UTF8 && logicalKind !== LOGICAL_INTEGER) || (logicalKind === LOGICAL_STRING && converted === undefined))
      return 'string';
    throw new Unsupported(`column "${name}" is binary, not text`);
  }
  if (logicalKind === LOGICAL_STRING) throw new Unsupported(`column "${name}" has a logical type`);
  // LogicalType INTEGER is IntType { 1 bitWidth, 2 isSigned }.
  const integer = logical === undefined ? undefined : child(logical, LOGICAL_INTEGER);
  const annotated = converted !== undefined || integer !== undefined;
  const unsigned = (converted !== undefined && UNSIGNED_INTS.has(converted)) || integer?.get(2) === false;
  if (converted !== undefined && !SIGNED_INTS.has(converted) && !UNSIGNED_INTS.has(converted)) {
    throw new Unsupported(`column "${name}" has a converted type`);
  }
  switch (type) {
    case TYPE.DOUBLE:
    case TYPE.FLOAT:
    case TYPE.BOOLEAN:
      if (annotated) throw new Unsupported(`column "${name}" has a logical type`);
      return type === TYPE.DOUBLE ? 'double' : type === TYPE.FLOAT ? 'float' : 'boolean';
    case TYPE.INT32:
      return unsigned ? 'uint32' : 'int32';
    case TYPE.INT64:
      return unsigned ? 'uint64' : 'int64';
    default:
      throw new Unsupported(`column "${name}" is not a number, boolean or text column`);
  }
}

/** RowGroup: 1 columns, 3 num_rows. ColumnChunk: 1 file_path, 3 meta_data, 8–9 encryption. */
function rowGroupLayout(
  group: ThriftStruct,
  columns: readonly ColumnLayout[],
  leaves: readonly ThriftStruct[],
  footerStart: number,
): RowGroupLayout {
  const rows = int(group, 3);
  const chunks = structs(group, 1);
  if (rows === undefined || rows < 0 || chunks.length !== columns.length) throw new Unsupported('a row group without every column');
  return {
    rows,
    chunks: chunks.map((chunk, k) => {
      if (chunk.has(1) || chunk.has(8) || chunk.has(9)) throw new Unsupported('a column chunk in another file, or encrypted');
      const meta = child(chunk, 3);
      if (meta === undefined) throw new Unsupported('a column chunk without metadata');
      return chunkLayout(meta, columns[k]!, int(leaves[k]!, 1)!, rows, footerStart);
    }),
  };
}

/**
 * ColumnMetaData: 1 type, 2 encodings, 3 path_in_schema, 4 codec, 5 num_values,
 * 7 total_compressed_size, 9 data_page_offset, 11 dictionary_page_offset.
 */
function chunkLayout(meta: ThriftStruct, column: ColumnLayout, type: number, rows: number, footerStart: number): ChunkLayout {
  const path = list(meta, 3) ?? [];
  if (int(meta, 1) !== type || path.length !== 1 || text(path[0]) !== column.name) {
    throw new Unsupported(`column chunk "${column.name}" does not match the schema`);
  }
  const codec = int(meta, 4) ?? -1;
  if (codec !== CODEC.UNCOMPRESSED && codec !== CODEC.SNAPPY)
    throw new Unsupported(`${CODEC_NAMES[codec] ?? `codec ${codec}`} compression`);
  const allowed: readonly number[] = Object.values(ENCODING);
  for (const encoding of list(meta, 2) ?? []) {
    if (typeof encoding !== 'number' || !allowed.includes(encoding)) throw new Unsupported(`encoding ${String(encoding)}`);
  }
  if (int(meta, 5) !== rows) throw new Unsupported(`column "${column.name}" holds another number of values than its rows`);
  const data = int(meta, 9) ?? -1;
  const dictionary = int(meta, 11);
  const start = dictionary !== undefined && dictionary > 0 && dictionary < data ? dictionary : data;
  const end = start + (int(meta, 7) ?? -1);
  if (start < 4 || end < start || end > footerStart) throw new Unsupported(`column "${column.name}" lies outside the file's data`);
  return { codec, start, end };
}
