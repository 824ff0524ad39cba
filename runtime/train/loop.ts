/**
 * The training loop: a custom loop rather than `model.fit`, because multi-task training needs
 * masked per-task losses, λ that a weighting strategy may change every step, and per-task
 * gradients for the adaptive strategies. Models of dense layers and gates take the compiled step
 * (compiled-step.ts), which computes the same step without the gradient tape. Otherwise each step
 * runs `model.apply(x, {training: true})` inside `optimizer.minimize(f, false, varList)` with the
 * same variable list every step (TensorFlow.js optimizers keep their slots by position), and the
 * per-task loss sums stay on the device, read once per epoch. Batches come in a seeded order, and
 * the lowering seeds the initializers, so a run is reproducible (dropout masks excepted on the tape
 * path: TensorFlow.js draws them unseeded; the compiled step seeds them).
 */
import * as tf from '@tensorflow/tfjs';
import type { CheckedModel, Metric } from '../../compiler/index.js';
import { planModel } from '../../compiler/index.js';
import { layerHeads } from '../model/lower.js';
import { applyModel, batchTensors, disposeBatch, headsInOutputOrder } from './batch.js';
import { Batches, type Batch, type Dataset } from '../data/index.js';
import { evaluate, type Evaluation } from './evaluate.js';
import { maskedLoss, type MaskedLoss } from './losses/index.js';
import { compileDenseStep } from './compiled/step.js';
import { createOptimizer } from './optimizers.js';
import { createStrategy, type StepContext, weightedSum, type WeightingStrategy } from './weighting/index.js';

export interface TrainOptions {
  /** Defaults for everything below come from the model's `train { }`. */
  readonly epochs?: number;
  /** Epochs already done (a resumed run): training runs epochs `initialEpoch + 1 … epochs`, as Keras' `initialEpoch`. */
  readonly initialEpoch?: number;
  readonly batch?: number;
  readonly seed?: number;
  readonly shuffle?: boolean;
  /** Patience in epochs: stop when the monitored value has not improved for this many epochs, and keep the best weights. */
  readonly earlyStop?: number;
  readonly optimizer?: tf.Optimizer;
  readonly strategy?: WeightingStrategy;
  /**
   * After each epoch; `kept` is the best epoch so far and its weights when the run keeps its best
   * epoch (early stopping, `train { select }`), to checkpoint with it.
   */
  readonly onEpoch?: (record: EpochRecord, kept?: KeptEpoch) => void | Promise<void>;
  /**
   * A resumed run's finished epochs and the best of them kept by the checkpoint: the best epoch
   * and the patience count go on as if the run had not stopped. Without `kept` (an older
   * checkpoint) they start afresh, unless the best epoch is the last one, whose weights the model has.
   */
  readonly resumed?: { readonly epochs: readonly EpochRecord[]; readonly kept?: KeptEpoch };
  readonly onBatch?: (info: { readonly epoch: number; readonly batch: number; readonly batches: number }) => void;
  /** Polled after every batch; true ends training there (Ctrl-C). */
  readonly shouldStop?: () => boolean;
  /**
   * Run models made of dense layers through the compiled step (compiled-step.ts) where they
   * qualify (default true); false always takes the tape path. Both train to the same bits.
   */
  readonly compiledStep?: boolean;
}

export interface EpochRecord {
  /** 1-based. */
  readonly epoch: number;
  /** Σ λ_i · taskLoss_i over the epoch. */
  readonly loss: number;
  /** Mean training loss per head over the epoch's labelled rows. */
  readonly taskLoss: Record<string, number>;
  readonly lambda: Record<string, number>;
  readonly val?: { readonly loss: number; readonly taskLoss: Record<string, number>; readonly metrics: Record<string, Record<string, number>> };
  /** True for an epoch cut short by `shouldStop`. */
  readonly partial?: boolean;
}

/** The best epoch so far of a run that keeps it, and its weights in `model.weights` order. */
export interface KeptEpoch {
  readonly epoch: number;
  readonly weights: readonly tf.Tensor[];
}

export interface History {
  readonly epochs: EpochRecord[];
  /** The epoch whose weights the model holds after early stopping, or with `train { select }`. */
  bestEpoch?: number;
  /** Why training ended before the last epoch. */
  stopped?: 'early' | 'interrupted';
  /**
   * The validation evaluation of the weights the model holds at the end, when the last epoch's
   * is of them (not after a restored earlier epoch, nor after an interrupted one).
   */
  validation?: Evaluation;
}

export interface TrainData {
  readonly train: Dataset;
  readonly validation?: Dataset;
}

const HIGHER_IS_BETTER: ReadonlySet<Metric> = new Set(['accuracy', 'auc', 'precision', 'recall', 'f1', 'r2']);

