/**
 * mtl's own WebAssembly training kernels (runtime/accel/kernels/train-kernels.c), instantiated on the
 * wasm backend's memory so that they work on its buffers in place. Arguments are byte offsets
 * into that memory and element counts.
 */
import * as fs from 'node:fs';
import type { BackendWasm } from '@tensorflow/tfjs-backend-wasm';
import { wasmModule } from './wasm-module.js';

export interface TrainKernels {
  relu_grad_bias(dy: number, y: number, dya: number, db: number, rows: number, cols: number): void;
  bias_grad(dya: number, db: number, rows: number, cols: number): void;
  add_into(acc: number, x: number, n: number): void;
  scale(x: number, n: number, k: number): void;
  dropout(x: number, out: number, mask: number, n: number, threshold: number, scale: number, key: number): void;
  dropout_grad(dy: number, mask: number, dx: number, n: number, accumulate: number): void;
  transpose(src: number, dst: number, rows: number, cols: number): void;
  mixture(g: number, experts: number, out: number, rows: number, count: number, d: number): void;
  mixture_grad(g: number, experts: number, dout: number, dg: number, dexperts: number, rows: number, count: number, d: number): void;
  adam(
    x: number,
    g: number,
    m: number,
    v: number,
    n: number,
    b1: number,
    c1: number,
    b2: number,
    c2: number,
    d1: number,
    d2: number,
    eps: number,
    step: number,
  ): void;
}

let module: WebAssembly.Module | undefined;
const instances = new WeakMap<WebAssembly.Memory, TrainKernels>();

/** The kernels working on the wasm backend's memory. */
export function backendKernels(backend: BackendWasm): TrainKernels {
  return trainKernels(wasmModule(backend).asm.memory);
}

/** The kernels working on `memory`, made once per memory. */
export function trainKernels(memory: WebAssembly.Memory): TrainKernels {
  let kernels = instances.get(memory);
  if (kernels === undefined) {
    module ??= new WebAssembly.Module(fs.readFileSync(new URL('./kernels/train-kernels.wasm', import.meta.url)));
    kernels = new WebAssembly.Instance(module, { env: { memory } }).exports as unknown as TrainKernels;
    instances.set(memory, kernels);
  }
  return kernels;
}
