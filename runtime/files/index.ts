/**
 * Writing the user's files safely, for the runtime and the command line alike (Node only): a file
 * is replaced whole or not at all.
 */
import { randomBytes } from 'node:crypto';
import { open, rename, stat, unlink } from 'node:fs/promises';
import path from 'node:path';

/**
 * Writes `data` to `file` so that readers see either the old file or the whole new one: the
 * bytes go to a temporary file in the same directory (same file system, so `rename` is atomic),
 * are flushed to disk, and the temporary file is renamed over the target, which keeps its mode.
 */
export async function writeFileAtomic(file: string, data: string | Uint8Array): Promise<void> {
  const temp = path.join(path.dirname(file), `.${path.basename(file)}.${process.pid}.${randomBytes(4).toString('hex')}.tmp`);
  const mode = await stat(file).then(
    (s) => s.mode,
    () => undefined,
  );
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
