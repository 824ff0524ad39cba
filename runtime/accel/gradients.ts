/**
 * Gradient kernels that tfjs-backend-wasm 4.22 lacks, so that conv and embedding models train on
 * wasm (without them: "Kernel 'Conv2DBackpropFilter' not registered for backend 'wasm'"):
 *
 * - `Conv2DBackpropFilter` (conv2d's and conv1d's filter gradient): im2col written straight into
 *   wasm memory, then one XNNPACK matmul. The cpu backend's kernel is about 1,000× slower here
 *   (4 s for one 16×16×16 → 32 batch of 16).
 * - `UnsortedSegmentSum` (the gradient of `gather`, hence of every embedding): one pass adding
 *   rows into their segments, in double precision like the cpu backend's sum, so the result is
 *   bit-identical to it. The cpu kernel loops over all segments (97 s for a 5,000-word vocabulary).
 * - The depthwise conv gradients (no mtl layer uses them): the cpu backend's kernel on copies.
 *
 * Each kernel frees its temporaries before returning; the engine tracks only the outputs.
 */
import * as tf from '@tensorflow/tfjs';
import type { BackendWasm } from '@tensorflow/tfjs-backend-wasm';
import { runKernel } from './batch-matmul.js';

/** The slice of a tfjs backend the cpu fallback touches (wasm and cpu both have it). */
interface DataBackend {
  readSync(dataId: object): tf.backend_util.BackendValues;
  write(values: tf.backend_util.BackendValues, shape: number[], dtype: tf.DataType): object;
  disposeData(dataId: object, force?: boolean): boolean;
}

/** Kernels the cpu backend has, wasm lacks and training can reach. */
export const WASM_GRADIENT_KERNELS: readonly string[] = [
  'Conv2DBackpropFilter',
  'UnsortedSegmentSum',
  'DepthwiseConv2dNativeBackpropFilter',
  'DepthwiseConv2dNativeBackpropInput',
];

/** Registers every kernel of `WASM_GRADIENT_KERNELS` that wasm does not have yet. Safe to call more than once. */
export function installWasmGradients(): void {
  for (const name of WASM_GRADIENT_KERNELS) {
    if (tf.getKernel(name, 'wasm') !== undefined) continue;
    const cpuKernel = tf.getKernel(name, 'cpu');
    if (cpuKernel === undefined) continue;
    const onCpu = runOnCpu(cpuKernel);
    const kernelFunc: tf.KernelFunc =
      name === 'Conv2DBackpropFilter'
        ? (args) => conv2dBackpropFilter(args, onCpu)
        : name === 'UnsortedSegmentSum'
          ? unsortedSegmentSum
          : onCpu;
    tf.registerKernel({ kernelName: name, backendName: 'wasm', kernelFunc });
  }
}

/**
 * dW = im2col(x)ᵀ · dy. The transposed column matrix `[kh·kw·ci, b·oh·ow]` is filled in place in
 * wasm memory (zeros where the window hangs over the padding), so the matmul needs no transpose
 * and its `[kh·kw·ci, co]` result is already the filter's memory layout. NCHW data and dilated
 * filters go to the cpu kernel.
 */
