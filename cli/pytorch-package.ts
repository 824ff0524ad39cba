/**
 * Writes the PyTorch package the compiler emits (compiler/pytorch/) into a directory: for
 * `mtlc build --target pytorch` and for the run directory of `mtlc train --engine pytorch`.
 * A directory that holds anything but an earlier package is left alone unless `force`.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { type CheckedModel, emitPyTorch } from '../compiler/index.js';
import { writeFileAtomic } from '../runtime/files/index.js';
import { UsageError } from './commands/command.js';

/** The files of an earlier package, which a new build replaces without --force. */
const PACKAGE_FILES = new Set(['model.py', 'mtl_layers.py', 'mtl_metrics.py', 'mtl_weighting.py', 'train.py', '__pycache__']);

/** Writes the package for `model` (compiled from `source`) into `dir`; the file names written. */
export async function writePyTorchPackage(
  dir: string,
  shown: string,
  model: CheckedModel,
  source: { readonly file: string; readonly text: string },
  force = false,
): Promise<string[]> {
  if (fs.existsSync(dir)) {
    if (!fs.statSync(dir).isDirectory()) throw new UsageError(`"${shown}" is a file, not a directory: choose another -o`);
    const others = fs.readdirSync(dir).filter((f) => !PACKAGE_FILES.has(f));
    if (others.length > 0 && !force) {
      throw new UsageError(
        `"${shown}" holds other files (${others.slice(0, 3).join(', ')}): pass --force to write into it, or choose another -o`,
      );
    }
  }
  fs.mkdirSync(dir, { recursive: true });
  const files = emitPyTorch(model, source);
  for (const file of files) await writeFileAtomic(path.join(dir, file.name), file.text);
  return files.map((f) => f.name);
}
