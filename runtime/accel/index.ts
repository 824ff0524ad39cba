/**
 * Faster TensorFlow.js kernels for training: mtl's own WebAssembly SIMD kernels (kernels/), the
 * fused dense layer, Adam and masked loss as one kernel each, and replacements for wasm kernels
 * that are slow or missing. This room depends on TensorFlow.js alone. Everything is registered
 * once, by `installAccelerators` when the backend starts (backend/index.ts), never on first use.
 */
import { installFastBatchMatMul } from './batch-matmul.js';
import { installWasmCopies } from './copies.js';
import { registerFusedAdam } from './fused-adam.js';
import { installFusedDense } from './fused-dense.js';
import { installWasmGradients } from './gradients.js';
import { registerMaskedLoss } from './masked-loss.js';

export { installFastBatchMatMul, runKernel, uninstallFastBatchMatMul } from './batch-matmul.js';
export { installWasmCopies, uninstallWasmCopies } from './copies.js';
export { type AdamState, adamMoments, adamConstants, FusedAdam } from './fused-adam.js';
export { fusedDense, installFusedDense, uninstallFusedDense } from './fused-dense.js';
export { EPSILON, maskedLossGradient, type MaskedLossKind, maskedLossSums, runMaskedLoss } from './masked-loss.js';
export { backendKernels, type TrainKernels, trainKernels } from './train-kernels.js';
export { registerAgain, type WasmModule, wasmModule } from './wasm-module.js';

/**
 * Registers every kernel, gradient and layer patch of this room for the backends that can run
 * them (wasm, cpu; the wasm replacements only where the wasm backend is loaded). Idempotent.
 */
export function installAccelerators(): void {
  registerFusedAdam();
  registerMaskedLoss();
  installFusedDense();
  installFastBatchMatMul();
  installWasmCopies();
  installWasmGradients();
}
