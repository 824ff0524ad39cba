/**
 * Where `mtlc train` and `mtlc build` write, chosen so that nothing the user has is replaced
 * without being asked: by default a fresh `runs/<name>`, `runs/<name>-2`, …; an explicit `-o` that
 * already holds a model only with `--force` (or `--resume`, which continues it).
 */
import * as fs from 'node:fs';
import * as path from 'node:path';

/** `runs/penguins` for `examples/penguins.mtl`. */
export function runBase(cwd: string, root: string, mtlFile: string): string {
  return path.join(cwd, root, path.basename(mtlFile, path.extname(mtlFile)));
}

/** The first of `base`, `base-2`, `base-3`… that does not exist yet. */
export function freshDir(base: string): string {
  if (!fs.existsSync(base)) return base;
  for (let k = 2; ; k++) {
    const candidate = `${base}-${k}`;
    if (!fs.existsSync(candidate)) return candidate;
  }
}

/** The existing directories among `base`, `base-2`, `base-3`…, oldest first. */
export function existingRuns(base: string): string[] {
  const parent = path.dirname(base);
  const name = path.basename(base);
  let entries: string[];
  try {
    entries = fs.readdirSync(parent);
  } catch {
    return [];
  }
  const suffix = new RegExp(`^${name.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}(?:-(\\d+))?$`);
  return entries
    .map((entry) => ({ entry, match: suffix.exec(entry) }))
    .filter(({ match }) => match !== null)
    .sort((a, b) => Number(a.match![1] ?? 1) - Number(b.match![1] ?? 1))
    .map(({ entry }) => path.join(parent, entry));
}
