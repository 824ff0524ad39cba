/**
 * Reading a `.mtl` source from disk — a file named on the command line, or one an `import` names —
 * for the command line and the language server alike: only a regular file (a device such as
 * /dev/zero, a FIFO or a directory could be endless or block), and only up to a size limit, so a
 * small file cannot make checking read without end (docs/security.md).
 */
import * as fs from 'node:fs';

/** The largest source read: 4 MiB, or `MTLC_MAX_SOURCE_BYTES` (docs/security.md). */
export function maxSourceBytes(env: Readonly<Record<string, string | undefined>> = process.env): number {
  const raised = Number(env['MTLC_MAX_SOURCE_BYTES']);
  return Number.isSafeInteger(raised) && raised > 0 ? raised : 4 * 2 ** 20;
}

/** A source that is not a regular file, or too large: its `message` is the reason, in a user's words. */
export class SourceFileError extends Error {
  override name = 'SourceFileError';
}

/** A source larger than the limit it was read with: refused before a byte of it is read. */
export class SourceTooLargeError extends SourceFileError {
  override name = 'SourceTooLargeError';
}

/**
 * The UTF-8 text of `file`, of at most `limit` bytes (the language server reads imports with a lower
 * one); throws Node's errors (ENOENT…) or a `SourceFileError`.
 */
export function readSourceFile(file: string, limit = maxSourceBytes()): string {
  // O_NONBLOCK: opening a FIFO must not wait for a writer.
  const fd = fs.openSync(file, fs.constants.O_RDONLY | fs.constants.O_NONBLOCK);
  try {
    const info = fs.fstatSync(fd);
    if (info.isDirectory()) throw Object.assign(new Error('is a directory'), { code: 'EISDIR' });
    if (!info.isFile()) throw new SourceFileError('not a regular file (a device or a FIFO)');
    if (info.size > limit) {
      throw new SourceTooLargeError(`${info.size} bytes, more than the ${limit} a source may have (raise it with MTLC_MAX_SOURCE_BYTES)`);
    }
    return fs.readFileSync(fd, 'utf8');
  } finally {
    fs.closeSync(fd);
  }
}
