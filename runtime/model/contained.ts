/**
 * A model directory is a sandbox (docs/security.md): every file it names is a plain name inside
 * it — no `..`, no absolute path, no symbolic link that leads out, nothing but a regular file — and
 * is read only up to the size it should have. A file that breaks a rule is refused with its name.
 */
import { constants } from 'node:fs';
import { open, realpath } from 'node:fs/promises';
import path from 'node:path';

/** The largest JSON file of a model directory read (model.json, mtl.json, checked.json, history.json, state.json). */
export const MAX_JSON_BYTES = 64 * 2 ** 20;

/** A model directory that is missing or damaged, or a file of it that breaks the sandbox: a user error, shown as one line. */
export class ModelDirError extends Error {
  override name = 'ModelDirError';

  constructor(
    /** The directory or file the problem is about. */
    readonly file: string,
    problem: string,
  ) {
    super(`${file}: ${problem}`);
  }
}

/**
 * `name` inside `dir`, refused unless it stays inside: a relative name without `..`, whose real
 * path (links followed) is inside the directory's real path.
 */
async function containedPath(dir: string, name: unknown): Promise<{ file: string; real: string }> {
  const normal = typeof name === 'string' ? path.normalize(name) : '';
  if (normal === '' || normal.includes('\0') || path.isAbsolute(normal) || normal === '..' || normal.startsWith(`..${path.sep}`)) {
    throw new ModelDirError(
      dir,
      `names the file ${JSON.stringify(name)}, which is not inside the model directory (it may name only files inside it)`,
    );
  }
  const file = path.join(dir, normal);
  let real: string;
  let root: string;
  try {
    [real, root] = await Promise.all([realpath(file), realpath(dir)]);
  } catch (error) {
    throw new ModelDirError(file, (error as NodeJS.ErrnoException).code === 'ENOENT' ? 'no such file' : (error as Error).message);
  }
  if (!real.startsWith(`${root}${path.sep}`)) throw new ModelDirError(file, `leads to ${real}, outside the model directory`);
  return { file, real };
}

/**
 * Reads `name` inside `dir` as `containedPath` allows: a regular file of at most `maxBytes`, its
 * size read from the open file before any byte is, so a device or a swapped file is never read.
 */
export async function readContained(dir: string, name: unknown, maxBytes: number): Promise<Buffer> {
  const { file, real } = await containedPath(dir, name);
  const handle = await open(real, constants.O_RDONLY | constants.O_NOFOLLOW | constants.O_NONBLOCK);
  try {
    const info = await handle.stat();
    if (!info.isFile()) throw new ModelDirError(file, 'is not a regular file');
    if (info.size > maxBytes) throw new ModelDirError(file, `is ${info.size} bytes, more than the ${maxBytes} it may have`);
    return await handle.readFile();
  } finally {
    await handle.close();
  }
}
