/**
 * Kernels of the wasm backend of TensorFlow.js 4.22 that copied more than they must; the
 * replacements give the same values and only copy less:
 *
 * - `Identity` copied its input. The engine clones (`Identity`) every tensor a gradient needs
 *   while a tape records, about 70 per training step of a 3-layer MLP, so each step copied its
 *   activations again. Tensors never change after they are made, so the clone can share the
 *   buffer, as the cpu and webgl backends' `Identity` do (reference counted).
 * - `Slice` and `SplitV` first copied the whole input out of wasm memory (`readSync`) for every
 *   slice: splitting a `[256, 8, 68]` tensor into its 8 experts (the gradient of an MMoE's expert
 *   concatenation) copied it 8 times and took longer than the experts' matmuls. They now read it
 *   where it lies.
 * - `Slice`, `SplitV` and `Concat` copy row runs with `copyWithin` on wasm memory itself: the
 *   stock `Concat` (and the first replacements) made a `subarray` view per run, and an MMoE's
 *   expert stack is 2,048 runs of 68 values each way (2.5× faster measured, about 0.4 ms of an
 *   MMoE step).
 * - `Transpose` moved one value at a time: 221 µs for a 256 × 256 matrix, and every dense layer's
 *   gradient transposes its input. Matrix transposes (the last two axes swapped) run mtl's
 *   `transpose` kernel in 4 × 4 SIMD blocks (runtime/accel/kernels/train-kernels.c), 61 µs.
 */
import * as tf from '@tensorflow/tfjs';
import type { BackendWasm } from '@tensorflow/tfjs-backend-wasm';
import { backendKernels } from './train-kernels.js';

/** Copies the `[begin, begin + size)` box of `x` into a new tensor, row run by row run. */
function sliceFromHeap(backend: BackendWasm, x: tf.TensorInfo, begin: readonly number[], size: readonly number[]): tf.TensorInfo {
  const out = backend.makeOutput([...size], x.dtype);
  const count = tf.util.sizeFromShape([...size]);
  if (count === 0) return out;
  // Views only after the allocation: growing wasm memory detaches older views.
  const from = backend.typedArrayFromHeap(x);
  const to = backend.typedArrayFromHeap(out);
  const heap = wholeHeap(from);
  const fromAt = from.byteOffset / from.BYTES_PER_ELEMENT;
  const toAt = to.byteOffset / to.BYTES_PER_ELEMENT;
  const strides = tf.util.computeStrides(x.shape);
  const rank = x.shape.length;
  // The innermost run that is contiguous in both: the last axis, widened while the slice spans
  // whole axes below it.
  let inner = rank - 1;
  let run = size[rank - 1] ?? 1;
  while (inner > 0 && size[inner] === x.shape[inner] && begin[inner] === 0) {
    inner--;
    run *= size[inner]!;
  }
  if (rank === 0 || inner === 0) {
    const offset = rank === 0 ? 0 : begin[0]! * (strides[0] ?? 1);
    to.set(from.subarray(offset, offset + count));
    return out;
  }
  // Walk every index of the outer axes [0, inner) in row-major order.
  const index = new Array<number>(inner).fill(0);
  for (let written = 0; written < count; written += run) {
    let offset = begin[inner]! * (inner < rank - 1 ? strides[inner]! : 1);
    for (let d = 0; d < inner; d++) offset += (begin[d]! + index[d]!) * strides[d]!;
    heap.copyWithin(toAt + written, fromAt + offset, fromAt + offset + run);
    for (let d = inner - 1; d >= 0; d--) {
      if (++index[d]! < size[d]!) break;
      index[d] = 0;
    }
  }
  return out;
}

type HeapView = Float32Array | Int32Array | Uint8Array;

/**
 * A view of the same type over all of wasm memory, to copy runs with `copyWithin` (no view object
 * per run). Element offsets are the views' byte offsets over the element size.
 */
function wholeHeap(view: tf.backend_util.TypedArray): HeapView {
  if (view instanceof Float32Array) return new Float32Array(view.buffer);
  if (view instanceof Int32Array) return new Int32Array(view.buffer);
  return new Uint8Array(view.buffer);
}

/**
 * Concatenation along `axis`: per index of the axes before it, each input's run in turn, as the
 * stock kernel orders them, copied with `copyWithin`.
 */
const concat: tf.KernelFunc = ({ inputs, backend, attrs }) => {
  const all = inputs as unknown as tf.TensorInfo[];
  if (all.length === 0 || all[0]!.dtype === 'string' || all.some((t) => t.dtype !== all[0]!.dtype))
    return runStock('Concat', { inputs, backend, attrs });
  const wasm = backend as BackendWasm;
  const axis = tf.util.parseAxisParam((attrs as unknown as { axis: number | number[] }).axis, all[0]!.shape)[0]!;
  tf.backend_util.assertParamsConsistent(
    all.map((t) => t.shape),
    axis,
  );
  const parts = all.filter((t) => tf.util.sizeFromShape(t.shape) > 0);
  if (parts.length <= 1) return runStock('Concat', { inputs, backend, attrs });
  const outShape = tf.backend_util.computeOutShape(
    all.map((t) => t.shape),
    axis,
  );
  const out = wasm.makeOutput(outShape, all[0]!.dtype);
  const outer = tf.util.sizeFromShape(parts[0]!.shape.slice(0, axis));
  const runs = parts.map((t) => tf.util.sizeFromShape(t.shape.slice(axis)));
  const width = runs.reduce((sum, r) => sum + r, 0);
  // Views only after the allocation: growing wasm memory detaches older views.
  const to = wasm.typedArrayFromHeap(out);
  const heap = wholeHeap(to);
  const toAt = to.byteOffset / to.BYTES_PER_ELEMENT;
  const fromAt = parts.map((t) => {
    const view = wasm.typedArrayFromHeap(t);
    return view.byteOffset / view.BYTES_PER_ELEMENT;
  });
  for (let b = 0; b < outer; b++) {
    let at = toAt + b * width;
    for (let i = 0; i < parts.length; i++) {
      const run = runs[i]!;
      const from = fromAt[i]! + b * run;
      heap.copyWithin(at, from, from + run);
      at += run;
    }
  }
  return out;
};

