/**
 * Optimizers from the model's `train { optimizer: … }` (LANGUAGE.md §4). TensorFlow.js has no
 * AdamW, so `adamw` is Adam followed by decoupled weight decay on the kernels (Loshchilov &
 * Hutter, 2019): after each Adam update, w ← w − lr · decay · w. Biases, normalization scales and
 * shifts are not decayed, as in PyTorch's and Keras' usual setup. Adam's update is one fused
 * kernel call per step (accel/fused-adam.ts), bit-identical to tf.train.adam.
 */
import * as tf from '@tensorflow/tfjs';
import type { OptimizerSpec } from '../../compiler/index.js';
import { FusedAdam } from '../accel/index.js';

export function createOptimizer(spec: OptimizerSpec): tf.Optimizer {
  switch (spec.kind) {
    case 'adam':
      return new FusedAdam(spec.lr, spec.beta1, spec.beta2);
    case 'adamw':
      return new AdamW(spec.lr, spec.decay);
    case 'sgd':
      return spec.momentum > 0 ? tf.train.momentum(spec.lr, spec.momentum) : tf.train.sgd(spec.lr);
    case 'rmsprop':
      return tf.train.rmsprop(spec.lr);
  }
}

/** Weights that weight decay applies to: dense and conv kernels, recurrent kernels, embeddings. */
export function isDecayed(variableName: string): boolean {
  return /(^|\/)(kernel|recurrent_kernel|embeddings)(_\d+)?$/.test(variableName);
}

export class AdamW extends FusedAdam {
  constructor(
    learningRate: number,
    readonly decay: number,
    beta1 = 0.9,
    beta2 = 0.999,
    epsilon?: number,
  ) {
    super(learningRate, beta1, beta2, epsilon);
  }

  override applyGradients(variableGradients: Parameters<tf.AdamOptimizer['applyGradients']>[0]): void {
    super.applyGradients(variableGradients);
    if (this.decay === 0) return;
    const names = Array.isArray(variableGradients) ? variableGradients.map((g) => g.name) : Object.keys(variableGradients);
    const keep = 1 - this.learningRate * this.decay;
    const registered = tf.engine().registeredVariables;
    tf.tidy(() => {
      for (const name of names) {
        const variable = registered[name];
        if (variable?.trainable && isDecayed(name)) variable.assign(variable.mul(keep));
      }
    });
  }
}
