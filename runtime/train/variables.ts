/** The model's trainable variables, split by the heads that depend on them: what per-task gradients need. */
import type * as tf from '@tensorflow/tfjs';
import { type CheckedModel, layerHeads, planModel } from '../../compiler/index.js';

export interface VariableSplit {
  /** All trainable variables of the model, in `model.trainableWeights` order. */
  readonly all: tf.Variable[];
  readonly shared: tf.Variable[];
  readonly perTask: Record<string, tf.Variable[]>;
}

/**
 * The model's trainable variables, split by the heads that depend on them (see `layerHeads`).
 * Layers the plan does not know count as shared.
 */
export function splitVariables(model: tf.LayersModel, checked: CheckedModel, heads: readonly string[]): VariableSplit {
  const owners = layerHeads(planModel(checked), heads);
  const shared: tf.Variable[] = [];
  const perTask: Record<string, tf.Variable[]> = Object.fromEntries(heads.map((h) => [h, []]));
  const all: tf.Variable[] = [];
  for (const layer of model.layers) {
    const variables = layer.trainableWeights.map((w) => w.read() as tf.Variable);
    all.push(...variables);
    const users = owners.get(layer.name);
    if (users !== undefined && users.size === 1) perTask[[...users][0]!]!.push(...variables);
    else shared.push(...variables);
  }
  return { all, shared, perTask };
}
