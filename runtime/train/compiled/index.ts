/** The compiled training step (step.ts): dense and gated models on wasm, without the gradient tape. */
export { compileDenseStep } from './step.js';
