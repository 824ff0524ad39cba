/** Training mtl models on PyTorch: the weights exchanged with the emitted Python package, and the run of its workers. */
export { type LayerArrays, modelWeights, type NamedArray, readWeightsFiles, setModelWeights, writeWeightsFiles } from './weights.js';
export {
  DEFAULT_PYTHON,
  INSTALL_TORCH,
  pythonProblem,
  type PyTorchRunOptions,
  type PyTorchRunResult,
  StoppedBeforeAnEpoch,
  trainOnPyTorch,
  WorkerError,
} from './engine.js';
export { type WorkerData, writeWorkerData } from './worker-data.js';