export async function train(model: tf.LayersModel, checked: CheckedModel, data: TrainData, options: TrainOptions = {}): Promise<History> {
  const spec = checked.train;
  const epochs = options.epochs ?? spec.epochs;
  const batchSize = options.batch ?? spec.batch;
  const patience = options.earlyStop ?? spec.earlyStop;
  const strategy = options.strategy ?? createStrategy(checked);
  const optimizer = options.optimizer ?? createOptimizer(spec.optimizer);
  const heads = headsInOutputOrder(model, checked.heads);
  const names = heads.map((h) => h.name);
  const split = splitVariables(model, checked, names);
  const variables = [...split.all, ...(strategy.variables ?? [])];
  const seed = options.seed ?? spec.seed;
  const compiled = options.compiledStep === false ? undefined : compileDenseStep(model, heads, variables, optimizer, strategy, batchSize, seed);
  const batches = new Batches(data.train, Int32Array.from({ length: data.train.n }, (_, i) => i), batchSize, {
    shuffle: options.shuffle ?? spec.shuffle,
    seed,
  });
  const monitor = monitorOf(checked, data.validation !== undefined);
  const history: History = { epochs: [] };
  let best: { value: number; epoch: number; weights: tf.Tensor[] } | undefined;
  let sinceBest = 0;
  // `train { select }` alone also keeps the best epoch's weights (the model that is saved); early stopping also ends the run.
  const keepBest = patience !== undefined || (spec.select !== undefined && data.validation !== undefined);
  const copyOfModel = () => model.weights.map((w) => tf.keep(tf.clone(w.read())));
  /** Takes an epoch's monitored value: a new best keeps `weights()`; patience runs out to an early stop. */
  const observe = (entry: EpochRecord, weights: () => tf.Tensor[]): void => {
    const value = monitor.read(entry);
    if (best === undefined || monitor.better(value, best.value)) {
      tf.dispose(best?.weights ?? []);
      best = { value, epoch: entry.epoch, weights: weights() };
      sinceBest = 0;
    } else if (patience !== undefined && ++sinceBest >= patience) {
      history.stopped = 'early';
    }
  };
  if (keepBest && options.resumed !== undefined) {
    for (const entry of options.resumed.epochs) observe(entry, () => []);
    const kept = options.resumed.kept;
    if (best !== undefined && kept?.epoch === best.epoch) best.weights = kept.weights.map((w) => tf.keep(tf.clone(w)));
    else if (best !== undefined && best.epoch === (options.initialEpoch ?? 0)) best.weights = copyOfModel();
    else best = undefined;
    if (best === undefined) sinceBest = 0;
    delete history.stopped;
  }
  let lastValidation: { epoch: number; evaluation: Evaluation } | undefined;

  // One step on the gradient tape: model.apply under optimizer.minimize, or the strategy's own step.
  // Returns the step's [Σ weighted loss per head…, labelled count per head…], on the device.
  const tapeStep = (batch: Batch, epoch: number, index: number): tf.Tensor1D | undefined => {
    const tensors = batchTensors(model, heads, batch);
    let stats: tf.Tensor1D | undefined;
    const forward = (): MaskedLoss[] => {
      const ys = applyModel(model, tensors.xs, true);
      return heads.map((h, i) => maskedLoss(h.task, tensors.labels[h.name]!.y, ys[i]!, tensors.labels[h.name]!.mask));
    };
    const record = (losses: readonly MaskedLoss[]): void => {
      if (stats === undefined) stats = tf.keep(tf.stack([...losses.map((l) => l.sum), ...losses.map((l) => l.count)]) as tf.Tensor1D);
    };
    if (strategy.step) {
      strategy.step(stepContext(epoch, index, names, labelledRows(batch, names), forward, record, split, variables, optimizer));
    } else {
      optimizer.minimize(() => {
        const losses = forward();
        record(losses);
        const means = Object.fromEntries(names.map((n, i) => [n, losses[i]!.mean]));
        return strategy.combine ? strategy.combine(means) : weightedSum(means, strategy.lambdas());
      }, false, variables);
    }
    disposeBatch(tensors);
    return stats;
  };

  try {
    for (let epoch = (options.initialEpoch ?? 0) + 1; epoch <= epochs; epoch++) {
      // [Σ weighted loss per head…, labelled count per head…], summed over the epoch: in float32
      // on the host for the compiled step, on the device for the tape step (read once, below).
      const host = new Float32Array(2 * names.length);
      const device = compiled ? undefined : new DeviceSums(2 * names.length);
      let interrupted = false;
      let index = 0;
      compiled?.load();
      for (const batch of batches.epoch(epoch - 1)) {
        if (compiled) compiled.run(batch, epoch, index).forEach((value, i) => (host[i] += value));
        else device!.add(tapeStep(batch, epoch, index));
        options.onBatch?.({ epoch, batch: index, batches: batches.count });
        index++;
        // Let signal handlers run, so that shouldStop can turn true.
        await new Promise<void>((resolve) => setImmediate(resolve));
        if (options.shouldStop?.() === true) {
          interrupted = true;
          break;
        }
      }
      compiled?.store();
      const totals = device ? await device.read() : Array.from(host);
      const lambda = strategy.lambdas();
      const taskLoss = Object.fromEntries(names.map((n, i) => [n, totals[names.length + i]! > 0 ? totals[i]! / totals[names.length + i]! : 0]));
      const loss = names.reduce((sum, n) => sum + (lambda[n] ?? 1) * taskLoss[n]!, 0);
      strategy.onEpochEnd?.(epoch, taskLoss);
      let val: Evaluation | undefined;
      if (data.validation !== undefined && !interrupted) val = await evaluate(model, checked, data.validation, { batch: batchSize, lambdas: lambda });
      lastValidation = val !== undefined ? { epoch, evaluation: val } : undefined;
      const entry: EpochRecord = {
        epoch, loss, taskLoss, lambda,
        ...(val ? { val: { loss: val.loss, taskLoss: val.taskLoss, metrics: val.metrics } } : {}),
        ...(interrupted ? { partial: true } : {}),
      };
      history.epochs.push(entry);
      if (interrupted) history.stopped = 'interrupted';
      else if (keepBest) observe(entry, copyOfModel);
      await options.onEpoch?.(entry, best && { epoch: best.epoch, weights: best.weights });
      if (history.stopped !== undefined) break;
    }
  } finally {
    // A strategy or optimizer the loop made (their variables and slots) ends with the run.
    if (options.strategy === undefined) strategy.dispose?.();
    if (options.optimizer === undefined) optimizer.dispose();
    compiled?.dispose();
    if (best !== undefined) {
      model.setWeights(best.weights);
      history.bestEpoch = best.epoch;
      tf.dispose(best.weights);
    }
  }
  if (lastValidation !== undefined && (history.bestEpoch === undefined || history.bestEpoch === lastValidation.epoch)) {
    history.validation = lastValidation.evaluation;
  }
  return history;
}

