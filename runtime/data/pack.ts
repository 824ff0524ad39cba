/**
 * A pack (`.mtlpack`): the data of one file bound for one model, stored as the arrays training
 * reads, so that a run opens it without parsing anything, and a PyTorch worker maps it with numpy.
 * The layout (docs/data.md has it in full):
 *
 *     bytes 0–7     "MTLPACK" and a zero byte
 *     bytes 8–11    the layout version, 1 (unsigned 32-bit, little-endian, as everything here)
 *     bytes 12–15   the manifest's length in bytes
 *     bytes 16–     the manifest: UTF-8 JSON (PackManifest), then zeros up to a multiple of 64
 *     then          each array at the offset its manifest entry gives (a multiple of 64), row-major
 *
 * The manifest names the model and a digest of everything binding depends on (inputs, heads,
 * columns, classes), the source file with its size and modification time, the rows, each array's
 * type, shape and place, the columns each input was read from, the normalization statistics of the
 * model's training split, and a SHA-256 of the arrays. Opening checks all of them: a pack made for
 * another model, a truncated or altered pack and a source file changed since are errors that say so.
 */
import { constants } from 'node:buffer';
import { createHash } from 'node:crypto';
import { closeSync, existsSync, openSync, readSync, statSync, writeSync } from 'node:fs';
import { rename, rm } from 'node:fs/promises';
import path from 'node:path';
import type { CheckedModel } from '../../compiler/index.js';
import type { BoundData, Dataset, LabelColumn, TargetScales } from './dataset.js';
import { DataError, DataErrors } from './errors.js';
import { fitNormalization, type NormStats } from './normalize.js';
import { splitRows } from './split.js';
import { fitTargetScales } from './targets.js';

export const PACK_EXTENSION = '.mtlpack';
const MAGIC = Buffer.from('MTLPACK\0', 'latin1');
const VERSION = 1;
const ALIGN = 64;

type DType = 'float32' | 'int32' | 'uint8';

/** One array of the pack: its element type, shape and where its bytes are. */
export interface PackArray {
  readonly dtype: DType;
  readonly shape: readonly number[];
  readonly offset: number;
  readonly bytes: number;
}

export interface PackManifest {
  readonly format: 'mtl-pack';
  readonly version: 1;
  readonly model: string;
  /** SHA-256 digests of how the model binds its inputs and its labels (bindingDigest): a pack opens only for a model that binds the same way. */
  readonly binding: { readonly inputs: string; readonly labels: string };
  readonly source: { readonly file: string; readonly size: number; readonly mtimeMs: number };
  readonly rows: number;
  /** Rows of the source left out under `--skip-bad-rows`. */
  readonly skipped: number;
  /** Per input: the columns or fields it was read from. */
  readonly columns: Readonly<Record<string, readonly string[]>>;
  readonly inputs: Readonly<Record<string, PackArray>>;
  readonly labels: Readonly<Record<string, { readonly values: PackArray; readonly mask: PackArray }>>;
  /** The `normalize` statistics of the training rows of the model's own split (`train { validation, seed }`). */
  readonly normalization: Readonly<Record<string, NormStats>>;
  /** Each regress head's target mean and standard deviation over those rows (data/targets.ts). */
  readonly targetScales: TargetScales;
  /** Each head's classes as the data was bound with them, declared or taken from the data (data/classes.ts). */
  readonly classes: Readonly<Record<string, readonly string[]>>;
  readonly split: { readonly validation: number | string; readonly seed: number };
  /** SHA-256 of every byte from the first array to the end of the file. */
  readonly checksum: string;
  /** The file's length in bytes. */
  readonly size: number;
}

/** What binding depends on, as two digests (inputs, labels): a change to any of it makes the pack another model's. */
export function bindingDigest(model: CheckedModel): PackManifest['binding'] {
  const digest = (value: unknown) => createHash('sha256').update(JSON.stringify(value)).digest('hex');
  return {
    inputs: digest(model.inputs.map((i) => [i.name, i.dtype, i.shape, i.vocab, i.category, i.categoryAsIds, i.columns])),
    labels: digest(model.heads.map((h) => [h.name, h.task.kind, h.task.units, h.task.label, h.task.classes, h.task.outShape])),
  };
}

const dtypeOf = (array: Float32Array | Int32Array | Uint8Array): DType =>
  array instanceof Float32Array ? 'float32' : array instanceof Int32Array ? 'int32' : 'uint8';

const align = (n: number) => Math.ceil(n / ALIGN) * ALIGN;

/** The statistics a pack's manifest records, and the split they are of. */
export type PackStatistics = Pick<PackManifest, 'normalization' | 'targetScales' | 'split'>;

/**
 * Writes `bound` (the data `source` gave for `model`) as a pack at `file`, through a temporary
 * file renamed into place, and returns its manifest. The statistics are those of the model's own
 * split unless `statistics` gives them (a run that validates on another file, or resumes).
 */
