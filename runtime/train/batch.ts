/**
 * Turns one batch of the columnar data set into the tensors a lowered model takes: its inputs in
 * `model.inputNames` order, and per head the labels and the label mask. `applyModel` runs the
 * model; its dense layers take the fused path that the backend installed (accel/fused-dense.ts).
 */
import * as tf from '@tensorflow/tfjs';
import type { HeadNode } from '../../compiler/index.js';
import type { Batch } from '../data/index.js';

export interface LabelTensors {
  /** `[b, units]`, or `[b, t, units]` for `tag`. */
  readonly y: tf.Tensor;
  /** `[b]`: 1 where the row has this head's label. */
  readonly mask: tf.Tensor1D;
}

export interface BatchTensors {
  readonly size: number;
  readonly xs: tf.Tensor[];
  readonly labels: Record<string, LabelTensors>;
}

/** The batch as tensors; a head whose labels the data lacks is fully masked. Dispose with `disposeBatch`. */
export function batchTensors(model: tf.LayersModel, heads: readonly HeadNode[], batch: Batch): BatchTensors {
  const size = batch.size;
  const xs = model.inputs.map((input, i) => {
    const name = model.inputNames[i]!;
    const values = batch.inputs[name];
    if (values === undefined) throw new Error(`the data has no values for input "${name}"`);
    const shape = [size, ...(input.shape.slice(1) as number[])];
    // Copies (memcpy, not element by element): the batch's arrays are views of buffers that the
    // next batch overwrites, and the cpu backend keeps the array it is given.
    const data =
      input.dtype === 'int32'
        ? values instanceof Int32Array
          ? values.slice()
          : Int32Array.from(values)
        : values instanceof Float32Array
          ? values.slice()
          : Float32Array.from(values);
    return tf.tensor(data, shape, input.dtype === 'int32' ? 'int32' : 'float32');
  });
  const labels: Record<string, LabelTensors> = {};
  for (const head of heads) {
    const shape = [size, ...head.task.outShape];
    const column = batch.labels[head.name];
    if (column === undefined) {
      labels[head.name] = { y: tf.zeros(shape), mask: tf.zeros([size]) };
      continue;
    }
    labels[head.name] = {
      y: tf.tensor(column.values.slice(), shape, 'float32'),
      mask: tf.tensor1d(Float32Array.from(column.mask), 'float32'),
    };
  }
  return { size, xs, labels };
}

export function disposeBatch(batch: BatchTensors): void {
  tf.dispose(batch.xs);
  for (const label of Object.values(batch.labels)) tf.dispose([label.y, label.mask]);
}

/** `model.apply` as a list of outputs, one per head in `model.outputNames` order. */
export function applyModel(model: tf.LayersModel, xs: readonly tf.Tensor[], training: boolean): tf.Tensor[] {
  const out = model.apply(xs.length === 1 ? xs[0]! : [...xs], { training });
  return Array.isArray(out) ? (out as tf.Tensor[]) : [out as tf.Tensor];
}

/** The checked model's heads in the order of the lowered model's outputs. */
export function headsInOutputOrder(model: tf.LayersModel, heads: readonly HeadNode[]): HeadNode[] {
  return model.outputNames.map((name) => {
    const head = heads.find((h) => h.name === name);
    if (head === undefined) throw new Error(`the model has an output "${name}" that is not a head of the checked model`);
    return head;
  });
}