/** What early stopping watches: `train { select }`, else the validation loss, else the training loss. */
function monitorOf(checked: CheckedModel, hasValidation: boolean): { read: (e: EpochRecord) => number; better: (a: number, b: number) => boolean } {
  const select = checked.train.select;
  const lower = (a: number, b: number) => a < b || (Number.isNaN(b) && !Number.isNaN(a));
  if (!hasValidation) return { read: (e) => e.loss, better: lower };
  if (select === undefined) return { read: (e) => e.val!.loss, better: lower };
  if (select.metric === 'loss') return { read: (e) => e.val!.taskLoss[select.head] ?? NaN, better: lower };
  const higher = HIGHER_IS_BETTER.has(select.metric);
  return {
    read: (e) => e.val!.metrics[select.head]?.[select.metric] ?? NaN,
    better: higher ? (a, b) => a > b || (Number.isNaN(b) && !Number.isNaN(a)) : lower,
  };
}

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

/** Per head, the rows of the batch that carry its label (read from the host-side masks). */
function labelledRows(batch: Batch, heads: readonly string[]): Record<string, number> {
  return Object.fromEntries(heads.map((h) => [h, batch.labels[h]?.mask.reduce((sum, m) => sum + (m > 0 ? 1 : 0), 0) ?? 0]));
}

function stepContext(
  epoch: number, batch: number, heads: readonly string[], labelled: Readonly<Record<string, number>>,
  forward: () => MaskedLoss[], record: (l: readonly MaskedLoss[]) => void,
  split: VariableSplit, variables: readonly tf.Variable[], optimizer: tf.Optimizer,
): StepContext {
  return {
    heads, epoch, batch, labelled, optimizer, variables,
    sharedVars: split.shared,
    taskVars: split.perTask,
    taskLosses: () => {
      const losses = forward();
      record(losses);
      return Object.fromEntries(heads.map((h, i) => [h, losses[i]!.mean]));
    },
    applyGradients: (grads) => {
      const zeros: tf.Tensor[] = [];
      const list = variables.map((v) => {
        let g = grads.get(v);
        if (g === undefined) {
          g = tf.zerosLike(v);
          zeros.push(g);
        }
        return { name: v.name, tensor: g };
      });
      optimizer.applyGradients(list);
      tf.dispose(zeros);
    },
  };
}

/** Per-head sums kept on the device: one kernel per step adds a step's, one read at the end. */
class DeviceSums {
  private total: tf.Tensor1D;

  constructor(size: number) {
    this.total = tf.zeros([size]);
  }

  add(stats: tf.Tensor1D | undefined): void {
    if (stats === undefined) return;
    const next = this.total.add(stats) as tf.Tensor1D;
    tf.dispose([this.total, stats]);
    this.total = next;
  }

  async read(): Promise<number[]> {
    const values = Array.from(await this.total.data());
    this.total.dispose();
    return values;
  }
}
