/**
 * Training rows of a pack too big for the memory a run may use, streamed from disk epoch after
 * epoch (docs/data.md). The training rows (those the model's seeded split does not hold out) are
 * cut into blocks of consecutive rows, as many as a quarter of the memory allowed holds; each epoch
 * reads the blocks in an order drawn from the seed and the epoch, shuffles each block's rows with
 * the same kind of seed, normalizes them with the pack's statistics and yields its batches. Blocks
 * hold a whole number of batches, so an epoch has as many batches as it has in memory, and a run
 * holds at most one block at a time: its memory is bounded by the cap, not by the data.
 */
import { closeSync, openSync, readSync } from 'node:fs';
import type { CheckedModel } from '../../compiler/index.js';
import type { Dataset, LabelColumn, TargetScales } from './dataset.js';
import { DataError, DataErrors } from './errors.js';
import { applyNormalization, type NormStats } from './normalize.js';
import { type PackArray, type PackManifest, packMismatch, readPackManifest } from './pack.js';
import { mulberry32, shuffleInPlace } from './random.js';
import { type Batch, Batches, type BatchOptions, epochSeed, splitRows } from './split.js';
import { standardizeTargets } from './targets.js';

/** Rows that yield batches epoch after epoch: a data set in memory, or a pack streamed from disk. */
export interface BatchSource {
  readonly n: number;
  /** Labelled rows per head. */
  readonly labelled: Readonly<Record<string, number>>;
  batches(batchSize: number, options: BatchOptions): { readonly count: number; epoch(epoch: number): IterableIterator<Batch> };
}

export function isBatchSource(data: Dataset | BatchSource): data is BatchSource {
  return 'batches' in data;
}

/** What a streamed run trains and validates on. */
export interface StreamedData {
  readonly train: BatchSource;
  /** The held-out rows, read into memory once. */
  readonly validation?: Dataset;
  readonly normalization: Readonly<Record<string, NormStats>>;
  readonly targetScales: TargetScales;
  readonly columns: PackManifest['columns'];
}

type Typed = Float32Array | Int32Array | Uint8Array;

const kindOf = (a: PackArray) => (a.dtype === 'float32' ? Float32Array : a.dtype === 'int32' ? Int32Array : Uint8Array);

/** The pack's arrays by role: each input, and each head's values and mask. */
function arraysOf(manifest: PackManifest): { name: string; role: 'input' | 'values' | 'mask'; array: PackArray }[] {
  return [
    ...Object.entries(manifest.inputs).map(([name, array]) => ({ name, role: 'input' as const, array })),
    ...Object.entries(manifest.labels).flatMap(([name, l]) => [
      { name, role: 'values' as const, array: l.values },
      { name, role: 'mask' as const, array: l.mask },
    ]),
  ];
}

/** Bytes one row takes in all of the pack's arrays together. */
export function packRowBytes(manifest: PackManifest): number {
  return arraysOf(manifest).reduce((sum, { array }) => sum + (manifest.rows === 0 ? 0 : array.bytes / manifest.rows), 0);
}

/**
 * Reads rows `rows[from … to)` (ascending) of the pack into a new data set, reading the file in
 * spans of at most `spanRows` consecutive rows, so that scattered rows (the validation split) cost
 * no more memory than the rows themselves.
 */
function readRows(fd: number, manifest: PackManifest, rows: Int32Array, from: number, to: number, spanRows: number): Dataset {
  const inputs: Record<string, Float32Array | Int32Array> = {};
  const values: Record<string, Float32Array> = {};
  const masks: Record<string, Uint8Array> = {};
  for (const { name, role, array } of arraysOf(manifest)) {
    const Kind = kindOf(array);
    const rowBytes = array.bytes / manifest.rows;
    const width = rowBytes / Kind.BYTES_PER_ELEMENT;
    const out = new Kind((to - from) * width) as Typed;
    const span = Buffer.allocUnsafeSlow(Math.min(spanRows, manifest.rows) * rowBytes);
    for (let i = from; i < to; ) {
      // The rows from i on that lie within spanRows of rows[i]: one read.
      const first = rows[i]!;
      let end = i;
      while (end < to && rows[end]! - first < spanRows) end++;
      const bytes = (rows[end - 1]! - first + 1) * rowBytes;
      for (let done = 0; done < bytes; ) {
        const got = readSync(fd, span, done, bytes - done, array.offset + first * rowBytes + done);
        if (got === 0) throw new DataErrors([new DataError('pack', undefined, undefined, 'the pack is truncated')]);
        done += got;
      }
      const source = new Kind(span.buffer, span.byteOffset, bytes / Kind.BYTES_PER_ELEMENT) as Typed;
      for (; i < end; i++) out.set(source.subarray((rows[i]! - first) * width, (rows[i]! - first + 1) * width), (i - from) * width);
    }
    if (role === 'input') inputs[name] = out as Float32Array | Int32Array;
    else if (role === 'values') values[name] = out as Float32Array;
    else masks[name] = out as Uint8Array;
  }
  const labels: Record<string, LabelColumn> = Object.fromEntries(
    Object.keys(manifest.labels).map((h) => [h, { values: values[h]!, mask: masks[h]! }]),
  );
  return { n: to - from, inputs, labels };
}

