/**
 * Starting TensorFlow.js: picks the fastest backend this machine can run (the native `tfjs-node`
 * when it is installed and loads, else WebAssembly, else plain JavaScript), then registers, once,
 * everything mtl adds to it: the kernels and layer patch of accel/ and the `file://` model
 * router of model/io.ts. Nothing else registers kernels. Why these choices: docs/performance.md.
 */
import { createRequire } from 'node:module';
import path from 'node:path';
import * as tf from '@tensorflow/tfjs';
import { installAccelerators } from '../accel/index.js';
import { registerFileSystemRouter } from '../model/index.js';

export type BackendName = 'node' | 'wasm' | 'cpu';

/** The order tried when nothing is preferred, or when the preferred backend fails to load. */
const FALLBACK_ORDER: readonly BackendName[] = ['node', 'wasm', 'cpu'];

/**
 * Makes one backend current and returns the name tfjs reports for it (`tensorflow` for tfjs-node,
 * `wasm`, `cpu`). A preferred backend that cannot load falls back along node → wasm → cpu.
 * Also makes `file://` save and load work (see io.ts). Safe to call more than once.
 */
export async function setupBackend(preferred?: BackendName): Promise<string> {
  // Production mode silences TensorFlow.js' console warnings, such as the banner that
  // recommends tfjs-node the first time the cpu backend holds a tensor.
  tf.enableProdMode();
  const order = preferred === undefined ? FALLBACK_ORDER : [preferred, ...FALLBACK_ORDER.filter((b) => b !== preferred)];
  for (const name of order) {
    if (await tryBackend(name)) {
      // After the wasm module had its chance to load: its kernels are the ones replaced.
      installAccelerators();
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
