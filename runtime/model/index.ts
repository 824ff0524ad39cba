/**
 * The model as TensorFlow.js holds it: the lowering of a checked model to a tfjs-layers graph
 * (and to TypeScript that builds it), the model directory on disk (`model.json`, `weights.bin`,
 * `mtl.json`, `checked.json`, the run's history) and predictions written as records.
 */
export { emitTypeScript } from './emit-ts.js';
export {
  buildSidecar,
  fileSystemHandler,
  type HeadSidecar,
  type InputSidecar,
  MODEL_JSON,
  modelDirOf,
  type ModelSidecar,
  readSidecar,
  registerFileSystemRouter,
  SIDECAR_JSON,
  WEIGHTS_BIN,
  writeSidecar,
} from './io.js';
export { createLayer, lowerModel, lowerPlan, type LowerOptions, withoutOrthogonalWarning } from './lower.js';
export * from './model-dir.js';
export {
  float32Number,
  type PredictionRecord,
  predictionRecords,
  predictionsCsv,
  predictionsJsonl,
  type PredictionValue,
} from './predictions.js';
