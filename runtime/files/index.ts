/**
 * Writing the user's files safely, for the runtime and the command line alike (Node only): a file
 * is replaced whole or not at all.
 */
import { randomBytes } from 'node:crypto';
import { mkdir, open, readFile, realpath, rename, rmdir, stat, unlink } from 'node:fs/promises';
import path from 'node:path';

/**
 * Writes `data` to `file` so that readers see either the old file or the whole new one: the
 * bytes go to a temporary file in the same directory (same file system, so `rename` is atomic),
 * are flushed to disk, and the temporary file is renamed over the target, which keeps its mode. A
 * path that is a symbolic link writes the file it points to (as editors do), never the link.
 */
export async function writeFileAtomic(link: string, data: string | Uint8Array): Promise<void> {
  // Through a symbolic link: the file it points to is replaced, and the link stays.
  const file = await realpath(link).catch(() => link);
  const temp = path.join(path.dirname(file), `.${path.basename(file)}.${process.pid}.${randomBytes(4).toString('hex')}.tmp`);
  const existing = await stat(file).catch(() => undefined);
  // Renaming over a device or a FIFO (say /dev/full, as root) would replace it: only files are replaced.
  if (existing !== undefined && !existing.isFile()) {
    throw Object.assign(new Error(`${file} is not a regular file`), {
      code: existing.isDirectory() ? 'EISDIR' : 'ENOTREG',
      path: file,
      syscall: 'open',
    });
  }
  const mode = existing?.mode;
  const handle = await open(temp, 'w');
  try {
    try {
      await handle.writeFile(data);
      if (mode !== undefined) await handle.chmod(mode);
      await handle.sync();
    } finally {
      await handle.close();
    }
    await rename(temp, file);
  } catch (error) {
    await unlink(temp).catch(() => undefined);
    throw error;
  }
}

/** The lock file a run keeps in its output directory while it writes there. */
export const LOCK_FILE = '.mtlc.lock';

/** An output directory another running mtlc holds: a user error, shown as one line. */
export class OutputLocked extends Error {
  override name = 'OutputLocked';

  constructor(
    /** The locked directory. */
    readonly file: string,
    pid: number,
  ) {
    super(`${file} is being written by another mtlc (process ${pid}): wait for it to end, or choose another -o`);
  }
}

/**
 * Takes the lock of `dir` (created if needed) for this process: `.mtlc.lock` holding its pid,
 * created exclusively. A lock whose process no longer runs is stale and taken over. Returns the
 * function that releases it, which also removes the directory when this lock made it and nothing
 * was written there (a run that stopped at bad data).
 */
export async function lockDirectory(dir: string): Promise<() => Promise<void>> {
  const file = path.join(dir, LOCK_FILE);
  const created = await mkdir(dir, { recursive: true });
  for (let attempt = 0; ; attempt++) {
    try {
      const handle = await open(file, 'wx');
      await handle.writeFile(`${process.pid}\n`);
      await handle.close();
      return async () => {
        await unlink(file).catch(() => undefined);
        if (created !== undefined) await rmdir(dir).catch(() => undefined);
      };
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST' || attempt > 0) throw error;
    }
    const pid = Number((await readFile(file, 'utf8').catch(() => '')).trim());
    if (Number.isSafeInteger(pid) && pid > 0 && isRunning(pid)) throw new OutputLocked(dir, pid);
    await unlink(file).catch(() => undefined);
  }
}

function isRunning(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}
