/** Training and checking mtl models on PyTorch: the weights exchanged with the emitted Python package. */
export { type LayerArrays, modelWeights, type NamedArray, readWeightsFiles, setModelWeights, writeWeightsFiles } from './weights.js';
