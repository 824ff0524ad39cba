/**
 * Lowers a checked model to a TensorFlow.js functional model: one `tf.input` per input the heads
 * read, one named layer per step of the model's plan (compiler/plan.ts), one output per head
 * named after the head. Only built-in layers are used, so the saved model loads anywhere
 * TensorFlow.js runs. Kernel initializers are seeded from the model's `train { seed }`, so the same
 * model and seed start from the same weights.
 */
import * as tf from '@tensorflow/tfjs';
import { type CheckedModel, planModel, type ModelPlan, type PlanStep, type PlanValue } from '../../compiler/index.js';

export interface LowerOptions {
  /** Seeds the weight initializers; default: the model's `train { seed }`. */
  readonly seed?: number;
}

export function lowerModel(model: CheckedModel, options: LowerOptions = {}): tf.LayersModel {
  return withoutOrthogonalWarning(() => lowerPlan(planModel(model), options.seed ?? model.train.seed));
}

/**
 * TensorFlow.js warns that its orthogonal initializer "may be slow" on any matrix over 2,000
 * values — every LSTM of 23 units or more — when at mtl's sizes it takes milliseconds. While a
 * model is built (lowered, or loaded: loading builds the layers too), that one warning is muted.
 */
export function withoutOrthogonalWarning<T>(build: () => T): T {
  const warn = console.warn;
  console.warn = (...args: unknown[]) => {
    if (typeof args[0] === 'string' && args[0].startsWith('Orthogonal initializer is being called')) return;
    warn(...args);
  };
  const restore = () => {
    console.warn = warn;
  };
  let result: T;
  try {
    result = build();
  } catch (error) {
    restore();
    throw error;
  }
  // A model that loads is built when its promise settles.
  if (result instanceof Promise) result.then(restore, restore);
  else restore();
  return result;
}

export function lowerPlan(plan: ModelPlan, seed: number): tf.LayersModel {
  const tensors = new Map<string, tf.SymbolicTensor>();
  const get = (name: string): tf.SymbolicTensor => {
    const t = tensors.get(name);
    if (t === undefined) throw new Error(`lowerModel: step "${name}" is used before it is made`);
    return t;
  };
  let seeds = 0;
  for (const step of plan.steps) {
    if (step.op === 'input') {
      tensors.set(
        step.name,
        tf.input({
          name: step.name,
          shape: [...(step.config.shape as readonly number[])],
          dtype: step.config.dtype as 'float32' | 'int32',
        }),
      );
      continue;
    }
    const layer = createLayer(step, () => seed * 1000 + ++seeds);
    const inputs = step.inputs.map(get);
    tensors.set(step.name, layer.apply(inputs.length === 1 ? inputs[0]! : inputs) as tf.SymbolicTensor);
  }
  return tf.model({ name: plan.name, inputs: plan.inputs.map(get), outputs: plan.outputs.map(get) });
}

type ActivationName = 'linear' | 'relu' | 'relu6' | 'elu' | 'selu' | 'gelu' | 'swish' | 'sigmoid' | 'tanh' | 'softplus' | 'softmax';

const num = (v: PlanValue | undefined): number => v as number;
const act = (v: PlanValue | undefined): ActivationName => v as ActivationName;
const pad = (v: PlanValue | undefined): 'same' | 'valid' => v as 'same' | 'valid';
const pool = (v: PlanValue | undefined): number | [number, number] =>
  typeof v === 'number' ? v : ([...(v as number[])] as [number, number]);

/** One `tf.layers` layer for a plan step; `nextSeed` gives each initializer its own seed. */
export function createLayer(step: PlanStep, nextSeed: () => number): tf.layers.Layer {
  const c = step.config;
  const name = step.name;
  const glorot = () => tf.initializers.glorotUniform({ seed: nextSeed() });
  switch (step.op) {
    case 'dense':
      return tf.layers.dense({ name, units: num(c.units), activation: act(c.activation), kernelInitializer: glorot() });
    case 'dropout':
      return tf.layers.dropout({ name, rate: num(c.rate) });
    case 'batchNormalization':
      return tf.layers.batchNormalization({ name, axis: num(c.axis) });
    case 'layerNormalization':
      return tf.layers.layerNormalization({ name, axis: num(c.axis) });
    case 'activation':
      return tf.layers.activation({ name, activation: act(c.activation) });
    case 'leakyReLU':
      return tf.layers.leakyReLU({ name, alpha: num(c.alpha) });
    case 'conv1d':
      return tf.layers.conv1d({
        name,
        filters: num(c.filters),
        kernelSize: num(c.kernelSize),
        strides: num(c.strides),
        padding: pad(c.padding),
        activation: act(c.activation),
        kernelInitializer: glorot(),
      });
    case 'conv2d':
      return tf.layers.conv2d({
        name,
        filters: num(c.filters),
        kernelSize: num(c.kernelSize),
        strides: num(c.strides),
        padding: pad(c.padding),
        activation: act(c.activation),
        kernelInitializer: glorot(),
      });
    case 'maxPooling1d':
      return tf.layers.maxPooling1d({ name, poolSize: num(c.poolSize), strides: num(c.strides), padding: pad(c.padding) });
    case 'averagePooling1d':
      return tf.layers.averagePooling1d({ name, poolSize: num(c.poolSize), strides: num(c.strides), padding: pad(c.padding) });
    case 'maxPooling2d':
      return tf.layers.maxPooling2d({ name, poolSize: pool(c.poolSize), strides: pool(c.strides), padding: pad(c.padding) });
    case 'averagePooling2d':
      return tf.layers.averagePooling2d({ name, poolSize: pool(c.poolSize), strides: pool(c.strides), padding: pad(c.padding) });
    case 'globalAveragePooling1d':
      return tf.layers.globalAveragePooling1d({ name });
    case 'globalAveragePooling2d':
      return tf.layers.globalAveragePooling2d({ name });
    case 'flatten':
      return tf.layers.flatten({ name });
    case 'embedding':
      return tf.layers.embedding({
        name,
        inputDim: num(c.inputDim),
        outputDim: num(c.outputDim),
        embeddingsInitializer: tf.initializers.randomUniform({ minval: -0.05, maxval: 0.05, seed: nextSeed() }),
      });
    case 'lstm':
    case 'gru': {
      const config = {
        name,
        units: num(c.units),
        returnSequences: c.returnSequences === true,
        kernelInitializer: glorot(),
        recurrentInitializer: tf.initializers.orthogonal({ gain: 1, seed: nextSeed() }),
      };
      return step.op === 'lstm' ? tf.layers.lstm(config) : tf.layers.gru(config);
    }
    case 'concatenate':
      return tf.layers.concatenate({ name, axis: num(c.axis) });
    case 'add':
      return tf.layers.add({ name });
    case 'reshape':
      return tf.layers.reshape({ name, targetShape: [...(c.targetShape as number[])] });
    case 'dot':
      return tf.layers.dot({ name, axes: [...(c.axes as number[])] as [number, number] });
    case 'input':
      throw new Error('createLayer: inputs are made with tf.input');
  }
}
