/**
 * The parts of tfjs-backend-wasm's emscripten module (its C exports and its memory) that mtl calls
 * directly, bypassing the kernel layer: the compiled training step (train/compiled/step.ts), mtl's
 * own kernels (train-kernels.ts) and the BatchMatMul replacement (batch-matmul.ts). One place for
 * these internals of tfjs-backend-wasm 4.22.
 */
import type { BackendWasm } from '@tensorflow/tfjs-backend-wasm';

export interface WasmModule {
  readonly HEAPF32: Float32Array;
  readonly HEAP32: Int32Array;
  readonly asm: { readonly memory: WebAssembly.Memory };
  _malloc(bytes: number): number;
  _free(offset: number): void;
  _register_tensor(id: number, size: number, offset: number): void;
  _dispose_data(id: number): void;
  __FusedMatMul(
    a: number,
    aShape: number,
    aRank: number,
    b: number,
    bShape: number,
    bRank: number,
    transposeA: number,
    transposeB: number,
    activation: number,
    bias: number,
    prelu: number,
    alpha: number,
    out: number,
  ): void;
  _BatchMatMul(
    a: number,
    aShape: number,
    aRank: number,
    b: number,
    bShape: number,
    bRank: number,
    transposeA: number,
    transposeB: number,
    out: number,
  ): void;
  _Softmax(x: number, out: number, channels: number, batch: number): void;
  _Sigmoid(x: number, out: number): void;
}

export function wasmModule(backend: BackendWasm): WasmModule {
  return backend.wasm as unknown as WasmModule;
}

/**
 * Registers tensor `id` again at `offset` with `size` elements. The backend caches XNNPACK
 * operators (with their right-hand operand packed inside) by the operand's id alone, not its
 * shape or values; registering the id again drops them, so the next product packs it afresh.
 */
export function registerAgain(wasm: WasmModule, id: number, size: number, offset: number): void {
  wasm._dispose_data(id);
  wasm._register_tensor(id, size, offset);
}
