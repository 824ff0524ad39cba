/**
 * The columnar in-memory form of a data set: one typed array per input and per head, row-major,
 * ready to be sliced into batches and handed to TensorFlow.js without per-row objects.
 */
import type { DataFormat, InputNode, TaskNode } from '../../compiler/index.js';
import type { ProblemGroup } from './errors.js';

export interface LabelColumn {
  /**
   * `n * labelWidth(task)` values: classify one-hot; binary one value 0/1; multilabel multi-hot;
   * regress the numbers; tag `t` one-hot rows per example. All zero where the mask is 0.
   */
  readonly values: Float32Array;
  /** One per row: 1 when the row has this head's label, 0 when it is missing. */
  readonly mask: Uint8Array;
}

export interface Dataset {
  /** Number of rows. */
  readonly n: number;
  /** Per input: `n * inputWidth(input)` values, row-major; Int32Array for int dtype inputs. */
  readonly inputs: Readonly<Record<string, Float32Array | Int32Array>>;
  /** Per head (keyed by head name, not label column). */
  readonly labels: Readonly<Record<string, LabelColumn>>;
  /**
   * The heads whose targets the model learns standardized (targets.ts), with the statistics to turn
   * its outputs back into the data's units; their labels here are standardized too.
   */
  readonly targetScales?: TargetScales;
}

/** The mean and standard deviation of each output of one head's targets. */
export interface TargetScale {
  readonly mean: readonly number[];
  readonly std: readonly number[];
}

export type TargetScales = Readonly<Record<string, TargetScale>>;

export function product(shape: readonly number[]): number {
  let size = 1;
  for (const d of shape) size *= d;
  return size;
}

/**
 * Values per row fed for an input: a category becomes a one-hot of its count, or a single id when
 * it feeds an embedding; anything else fills its shape.
 */
export function inputWidth(input: InputNode): number {
  if (input.category !== undefined) return input.categoryAsIds === true ? 1 : input.category.count;
  return product(input.shape);
}

/** The per-example tensor shape of an input's data, for `tf.tensor(values, [n, ...shape])`. */
export function inputDataShape(input: InputNode): number[] {
  if (input.category !== undefined) return input.categoryAsIds === true ? [1] : [input.category.count];
  return [...input.shape];
}

/** Steps of a `tag` task: the `t` of its `[t, n]` output. */
export function tagSteps(task: TaskNode): number {
  return task.kind === 'tag' ? (task.outShape[0] ?? 1) : 1;
}

/** Values per row of a head's label: `units`, times `t` for `tag`. */
export function labelWidth(task: TaskNode): number {
  return task.kind === 'tag' ? tagSteps(task) * task.units : task.units;
}

/** The per-example tensor shape of a head's label: `[units]`, or `[t, units]` for `tag`. */
export function labelDataShape(task: TaskNode): number[] {
  return task.kind === 'tag' ? [tagSteps(task), task.units] : [task.units];
}

export function isIntInput(input: InputNode): boolean {
  return input.dtype === 'int' || (input.category !== undefined && input.categoryAsIds === true);
}

/** A new data set holding the given rows, in the given order (a validation split, a test subset). */
export function takeRows(dataset: Dataset, rows: ArrayLike<number>): Dataset {
  const m = rows.length;
  const inputs: Record<string, Float32Array | Int32Array> = {};
  for (const [name, values] of Object.entries(dataset.inputs)) {
    const width = dataset.n === 0 ? 0 : values.length / dataset.n;
    const out = values instanceof Int32Array ? new Int32Array(m * width) : new Float32Array(m * width);
    gatherInto(values, width, rows, 0, m, out);
    inputs[name] = out;
  }
  const labels: Record<string, LabelColumn> = {};
  for (const [name, label] of Object.entries(dataset.labels)) {
    const width = dataset.n === 0 ? 0 : label.values.length / dataset.n;
    const values = new Float32Array(m * width);
    gatherInto(label.values, width, rows, 0, m, values);
    const mask = new Uint8Array(m);
    gatherInto(label.mask, 1, rows, 0, m, mask);
    labels[name] = { values, mask };
  }
  return { n: m, inputs, labels };
}

type NumericArray = Float32Array | Int32Array | Uint8Array;

/** Copies rows `rows[from … to)` of a `width`-wide column into the start of `out`. */
export function gatherInto<T extends NumericArray>(
  source: T,
  width: number,
  rows: ArrayLike<number>,
  from: number,
  to: number,
  out: T,
): void {
  if (width === 1) {
    for (let i = from; i < to; i++) out[i - from] = source[rows[i]!]!;
    return;
  }
  for (let i = from; i < to; i++) {
    const start = rows[i]! * width;
    out.set(source.subarray(start, start + width), (i - from) * width);
  }
}

/** A data file bound to a model: the data set, where it came from, and what was left out. */
export interface BoundData {
  readonly dataset: Dataset;
  readonly file: string;
  /** The format read, or `pack` for data bound earlier by `mtlc data pack`. */
  readonly format: DataFormat | 'pack';
  /** Rows left out under `skipBadRows`. */
  readonly skipped: number;
  /** The first problems of the rows left out, to show as a warning. */
  /** The problems of the rows left out by kind, the first kinds, to show as a warning. */
  readonly skippedProblems: readonly ProblemGroup[];
  readonly skippedProblemCount: number;
  /** Per input: the CSV columns or JSONL fields it was read from, in order. */
  readonly columns: Readonly<Record<string, readonly string[]>>;
}