class PackRows implements BatchSource {
  readonly n: number;
  readonly labelled: Record<string, number>;

  constructor(
    private readonly file: string,
    private readonly manifest: PackManifest,
    private readonly rows: Int32Array,
    /** Rows per block before rounding to whole batches. */
    private readonly blockRows: number,
  ) {
    this.n = rows.length;
    this.labelled = this.countLabelled();
  }

  batches(batchSize: number, options: BatchOptions) {
    const block = Math.max(batchSize, Math.floor(this.blockRows / batchSize) * batchSize);
    const blocks = Math.ceil(this.n / block);
    const source = this;
    return {
      count: Math.ceil(this.n / batchSize),
      *epoch(epoch: number): IterableIterator<Batch> {
        const order = Int32Array.from({ length: blocks }, (_, k) => k);
        const seed = epochSeed(options.seed ?? 0, epoch);
        if (options.shuffle === true) shuffleInPlace(order, mulberry32(seed));
        const fd = openSync(source.file, 'r');
        try {
          for (const k of order) {
            const data = readRows(fd, source.manifest, source.rows, k * block, Math.min(source.n, (k + 1) * block), 2 * block);
            applyNormalization(data, source.manifest.normalization);
            standardizeTargets(data, source.manifest.targetScales);
            const within = new Batches(
              data,
              Int32Array.from({ length: data.n }, (_, i) => i),
              batchSize,
              {
                ...options,
                seed: (seed ^ Math.imul(k + 1, 0x9e3779b9)) >>> 0,
              },
            );
            yield* within.epoch(epoch);
          }
        } finally {
          closeSync(fd);
        }
      },
    };
  }

  private countLabelled(): Record<string, number> {
    const counts: Record<string, number> = Object.fromEntries(Object.keys(this.manifest.labels).map((h) => [h, 0]));
    const fd = openSync(this.file, 'r');
    try {
      for (const [head, label] of Object.entries(this.manifest.labels)) {
        const mask = Buffer.allocUnsafeSlow(label.mask.bytes);
        readSync(fd, mask, 0, mask.length, label.mask.offset);
        for (const row of this.rows) counts[head]! += mask[row]!;
      }
    } finally {
      closeSync(fd);
    }
    return counts;
  }
}

/**
 * Opens the pack `file` for streamed training under a memory cap of `memory` bytes. The split is
 * the model's (`train { validation, seed }`), whose statistics the pack carries: a pack made with
 * another split is refused, since its statistics would be those of other rows.
 */
export function openPackStream(model: CheckedModel, file: string, memory: number): StreamedData {
  const manifest = readPackManifest(file);
  const mismatch = packMismatch(manifest, model);
  const fail = (problem: string) => new DataErrors([new DataError(file, undefined, undefined, problem)]);
  if (mismatch !== undefined) throw fail(mismatch);
  const validation = model.train.validation;
  if (typeof validation === 'string')
    throw fail('a streamed pack holds its validation rows itself: train { validation } must be a fraction');
  if (manifest.split.validation !== validation || manifest.split.seed !== model.train.seed) {
    throw fail(
      `the pack's normalization statistics are of the split validation ${manifest.split.validation}, seed ${manifest.split.seed}; the model asks for validation ${validation}, seed ${model.train.seed}: run mtlc data pack again`,
    );
  }
  const split = splitRows(manifest.rows, validation, model.train.seed);
  const blockRows = Math.max(1, Math.floor(memory / 4 / Math.max(packRowBytes(manifest), 1)));
  const train = new PackRows(file, manifest, split.train, blockRows);
  let held: Dataset | undefined;
  if (split.validation.length > 0) {
    const fd = openSync(file, 'r');
    try {
      held = readRows(fd, manifest, split.validation, 0, split.validation.length, blockRows);
    } finally {
      closeSync(fd);
    }
    applyNormalization(held, manifest.normalization);
    held = standardizeTargets(held, manifest.targetScales);
  }
  return {
    train,
    ...(held !== undefined ? { validation: held } : {}),
    normalization: manifest.normalization,
    targetScales: manifest.targetScales,
    columns: manifest.columns,
  };
}
