/**
 * Weights between the two engines. A weights file pair is `NAME.json` — `{"layers": {layer:
 * [{"shape", "offset"}…]}}` — and `NAME.bin`, every array little-endian float32 at its byte offset,
 * in Keras' order and layout per TensorFlow.js layer. The emitted `mtl_layers.py` reads and writes
 * the same pair with numpy (`read_keras_weights`, `write_keras_weights`) and converts to and from
 * PyTorch's layouts, so the arrays here are always TensorFlow.js' own.
 */
import { readFile } from 'node:fs/promises';
import * as tf from '@tensorflow/tfjs';
import { writeFileAtomic } from '../files/index.js';

export interface NamedArray {
  readonly shape: readonly number[];
  readonly values: Float32Array;
}

/** Layer name → its arrays in Keras' order. */
export type LayerArrays = Readonly<Record<string, readonly NamedArray[]>>;

interface Index {
  readonly layers: Record<string, { shape: number[]; offset: number }[]>;
}

export async function writeWeightsFiles(layers: LayerArrays, indexPath: string, dataPath: string): Promise<void> {
  const index: Index = { layers: {} };
  let offset = 0;
  for (const [name, arrays] of Object.entries(layers)) {
    index.layers[name] = arrays.map((a) => {
      const entry = { shape: [...a.shape], offset };
      offset += a.values.byteLength;
      return entry;
    });
  }
  const data = new Uint8Array(offset);
  let at = 0;
  for (const arrays of Object.values(layers)) {
    for (const a of arrays) {
      data.set(new Uint8Array(a.values.buffer, a.values.byteOffset, a.values.byteLength), at);
      at += a.values.byteLength;
    }
  }
  // The data first, so that an index on disk always has its data.
  await writeFileAtomic(dataPath, data);
  await writeFileAtomic(indexPath, JSON.stringify(index));
}

export async function readWeightsFiles(indexPath: string, dataPath: string): Promise<LayerArrays> {
  const index = JSON.parse(await readFile(indexPath, 'utf8')) as Index;
  const bytes = await readFile(dataPath);
  const layers: Record<string, NamedArray[]> = {};
  for (const [name, entries] of Object.entries(index.layers)) {
    layers[name] = entries.map(({ shape, offset }) => {
      const size = shape.reduce((a, b) => a * b, 1);
      if (offset + 4 * size > bytes.byteLength) throw new Error(`${dataPath}: layer "${name}" lies past the end of the file`);
      const values = new Float32Array(size);
      new Uint8Array(values.buffer).set(bytes.subarray(offset, offset + 4 * size));
      return { shape, values };
    });
  }
  return layers;
}

/** Every layer's weights (trainable and not) in Keras' order, for layers that have any. */
export function modelWeights(model: tf.LayersModel): LayerArrays {
  const layers: Record<string, NamedArray[]> = {};
  for (const layer of model.layers) {
    // getWeights returns the variables' own tensors: read them, never dispose them.
    const weights = layer.getWeights();
    if (weights.length === 0) continue;
    layers[layer.name] = weights.map((t) => ({ shape: t.shape, values: Float32Array.from(t.dataSync()) }));
  }
  return layers;
}

/** Sets every layer of `model` that `layers` names; a layer of the model left out is an error. */
export function setModelWeights(model: tf.LayersModel, layers: LayerArrays): void {
  for (const layer of model.layers) {
    if (layer.weights.length === 0) continue;
    const arrays = layers[layer.name];
    if (arrays === undefined) throw new Error(`the weights have no layer "${layer.name}"`);
    const tensors = arrays.map((a) => tf.tensor(a.values, [...a.shape], 'float32'));
    layer.setWeights(tensors);
    tf.dispose(tensors);
  }
}
