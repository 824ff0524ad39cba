/**
 * The checkpoint of a run, in the manner of Keras' `ModelCheckpoint`: after every complete epoch,
 * the model, the optimizer's state, the weighting strategy's variables and state, and the best
 * epoch kept so far (best-epoch.ts) go into the model directory's `checkpoint/` (model-dir.ts
 * writes the files); `--resume` reads them back into a fresh model, optimizer and strategy.
 */
import * as tf from '@tensorflow/tfjs';
import {
  type CheckpointState,
  type LoadedModel,
  type ModelParts,
  readCheckpointDir,
  type RunHistory,
  writeCheckpointDir,
} from '../model/index.js';
import type { KeptEpoch } from './best-epoch.js';
import type { WeightingStrategy } from './weighting/index.js';

/** The parts of a weighting strategy a checkpoint saves and restores. */
export type StrategyParts = Pick<WeightingStrategy, 'variables' | 'state' | 'restore'>;

export interface Checkpoint extends LoadedModel {
  readonly state: CheckpointState;
  /** The saved tensors, named as in `state`; `restoreTraining` uses and disposes them. */
  readonly tensors: tf.NamedTensorMap;
}

/**
 * Adam keeps β₁ᵗ and β₂ᵗ as running float32 products, which `setWeights` recomputes with `pow`
 * and so rounds differently: saved as they are, a resumed run stays exact to the bit.
 */
const RUNNING_PRODUCTS = ['accBeta1', 'accBeta2'] as const;

function runningProducts(optimizer: tf.Optimizer): Array<{ name: string; variable: tf.Variable }> {
  const fields = optimizer as unknown as Record<string, unknown>;
  return RUNNING_PRODUCTS.filter((name) => fields[name] instanceof tf.Variable).map((name) => ({
    name,
    variable: fields[name] as tf.Variable,
  }));
}

/**
 * Writes the checkpoint of a completed epoch: the model with its parts, the optimizer's state,
 * the strategy's variables and state and the kept best epoch, then swaps it in for the previous one.
 */
export async function writeCheckpoint(
  dir: string,
  model: tf.LayersModel,
  parts: ModelParts & { readonly history: RunHistory },
  epoch: number,
  optimizer: tf.Optimizer,
  strategy: StrategyParts = {},
  kept?: KeptEpoch,
): Promise<void> {
  const strategyVariables = strategy.variables ?? [];
  const strategyState = strategy.state?.();
  const slots = await optimizer.getWeights();
  const products = runningProducts(optimizer);
  const named = [
    ...slots,
    ...products.map((p) => ({ name: `optimizer.${p.name}`, tensor: p.variable as tf.Tensor })),
    ...strategyVariables.map((v, i) => ({ name: `strategy.${i}`, tensor: v as tf.Tensor })),
    ...(kept?.weights ?? []).map((tensor, i) => ({ name: `kept.${i}`, tensor })),
  ];
  const encoded = await tf.io.encodeWeights(named);
  // getWeights makes a fresh scalar for the iteration count; the slots themselves are the optimizer's.
  tf.dispose(slots.filter((s) => s.name === 'iter').map((s) => s.tensor));
  const specs = encoded.specs;
  const state: CheckpointState = {
    format: 'mtl-checkpoint',
    version: 1,
    epoch,
    optimizer: {
      className: optimizer.getClassName(),
      weights: specs.slice(0, slots.length),
      runningProducts: specs.slice(slots.length, slots.length + products.length),
    },
    strategy: specs.slice(slots.length + products.length, slots.length + products.length + strategyVariables.length),
    ...(kept !== undefined
      ? { kept: { epoch: kept.epoch, weights: specs.slice(slots.length + products.length + strategyVariables.length) } }
      : {}),
    ...(strategyState !== undefined ? { strategyState } : {}),
  };
  await writeCheckpointDir(dir, model, parts, state, new Uint8Array(tf.io.CompositeArrayBuffer.join(encoded.data)));
}

/** Reads the checkpoint in `dir`; undefined when there is none. */
export async function readCheckpoint(dir: string): Promise<Checkpoint | undefined> {
  const found = await readCheckpointDir(dir);
  if (found === undefined) return undefined;
  const { loaded, state, optimizerBin } = found;
  const tensors = tf.io.decodeWeights(optimizerBin, [
    ...state.optimizer.weights,
    ...state.optimizer.runningProducts,
    ...state.strategy,
    ...(state.kept?.weights ?? []),
  ]);
  return { ...loaded, state, tensors };
}

/**
 * Puts a checkpoint's training state into a fresh model, optimizer and strategy variables, and
 * disposes what the checkpoint held. An optimizer of another class keeps its fresh state
 * (`sameOptimizer` false). The kept best epoch comes back as new tensors, the caller's to dispose.
 */
export async function restoreTraining(
  checkpoint: Checkpoint,
  model: tf.LayersModel,
  optimizer: tf.Optimizer,
  strategy: StrategyParts = {},
): Promise<{ sameOptimizer: boolean; kept?: KeptEpoch }> {
  const { state, tensors } = checkpoint;
  try {
    const kept = state.kept && { epoch: state.kept.epoch, weights: state.kept.weights.map((spec) => tf.clone(tensors[spec.name]!)) };
    model.setWeights(checkpoint.model.getWeights());
    const sameOptimizer = state.optimizer.className === optimizer.getClassName();
    if (sameOptimizer) {
      await optimizer.setWeights(state.optimizer.weights.map((s) => ({ name: s.name, tensor: tensors[s.name]! })));
      const products = new Map(runningProducts(optimizer).map((p) => [`optimizer.${p.name}`, p.variable]));
      for (const spec of state.optimizer.runningProducts) products.get(spec.name)?.assign(tensors[spec.name]!);
    }
    state.strategy.forEach((spec, i) => strategy.variables?.[i]?.assign(tensors[spec.name]!));
    if (state.strategyState !== undefined) strategy.restore?.(state.strategyState);
    return { sameOptimizer, ...(kept !== undefined ? { kept } : {}) };
  } finally {
    checkpoint.model.dispose();
    tf.dispose(Object.values(tensors));
  }
}

/**
 * Writes the checkpoint after every complete epoch (an interrupted epoch leaves the previous one),
 * and remembers the last epoch written.
 */
export class ModelCheckpoint {
  /** The last epoch whose checkpoint is on disk. */
  epoch: number | undefined;

  constructor(
    private readonly dir: string,
    private readonly model: tf.LayersModel,
    private readonly optimizer: tf.Optimizer,
    private readonly strategy: StrategyParts,
    /** What the model directory records besides the weights, as of now. */
    private readonly parts: () => ModelParts & { readonly history: RunHistory },
    resumedAt?: number,
  ) {
    this.epoch = resumedAt;
  }

  async onEpochEnd(record: { readonly epoch: number; readonly partial?: boolean }, kept?: KeptEpoch): Promise<void> {
    if (record.partial === true) return;
    await writeCheckpoint(this.dir, this.model, this.parts(), record.epoch, this.optimizer, this.strategy, kept);
    this.epoch = record.epoch;
  }
}
