/**
 * Picks the fastest TensorFlow.js backend this machine can run: the native `tfjs-node` when it is
 * installed and loads, else WebAssembly, else plain JavaScript. On wasm it also swaps in a faster
 * `BatchMatMul` (see `fastBatchMatMul`). Facts behind these choices: /work/shared/FACTS.md.
 */
import { createRequire } from 'node:module';
import path from 'node:path';
import * as tf from '@tensorflow/tfjs';
import { registerFileSystemRouter } from './io.js';

export type BackendName = 'node' | 'wasm' | 'cpu';

/** The order tried when nothing is preferred, or when the preferred backend fails to load. */
const FALLBACK_ORDER: readonly BackendName[] = ['node', 'wasm', 'cpu'];

/**
 * Makes one backend current and returns the name tfjs reports for it (`tensorflow` for tfjs-node,
 * `wasm`, `cpu`). A preferred backend that cannot load falls back along node → wasm → cpu.
 * Also makes `file://` save and load work (see io.ts). Safe to call more than once.
 */
export async function setupBackend(preferred?: BackendName): Promise<string> {
  const order = preferred === undefined ? FALLBACK_ORDER : [preferred, ...FALLBACK_ORDER.filter((b) => b !== preferred)];
  for (const name of order) {
    if (await tryBackend(name)) {
      // After tfjs-node had its chance: it brings its own file:// router.
      registerFileSystemRouter();
      return tf.getBackend();
    }
  }
  throw new Error('no TensorFlow.js backend could be initialised');
}

async function tryBackend(name: BackendName): Promise<boolean> {
  try {
    switch (name) {
      case 'node': {
        // Absent on machines that cannot download libtensorflow; a variable keeps tsc from
        // resolving the module at compile time.
        const moduleName = '@tensorflow/tfjs-node';
        await import(moduleName);
        return tf.findBackend('tensorflow') !== null && (await tf.setBackend('tensorflow'));
      }
      case 'wasm': {
        await loadWasmBackend();
        installFastBatchMatMul();
        return await tf.setBackend('wasm');
      }
      case 'cpu':
        return await tf.setBackend('cpu');
    }
  } catch {
    return false;
  }
}

let wasmLoaded = false;

async function loadWasmBackend(): Promise<void> {
  if (wasmLoaded) return;
  const wasm = await import('@tensorflow/tfjs-backend-wasm');
  // The .wasm binaries sit next to the package's main file; emscripten reads them from disk in Node.
  const main = createRequire(import.meta.url).resolve('@tensorflow/tfjs-backend-wasm');
  wasm.setWasmPaths(path.dirname(main) + path.sep);
  wasmLoaded = true;
}

/** The slice of the wasm backend this module touches. */
interface KernelBackend {
  disposeData(dataId: object): boolean;
}

let fastMatMulInstalled = false;

/**
 * Re-registers the wasm `BatchMatMul` kernel. In tfjs-backend-wasm 4.22 the kernel reaches XNNPACK
 * only when neither operand is transposed; otherwise it runs a scalar loop. Every dense layer's
 * gradient is a transposed matmul, so transposing explicitly (with the wasm `Transpose` kernel)
 * and calling the original kernel untransposed makes training about 6× faster.
 */
export function installFastBatchMatMul(): void {
  if (fastMatMulInstalled) return;
  const original = tf.getKernel('BatchMatMul', 'wasm');
  const transpose = tf.getKernel('Transpose', 'wasm');
  if (original === undefined || transpose === undefined) return;

  const fastBatchMatMul: tf.KernelFunc = ({ inputs, backend, attrs }) => {
    const transposeA = attrs?.['transposeA'] === true;
    const transposeB = attrs?.['transposeB'] === true;
    if (!transposeA && !transposeB) return original.kernelFunc({ inputs, backend, attrs });
    const run = (x: tf.TensorInfo): tf.TensorInfo =>
      transpose.kernelFunc({ inputs: { x }, backend, attrs: { perm: lastTwoSwapped(x.shape.length) } }) as tf.TensorInfo;
    const a = inputs['a'] as tf.TensorInfo;
    const b = inputs['b'] as tf.TensorInfo;
    const temporaries: tf.TensorInfo[] = [];
    try {
      const a2 = transposeA ? run(a) : a;
      if (transposeA) temporaries.push(a2);
      const b2 = transposeB ? run(b) : b;
      if (transposeB) temporaries.push(b2);
      return original.kernelFunc({
        inputs: { a: a2, b: b2 },
        backend,
        attrs: { ...attrs, transposeA: false, transposeB: false },
      });
    } finally {
      for (const t of temporaries) (backend as KernelBackend).disposeData(t.dataId);
    }
  };

  tf.unregisterKernel('BatchMatMul', 'wasm');
  // Keeping the original setupFunc means the kernel still initialises if the backend starts later.
  tf.registerKernel({ ...original, kernelFunc: fastBatchMatMul });
  fastMatMulInstalled = true;
}

/** The permutation that swaps the last two axes: a matrix transpose, batched. */
function lastTwoSwapped(rank: number): number[] {
  return [...Array(rank - 2).keys(), rank - 1, rank - 2];
}
