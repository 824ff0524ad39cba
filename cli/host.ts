/**
 * The file system as the compiler and the commands see it: reading sources (with a reason when a
 * file cannot be read, for one-line user errors), writing formatted files atomically, and finding
 * the package's own version. With the commands, the only code that touches files.
 */
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { CompileHost } from '../compiler/index.js';
import { readSourceFile } from '../lsp/server/source-file.js';

export type ReadResult = { readonly ok: true; readonly text: string } | { readonly ok: false; readonly reason: string };

/** Reads a UTF-8 text file; an unreadable one comes back with a short reason ("no such file"). */
export function readSource(file: string): ReadResult {
  try {
    return { ok: true, text: readSourceFile(file) };
  } catch (error) {
    return { ok: false, reason: describeError(error) };
  }
}

/** Node's error codes in the words a user reads after `cannot read "x.mtl": ` or `cannot write "out": `. */
const REASONS: Readonly<Record<string, string>> = {
  ENOENT: 'no such file',
  EISDIR: 'is a directory',
  EACCES: 'permission denied',
  EPERM: 'permission denied',
  ENOTDIR: 'a part of the path is not a directory',
  ENAMETOOLONG: 'name too long',
  ENOSPC: 'the disk is full: free some space, or write elsewhere',
  EDQUOT: 'the disk quota is used up: free some space, or write elsewhere',
  EROFS: 'the file system is read-only: write elsewhere',
  EEXIST: 'a file of that name is in the way (a folder was expected): choose another path',
  ENOTREG: 'not a regular file (a device or a FIFO): choose another path',
};

export function describeError(error: unknown): string {
  const code = (error as NodeJS.ErrnoException | undefined)?.code;
  return (code !== undefined ? REASONS[code] : undefined) ?? (error instanceof Error ? error.message : String(error));
}

/** A file-system error about a path that the user can fix (a full disk, a missing folder), as opposed to a bug. */
export function isFileError(error: unknown): error is NodeJS.ErrnoException & { path: string } {
  const e = error as NodeJS.ErrnoException | undefined;
  return e?.code !== undefined && REASONS[e.code] !== undefined && typeof e.path === 'string';
}

/** The compiler's host on the real file system; every text read is cached for code frames. */
export class NodeHost implements CompileHost {
  private readonly texts = new Map<string, string | undefined>();

  readFile(file: string): string | undefined {
    const key = path.resolve(file);
    if (!this.texts.has(key)) {
      const read = readSource(key);
      this.texts.set(key, read.ok ? read.text : undefined);
    }
    return this.texts.get(key);
  }

  /** Records a text already read (the compiled file itself), so frames can quote it. */
  remember(file: string, text: string): void {
    this.texts.set(path.resolve(file), text);
  }
}

/** The version in the package.json above this module (source or dist/ alike). */
export function packageVersion(): string {
  let dir = path.dirname(fileURLToPath(import.meta.url));
  for (;;) {
    const candidate = path.join(dir, 'package.json');
    const read = readSource(candidate);
    if (read.ok) {
      try {
        const pkg = JSON.parse(read.text) as { name?: string; version?: string };
        if (pkg.name === 'mtl' && typeof pkg.version === 'string') return pkg.version;
      } catch {
        // Not ours; keep walking up.
      }
    }
    const parent = path.dirname(dir);
    if (parent === dir) return '0.0.0';
    dir = parent;
  }
}