export async function writePack(
  model: CheckedModel,
  bound: BoundData,
  source: string,
  file: string,
  statistics?: PackStatistics,
): Promise<PackManifest> {
  const { dataset } = bound;
  const arrays: [string, Float32Array | Int32Array | Uint8Array, number[]][] = [];
  for (const input of model.inputs) {
    const values = dataset.inputs[input.name]!;
    arrays.push([`input:${input.name}`, values, [dataset.n, values.length / Math.max(dataset.n, 1)]]);
  }
  for (const head of model.heads) {
    const label = dataset.labels[head.name]!;
    arrays.push([`values:${head.name}`, label.values, [dataset.n, label.values.length / Math.max(dataset.n, 1)]]);
    arrays.push([`mask:${head.name}`, label.mask, [dataset.n]]);
  }
  const { normalization, targetScales, split } = statistics ?? modelStatistics(model, dataset);
  const classes = Object.fromEntries(model.heads.flatMap((h) => (h.task.classes !== undefined ? [[h.name, h.task.classes]] : [])));
  const stat = statSync(source);
  // The manifest's size depends on the offsets it lists: lay the arrays out after a generous guess, then check.
  const base: Omit<PackManifest, 'inputs' | 'labels' | 'checksum' | 'size'> = {
    format: 'mtl-pack',
    version: 1,
    model: model.name,
    binding: bindingDigest(model),
    source: { file: path.resolve(source), size: stat.size, mtimeMs: stat.mtimeMs },
    rows: dataset.n,
    skipped: bound.skipped,
    columns: bound.columns,
    normalization,
    targetScales,
    classes,
    split,
  };
  let start = align(16 + Buffer.byteLength(JSON.stringify(base)) + 4096 + 200 * arrays.length);
  const placed = arrays.map(([name, values, shape]) => {
    const entry: PackArray = { dtype: dtypeOf(values), shape, offset: start, bytes: values.byteLength };
    start = align(start + values.byteLength);
    return [name, entry, values] as const;
  });
  const size = placed.length === 0 ? start : placed[placed.length - 1]![1].offset + placed[placed.length - 1]![1].bytes;
  const hash = createHash('sha256');
  const dataStart = placed[0]?.[1].offset ?? start;
  let at = dataStart;
  const zeros = new Uint8Array(ALIGN);
  for (const [, entry, values] of placed) {
    if (entry.offset > at) hash.update(zeros.subarray(0, entry.offset - at));
    hash.update(new Uint8Array(values.buffer, values.byteOffset, values.byteLength));
    at = entry.offset + entry.bytes;
  }
  const entries = Object.fromEntries(placed.map(([name, entry]) => [name, entry]));
  const manifest: PackManifest = {
    ...base,
    inputs: Object.fromEntries(model.inputs.map((i) => [i.name, entries[`input:${i.name}`]!])),
    labels: Object.fromEntries(
      model.heads.map((h) => [h.name, { values: entries[`values:${h.name}`]!, mask: entries[`mask:${h.name}`]! }]),
    ),
    checksum: hash.digest('hex'),
    size,
  };
  const json = Buffer.from(JSON.stringify(manifest), 'utf8');
  if (16 + json.length > dataStart) throw new Error('bug: the pack manifest outgrew the room left for it');
  const header = Buffer.alloc(dataStart);
  MAGIC.copy(header, 0);
  header.writeUInt32LE(VERSION, 8);
  header.writeUInt32LE(json.length, 12);
  json.copy(header, 16);
  const temp = path.join(path.dirname(file), `.${path.basename(file)}.${process.pid}.tmp`);
  const fd = openSync(temp, 'w');
  try {
    writeSync(fd, header, 0, header.length, 0);
    for (const [, entry, values] of placed) {
      const bytes = new Uint8Array(values.buffer, values.byteOffset, values.byteLength);
      for (let done = 0; done < bytes.length; ) done += writeSync(fd, bytes, done, bytes.length - done, entry.offset + done);
    }
    closeSync(fd);
    await rename(temp, file);
  } catch (error) {
    closeSync(fd);
    await rm(temp, { force: true });
    throw error;
  }
  return manifest;
}

/** The statistics of the training rows of the model's own split (`train { validation, seed }`). */
function modelStatistics(model: CheckedModel, dataset: BoundData['dataset']): PackStatistics {
  const validation = model.train.validation;
  const fraction = typeof validation === 'number' ? validation : 0;
  const training = splitRows(dataset.n, fraction, model.train.seed).train;
  return {
    normalization: fitNormalization(model, dataset, training),
    targetScales: fitTargetScales(model, dataset, training),
    split: { validation, seed: model.train.seed },
  };
}

/** `model` with the classes its heads took from the data when the pack `file` was made (data/classes.ts). */
export function withPackClasses(model: CheckedModel, file: string): CheckedModel {
  const classes = readPackManifest(file).classes;
  return {
    ...model,
    heads: model.heads.map((h) =>
      h.task.classes === undefined && classes[h.name] !== undefined ? { ...h, task: { ...h.task, classes: classes[h.name]! } } : h,
    ),
  };
}