function conv2dBackpropFilter(args: Parameters<tf.KernelFunc>[0], onCpu: tf.KernelFunc): ReturnType<tf.KernelFunc> {
  const { inputs, attrs } = args;
  const backend = args.backend as BackendWasm;
  const x = inputs['x'] as tf.TensorInfo;
  const dy = inputs['dy'] as tf.TensorInfo;
  const { strides, pad, dataFormat, dimRoundingMode, filterShape } = attrs as unknown as {
    strides: [number, number] | number;
    pad: 'same' | 'valid' | number;
    dataFormat: 'NHWC' | 'NCHW';
    dimRoundingMode?: 'floor' | 'round' | 'ceil';
    filterShape: [number, number, number, number];
  };
  if (dataFormat === 'NCHW' || x.dtype !== 'float32') return onCpu(args);
  const info = tf.backend_util.computeConv2DInfo(
    x.shape as [number, number, number, number],
    filterShape,
    strides,
    1,
    pad,
    dimRoundingMode,
    false,
    'channelsLast',
  );
  if (info.dilationHeight !== 1 || info.dilationWidth !== 1) return onCpu(args);
  const { batchSize: b, inHeight: h, inWidth: w, inChannels: ci, outHeight: oh, outWidth: ow, outChannels: co } = info;
  const { filterHeight: kh, filterWidth: kw, strideHeight: sh, strideWidth: sw } = info;
  const { top, left } = info.padInfo;
  const n = b * oh * ow;
  const k = kh * kw * ci;

  const cols = backend.makeOutput([1, k, n], 'float32');
  try {
    // Views only after the allocation: growing wasm memory detaches older views.
    const src = backend.typedArrayFromHeap(x) as Float32Array;
    const dst = backend.typedArrayFromHeap(cols) as Float32Array;
    for (let fy = 0; fy < kh; fy++) {
      for (let fx = 0; fx < kw; fx++) {
        const firstRow = (fy * kw + fx) * ci;
        let column = 0;
        for (let bi = 0; bi < b; bi++) {
          for (let y = 0; y < oh; y++) {
            const iy = y * sh - top + fy;
            for (let xo = 0; xo < ow; xo++, column++) {
              const ix = xo * sw - left + fx;
              const inside = iy >= 0 && iy < h && ix >= 0 && ix < w;
              const from = ((bi * h + iy) * w + ix) * ci;
              for (let c = 0; c < ci; c++) dst[(firstRow + c) * n + column] = inside ? src[from + c]! : 0;
            }
          }
        }
      }
    }
    const out = runKernel(
      'wasm',
      backend,
      'BatchMatMul',
      { a: cols, b: { dataId: dy.dataId, shape: [1, n, co], dtype: 'float32' } },
      {
        transposeA: false,
        transposeB: false,
      },
    );
    return { dataId: out.dataId, shape: [...filterShape], dtype: 'float32' };
  } finally {
    backend.disposeData(cols.dataId);
  }
}

/**
 * out[s] = Σ data[r] over the rows r with segmentIds[r] = s; ids outside [0, numSegments) are
 * dropped, as the cpu kernel drops them. Sums run in doubles and are rounded once, as there.
 */
function unsortedSegmentSum(args: Parameters<tf.KernelFunc>[0]): tf.TensorInfo {
  const backend = args.backend as BackendWasm;
  const x = args.inputs['x'] as tf.TensorInfo;
  const ids = args.inputs['segmentIds'] as tf.TensorInfo;
  const segments = (args.attrs as { numSegments: number }).numSegments;
  const rows = ids.shape[0] ?? 0;
  const inner = rows === 0 ? 0 : tf.util.sizeFromShape(x.shape) / rows;
  const sums = new Float64Array(segments * inner);
  const values = backend.typedArrayFromHeap(x);
  const segmentOf = backend.typedArrayFromHeap(ids);
  for (let r = 0; r < rows; r++) {
    const s = segmentOf[r]!;
    if (!(s >= 0 && s < segments)) continue;
    const to = s * inner;
    const from = r * inner;
    for (let j = 0; j < inner; j++) sums[to + j] += values[from + j]!;
  }
  const out = backend.makeOutput([segments, ...x.shape.slice(1)], x.dtype);
  (backend.typedArrayFromHeap(out) as Float32Array | Int32Array).set(sums);
  return out;
}

/**
 * A wasm kernel that copies its inputs into the cpu backend, runs `cpuKernel` there and copies the
 * outputs back; every cpu buffer it made is released before it returns.
 */
function runOnCpu(cpuKernel: tf.KernelConfig): tf.KernelFunc {
  return ({ inputs, backend, attrs }) => {
    const wasm = backend as unknown as DataBackend;
    const cpu = tf.findBackend('cpu') as unknown as DataBackend | null;
    if (cpu === null) throw new Error(`${cpuKernel.kernelName}: the cpu backend that the wasm fallback runs on is not available`);
    const copies: tf.NamedTensorInfoMap = {};
    const made: object[] = [];
    try {
      for (const [key, info] of Object.entries(inputs)) {
        if (info == null) continue;
        const dataId = cpu.write(wasm.readSync(info.dataId), [...info.shape], info.dtype);
        made.push(dataId);
        copies[key] = { dataId, shape: info.shape, dtype: info.dtype };
      }
      const result = cpuKernel.kernelFunc({ inputs: copies, backend: cpu as unknown as tf.KernelBackend, ...(attrs ? { attrs } : {}) });
      const outputs = Array.isArray(result) ? result : [result];
      made.push(...outputs.map((o) => o.dataId));
      const back = outputs.map((o) => ({
        dataId: wasm.write(cpu.readSync(o.dataId), [...o.shape], o.dtype),
        shape: o.shape,
        dtype: o.dtype,
      }));
      return Array.isArray(result) ? back : back[0]!;
    } finally {
      for (const dataId of made) cpu.disposeData(dataId, true);
    }
  };
}