const slice: tf.KernelFunc = ({ inputs, backend, attrs }) => {
  const x = inputs['x'] as tf.TensorInfo;
  const { begin, size } = attrs as unknown as { begin: number | number[]; size?: number | number[] };
  if (x.dtype === 'string') return runStock('Slice', { inputs, backend, attrs });
  const [b, s] = tf.slice_util.parseSliceParams(x, begin, size);
  return sliceFromHeap(backend as BackendWasm, x, b!, s!);
};

const splitV: tf.KernelFunc = ({ inputs, backend, attrs }) => {
  const x = inputs['x'] as tf.TensorInfo;
  if (x.dtype === 'string') return runStock('SplitV', { inputs, backend, attrs });
  const { numOrSizeSplits, axis } = attrs as unknown as { numOrSizeSplits: number | number[]; axis: number | number[] };
  const a = tf.util.parseAxisParam(axis, x.shape)[0]!;
  const sizes = tf.backend_util.prepareSplitSize(x, numOrSizeSplits, a);
  const begin = new Array<number>(x.shape.length).fill(0);
  return sizes.map((part) => {
    const size = [...x.shape];
    size[a] = part;
    const piece = sliceFromHeap(backend as BackendWasm, x, begin, size);
    begin[a]! += part;
    return piece;
  });
};

/** A batch of matrices with their last two axes swapped; other permutations and types take the stock kernel. */
const transpose: tf.KernelFunc = ({ inputs, backend, attrs }) => {
  const x = inputs['x'] as tf.TensorInfo;
  const perm = (attrs as unknown as { perm: number[] }).perm;
  const rank = x.shape.length;
  const swapsLastTwo = rank >= 2 && perm.length === rank && perm.every((p, i) => p === (i < rank - 2 ? i : 2 * rank - 3 - i));
  if (x.dtype !== 'float32' || !swapsLastTwo) return runStock('Transpose', { inputs, backend, attrs });
  const wasm = backend as BackendWasm;
  const [rows, cols] = x.shape.slice(-2) as [number, number];
  const out = wasm.makeOutput([...x.shape.slice(0, -2), cols, rows], 'float32');
  const matrices = tf.util.sizeFromShape(x.shape.slice(0, -2));
  if (matrices * rows * cols === 0) return out;
  const kernels = backendKernels(wasm);
  // Offsets only after the allocation, which may move wasm memory.
  const from = wasm.typedArrayFromHeap(x).byteOffset;
  const to = wasm.typedArrayFromHeap(out).byteOffset;
  for (let m = 0; m < matrices; m++) kernels.transpose(from + 4 * m * rows * cols, to + 4 * m * rows * cols, rows, cols);
  return out;
};

/** Shares the input's buffer, one more reference to it. */
const identity: tf.KernelFunc = ({ inputs, backend }) => {
  const x = inputs['x'] as tf.TensorInfo;
  if (x.dtype === 'string') return runStock('Identity', { inputs, backend });
  (backend as BackendWasm).incRef(x.dataId);
  return { dataId: x.dataId, shape: x.shape, dtype: x.dtype };
};

const stock = new Map<string, tf.KernelConfig>();

/** The replaced wasm kernel `name`, for the inputs the replacement does not handle (strings, empty parts). */
function runStock(name: string, args: Parameters<tf.KernelFunc>[0]): ReturnType<tf.KernelFunc> {
  return stock.get(name)!.kernelFunc(args);
}

/** Replaces the wasm `Identity`, `Slice`, `SplitV`, `Concat` and `Transpose` kernels; a no-op when done or when wasm is absent. */
export function installWasmCopies(): void {
  for (const [name, kernelFunc] of [
    ['Identity', identity],
    ['Slice', slice],
    ['SplitV', splitV],
    ['Concat', concat],
    ['Transpose', transpose],
  ] as const) {
    if (stock.has(name)) continue;
    const original = tf.getKernel(name, 'wasm');
    if (original === undefined) continue;
    stock.set(name, original);
    tf.unregisterKernel(name, 'wasm');
    tf.registerKernel({ ...original, kernelFunc });
  }
}

/** Puts the stock wasm kernels back: benchmarks use it to measure what a user gets. */
export function uninstallWasmCopies(): void {
  for (const [name, original] of stock) {
    tf.unregisterKernel(name, 'wasm');
    tf.registerKernel(original);
  }
  stock.clear();
}
