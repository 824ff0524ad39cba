/**
 * Snappy decompression, the raw format Parquet pages use
 * (https://github.com/google/snappy/blob/main/format_description.txt): a varint length, then
 * literals and back-references. Every length and offset is checked, so a corrupt page throws
 * `ParquetCorrupt` rather than reading or writing out of bounds.
 */
import { ParquetCorrupt } from './parquet-thrift.js';

/** Below this many bytes a loop copies faster than a native call on a fresh subarray. */
const SHORT = 32;

/** Decompresses `src` into `out` from offset `at`; it must come to `length` bytes, as the page header says. */
export function snappyUncompress(src: Uint8Array, out: Uint8Array, at: number, length: number): void {
  let ip = 0;
  let declared = 0;
  for (let shift = 1; ; shift *= 128) {
    if (ip >= src.length || shift > 2 ** 28) throw new ParquetCorrupt('a snappy length that does not end');
    const b = src[ip++]!;
    declared += (b & 0x7f) * shift;
    if (b < 0x80) break;
  }
  if (declared !== length) throw new ParquetCorrupt(`a snappy page of ${declared} bytes where the header says ${length}`);
  if (at + length > out.length) throw new ParquetCorrupt('a snappy page larger than its buffer');
  let op = at;
  const end = at + length;
  while (ip < src.length) {
    const tag = src[ip++]!;
    let len: number;
    let offset: number;
    switch (tag & 3) {
      case 0: {
        len = (tag >>> 2) + 1;
        if (len > 60) {
          const extra = len - 60;
          if (ip + extra > src.length) throw new ParquetCorrupt('a snappy literal cut short');
          len = 0;
          for (let i = extra - 1; i >= 0; i--) len = len * 256 + src[ip + i]!;
          len += 1;
          ip += extra;
        }
        if (ip + len > src.length || op + len > end) throw new ParquetCorrupt('a snappy literal out of bounds');
        if (len < SHORT) for (let i = 0; i < len; i++) out[op + i] = src[ip + i]!;
        else out.set(src.subarray(ip, ip + len), op);
        ip += len;
        op += len;
        continue;
      }
      case 1:
        if (ip >= src.length) throw new ParquetCorrupt('a snappy copy cut short');
        len = ((tag >>> 2) & 7) + 4;
        offset = ((tag >>> 5) << 8) | src[ip++]!;
        break;
      case 2:
        if (ip + 2 > src.length) throw new ParquetCorrupt('a snappy copy cut short');
        len = (tag >>> 2) + 1;
        offset = src[ip]! | (src[ip + 1]! << 8);
        ip += 2;
        break;
      default:
        if (ip + 4 > src.length) throw new ParquetCorrupt('a snappy copy cut short');
        len = (tag >>> 2) + 1;
        offset = (src[ip]! | (src[ip + 1]! << 8) | (src[ip + 2]! << 16) | (src[ip + 3]! << 24)) >>> 0;
        ip += 4;
    }
    if (offset === 0 || offset > op - at || op + len > end) throw new ParquetCorrupt('a snappy copy out of bounds');
    // An offset shorter than the length repeats the bytes just written: copied byte by byte.
    if (offset < len || len < SHORT) for (let i = 0; i < len; i++) out[op + i] = out[op + i - offset]!;
    else out.copyWithin(op, op - offset, op - offset + len);
    op += len;
  }
  if (op !== end) throw new ParquetCorrupt(`a snappy page of ${op - at} bytes where the header says ${length}`);
}
