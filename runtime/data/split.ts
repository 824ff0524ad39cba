/**
 * Deterministic splitting and batching. The same seed gives the same validation rows and the
 * same batch order on every machine: randomness comes from mulberry32, never `Math.random`.
 * Batching permutes row indices, not rows, and gathers each batch into buffers allocated once,
 * so an epoch costs no copy of the data set.
 */
import { type Dataset, gatherInto } from './dataset.js';
import { mulberry32, shuffleInPlace } from './random.js';

export interface Split {
  /** Row indices, ascending. */
  readonly train: Int32Array;
  readonly validation: Int32Array;
}

/**
 * Holds out `round(n * fraction)` random rows for validation, at least one of each part when
 * `fraction > 0` and there are two rows or more. Both parts keep file order.
 */
export function splitRows(n: number, fraction: number, seed: number): Split {
  if (!(fraction >= 0 && fraction < 1)) throw new Error(`validation fraction must be in [0, 1), got ${fraction}`);
  let held = Math.round(n * fraction);
  if (fraction > 0 && n >= 2) held = Math.min(Math.max(held, 1), n - 1);
  const order = Int32Array.from({ length: n }, (_, i) => i);
  shuffleInPlace(order, mulberry32(seed));
  const validation = order.slice(0, held).sort();
  const train = order.slice(held).sort();
  return { train, validation };
}

export interface Batch {
  /** Rows in this batch; the last batch of an epoch may be smaller than the batch size. */
  readonly size: number;
  /** Per input: `size * width` values. */
  readonly inputs: Readonly<Record<string, Float32Array | Int32Array>>;
  readonly labels: Readonly<Record<string, { readonly values: Float32Array; readonly mask: Uint8Array }>>;
}

export interface BatchOptions {
  /** Reorder rows every epoch (default false: file order). */
  readonly shuffle?: boolean;
  readonly seed?: number;
}

/**
 * The batches of some rows of a data set. Each batch's arrays are views of buffers reused by the
 * next batch: turn them into tensors (which copies) before asking for the next one.
 */
export class Batches {
  private readonly order: Int32Array;
  private readonly inputBuffers: Record<string, Float32Array | Int32Array> = {};
  private readonly labelBuffers: Record<string, { values: Float32Array; mask: Uint8Array }> = {};

  constructor(
    private readonly dataset: Dataset,
    private readonly rows: Int32Array,
    readonly batchSize: number,
    private readonly options: BatchOptions = {},
  ) {
    if (!(Number.isInteger(batchSize) && batchSize > 0)) throw new Error(`batch size must be a positive integer, got ${batchSize}`);
    this.order = new Int32Array(rows.length);
    const width = (length: number): number => (dataset.n === 0 ? 0 : length / dataset.n);
    for (const [name, values] of Object.entries(dataset.inputs)) {
      const size = batchSize * width(values.length);
      this.inputBuffers[name] = values instanceof Int32Array ? new Int32Array(size) : new Float32Array(size);
    }
    for (const [name, label] of Object.entries(dataset.labels)) {
      this.labelBuffers[name] = { values: new Float32Array(batchSize * width(label.values.length)), mask: new Uint8Array(batchSize) };
    }
  }

  /** Batches per epoch. */
  get count(): number {
    return Math.ceil(this.rows.length / this.batchSize);
  }

  /**
   * The row order of epoch `epoch` (0-based). Each epoch's order depends only on the seed and the
   * epoch number, so resuming at epoch 5 gives the same batches as running through.
   */
  epochOrder(epoch: number): Int32Array {
    this.order.set(this.rows);
    if (this.options.shuffle === true) shuffleInPlace(this.order, mulberry32(epochSeed(this.options.seed ?? 0, epoch)));
    return this.order;
  }

  *epoch(epoch: number): IterableIterator<Batch> {
    const order = this.epochOrder(epoch);
    const n = this.dataset.n;
    for (let from = 0; from < order.length; from += this.batchSize) {
      const to = Math.min(from + this.batchSize, order.length);
      const size = to - from;
      const inputs: Record<string, Float32Array | Int32Array> = {};
      for (const [name, values] of Object.entries(this.dataset.inputs)) {
        const width = values.length / n;
        const buffer = this.inputBuffers[name]!;
        gatherInto(values, width, order, from, to, buffer);
        inputs[name] = buffer.subarray(0, size * width);
      }
      const labels: Record<string, { values: Float32Array; mask: Uint8Array }> = {};
      for (const [name, label] of Object.entries(this.dataset.labels)) {
        const width = label.values.length / n;
        const buffer = this.labelBuffers[name]!;
        gatherInto(label.values, width, order, from, to, buffer.values);
        gatherInto(label.mask, 1, order, from, to, buffer.mask);
        labels[name] = { values: buffer.values.subarray(0, size * width), mask: buffer.mask.subarray(0, size) };
      }
      yield { size, inputs, labels };
    }
  }
}

/** Mixes the run's seed with the epoch number so that consecutive epochs get unrelated orders. */
export function epochSeed(seed: number, epoch: number): number {
  let h = (seed ^ Math.imul(epoch + 1, 0x9e3779b9)) >>> 0;
  h = Math.imul(h ^ (h >>> 16), 0x85ebca6b);
  h = Math.imul(h ^ (h >>> 13), 0xc2b2ae35);
  return (h ^ (h >>> 16)) >>> 0;
}