/** Whether `file` is named as a pack. */
export function isPack(file: string): boolean {
  return path.extname(file).toLowerCase() === PACK_EXTENSION;
}

function packError(file: string, problem: string): DataErrors {
  return new DataErrors([new DataError(file, undefined, undefined, problem)]);
}

/** The manifest of the pack `file`, checked against the file's length; throws `DataErrors` saying what is wrong. */
export function readPackManifest(file: string): PackManifest {
  let fd: number;
  try {
    fd = openSync(file, 'r');
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    throw packError(file, `cannot read the file: ${code === 'ENOENT' ? 'no such file' : (error as Error).message}`);
  }
  try {
    const head = Buffer.alloc(16);
    if (readSync(fd, head, 0, 16, 0) < 16 || !head.subarray(0, 8).equals(MAGIC))
      throw packError(file, 'not an mtl pack (mtlc data pack writes them)');
    const version = head.readUInt32LE(8);
    if (version !== VERSION) throw packError(file, `a pack of layout version ${version}; this mtlc reads version ${VERSION}`);
    const length = head.readUInt32LE(12);
    const json = Buffer.alloc(length);
    if (readSync(fd, json, 0, length, 16) < length) throw packError(file, 'the pack is truncated (its manifest is cut short)');
    const manifest = JSON.parse(json.toString('utf8')) as PackManifest;
    const size = statSync(file).size;
    if (size < manifest.size) throw packError(file, `the pack is truncated: ${size} bytes of ${manifest.size}`);
    return manifest;
  } catch (error) {
    if (error instanceof DataErrors) throw error;
    throw packError(file, `not a readable mtl pack: ${(error as Error).message}`);
  } finally {
    closeSync(fd);
  }
}

/**
 * Why `manifest` cannot be read for `model` (its labels too, unless `labels` is false, as for
 * predict), if it cannot: another model, or a source file changed since.
 */
export function packMismatch(manifest: PackManifest, model: CheckedModel, labels = true): string | undefined {
  const now = bindingDigest(model);
  const differs =
    now.inputs !== manifest.binding.inputs ? 'inputs' : labels && now.labels !== manifest.binding.labels ? 'heads' : undefined;
  if (differs !== undefined) {
    return `the pack was made for model "${manifest.model}", whose ${differs} read the data differently from those of "${model.name}" (names, shapes, columns or classes); run mtlc data pack again`;
  }
  const source = manifest.source;
  if (existsSync(source.file)) {
    const now = statSync(source.file);
    if (now.size !== source.size || now.mtimeMs !== source.mtimeMs) {
      return `the pack was made from ${source.file}, which has changed since; run mtlc data pack again`;
    }
  }
  return undefined;
}

/**
 * Opens the pack `file` for `model`: the whole file read once into memory, its checksum verified,
 * and the data set's arrays made as views of it (no copy, no parsing).
 */
export function readPack(model: CheckedModel, file: string, options: { readonly labels?: boolean } = {}): BoundData {
  const manifest = readPackManifest(file);
  const mismatch = packMismatch(manifest, model, options.labels);
  if (mismatch !== undefined) throw packError(file, mismatch);
  if (manifest.size > constants.MAX_LENGTH) {
    throw packError(
      file,
      `the pack (${manifest.size} bytes) is larger than one buffer can hold: train with --memory to stream it from disk`,
    );
  }
  const bytes = Buffer.allocUnsafeSlow(manifest.size);
  const fd = openSync(file, 'r');
  try {
    for (let done = 0; done < bytes.length; ) {
      const got = readSync(fd, bytes, done, bytes.length - done, done);
      if (got === 0) throw packError(file, 'the pack is truncated');
      done += got;
    }
  } finally {
    closeSync(fd);
  }
  const first = Math.min(
    ...[...Object.values(manifest.inputs), ...Object.values(manifest.labels).map((l) => l.values)].map((a) => a.offset),
  );
  const digest = createHash('sha256')
    .update(bytes.subarray(Number.isFinite(first) ? first : bytes.length))
    .digest('hex');
  if (digest !== manifest.checksum) throw packError(file, 'the pack is damaged: its checksum does not match its contents');
  const view = (a: PackArray) => {
    const Kind = a.dtype === 'float32' ? Float32Array : a.dtype === 'int32' ? Int32Array : Uint8Array;
    return new Kind(bytes.buffer, bytes.byteOffset + a.offset, a.bytes / Kind.BYTES_PER_ELEMENT);
  };
  const inputs: Dataset['inputs'] = Object.fromEntries(
    Object.entries(manifest.inputs).map(([name, a]) => [name, view(a) as Float32Array | Int32Array]),
  );
  const labels: Record<string, LabelColumn> = Object.fromEntries(
    Object.entries(manifest.labels).map(([name, l]) => [
      name,
      { values: view(l.values) as Float32Array, mask: view(l.mask) as Uint8Array },
    ]),
  );
  return {
    dataset: { n: manifest.rows, inputs, labels },
    file,
    format: 'pack',
    skipped: 0,
    skippedProblems: [],
    skippedProblemCount: 0,
    columns: manifest.columns,
  };
}
