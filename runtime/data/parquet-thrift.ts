/**
 * The Thrift compact protocol as Parquet uses it for its footer and page headers
 * (https://github.com/apache/thrift/blob/master/doc/specs/thrift-compact-protocol.md): a struct is
 * read whole into a map from field id to value, unknown fields included, so that the reader in
 * parquet-plain.ts picks the fields it knows by their ids (parquet.thrift) and ignores the rest.
 */

/** A file the fast reader cannot make sense of: broken, or cut short. */
export class ParquetCorrupt extends Error {}

export type ThriftValue = number | boolean | Uint8Array | ThriftStruct | ThriftValue[];
export type ThriftStruct = ReadonlyMap<number, ThriftValue>;

/** Deeper nesting than Parquet's metadata ever has is a corrupt file, not a stack overflow. */
const MAX_DEPTH = 32;

/** Reads compact-protocol values from `bytes`, from `pos` on; running off the end throws `ParquetCorrupt`. */
export class CompactReader {
  constructor(
    private readonly bytes: Uint8Array,
    public pos = 0,
  ) {}

  private byte(): number {
    if (this.pos >= this.bytes.length) throw new ParquetCorrupt('metadata runs past its end');
    return this.bytes[this.pos++]!;
  }

  /** An unsigned varint, exact up to 2^53 (file offsets and counts are far below). */
  private varint(): number {
    let value = 0;
    let scale = 1;
    for (let i = 0; i < 10; i++) {
      const b = this.byte();
      value += (b & 0x7f) * scale;
      if (b < 0x80) return value;
      scale *= 128;
    }
    throw new ParquetCorrupt('a varint longer than 10 bytes');
  }

  private zigzag(): number {
    const n = this.varint();
    return n % 2 === 0 ? n / 2 : -(n + 1) / 2;
  }

  /** struct := field* STOP; field := header (delta << 4 | type) [zigzag id when delta is 0] value. */
  struct(depth = 0): ThriftStruct {
    const fields = new Map<number, ThriftValue>();
    let id = 0;
    for (;;) {
      const header = this.byte();
      if (header === 0) return fields;
      const type = header & 0x0f;
      id = header >> 4 === 0 ? this.zigzag() : id + (header >> 4);
      // A boolean field holds its value in its type: 1 true, 2 false.
      fields.set(id, type === 1 ? true : type === 2 ? false : this.value(type, depth));
    }
  }

  /** Every nested value passes here: lists and maps nest as structs do. */
  private value(type: number, depth: number): ThriftValue {
    if (depth > MAX_DEPTH) throw new ParquetCorrupt('metadata nested too deeply');
    switch (type) {
      case 1:
      case 2:
        return this.byte() === 1; // a boolean element of a list: one byte
      case 3:
        return (this.byte() << 24) >> 24;
      case 4:
      case 5:
      case 6:
        return this.zigzag();
      case 7: {
        if (this.pos + 8 > this.bytes.length) throw new ParquetCorrupt('metadata runs past its end');
        const value = new DataView(this.bytes.buffer, this.bytes.byteOffset + this.pos, 8).getFloat64(0, true);
        this.pos += 8;
        return value;
      }
      case 8: {
        const length = this.varint();
        if (this.pos + length > this.bytes.length) throw new ParquetCorrupt('metadata runs past its end');
        this.pos += length;
        return this.bytes.subarray(this.pos - length, this.pos);
      }
      case 9:
      case 10:
        return this.list(depth);
      case 11:
        return this.map(depth);
      case 12:
        return this.struct(depth + 1);
      default:
        throw new ParquetCorrupt(`unknown Thrift type ${type}`);
    }
  }

  /** list := header (size << 4 | element type) [varint size when the nibble is 15] element*. */
  private list(depth: number): ThriftValue[] {
    const header = this.byte();
    const size = header >> 4 === 15 ? this.varint() : header >> 4;
    // Every element takes at least a byte: a larger count is a corrupt file, not an allocation.
    if (size > this.bytes.length - this.pos) throw new ParquetCorrupt('a list longer than the metadata');
    const items: ThriftValue[] = [];
    for (let i = 0; i < size; i++) items.push(this.value(header & 0x0f, depth + 1));
    return items;
  }

  /** map := varint size [key type << 4 | value type] (key value)*; read as a list of [key, value]. */
  private map(depth: number): ThriftValue[] {
    const size = this.varint();
    if (size === 0) return [];
    if (size > this.bytes.length - this.pos) throw new ParquetCorrupt('a map longer than the metadata');
    const types = this.byte();
    const pairs: ThriftValue[] = [];
    for (let i = 0; i < size; i++) pairs.push([this.value(types >> 4, depth + 1), this.value(types & 0x0f, depth + 1)]);
    return pairs;
  }
}

/** Field `id` of `struct` when it is a number (an integer or enum field), else undefined. */
export function int(struct: ThriftStruct, id: number): number | undefined {
  const value = struct.get(id);
  return typeof value === 'number' ? value : undefined;
}

/** Field `id` of `struct` when it is a struct. */
export function child(struct: ThriftStruct, id: number): ThriftStruct | undefined {
  const value = struct.get(id);
  return value instanceof Map ? value : undefined;
}

/** Field `id` of `struct` when it is a list. */
export function list(struct: ThriftStruct, id: number): readonly ThriftValue[] | undefined {
  const value = struct.get(id);
  return Array.isArray(value) ? value : undefined;
}

/** Field `id` of `struct`, a list of structs (none when absent); any other element is a corrupt file. */
export function structs(struct: ThriftStruct, id: number): readonly ThriftStruct[] {
  const items = list(struct, id) ?? [];
  if (!items.every((item) => item instanceof Map)) throw new ParquetCorrupt(`field ${id} is not a list of structs`);
  return items as readonly ThriftStruct[];
}
