/**
 * The training loop: a custom loop rather than `model.fit`, because multi-task training needs
 * masked per-task losses, λ that a weighting strategy may change every step, and per-task
 * gradients for the adaptive strategies. It is made of parts: a step (step.ts: the compiled step
 * of compiled/ where the model qualifies, else the gradient tape of tape-step.ts), the best-epoch
 * bookkeeping of early stopping and `select` (best-epoch.ts), and callbacks after each batch and
 * epoch (the checkpoint of checkpoint.ts, progress). Batches come in a seeded order, and the
 * lowering seeds the initializers, so a run is reproducible (dropout masks excepted on the tape
 * path: TensorFlow.js draws them unseeded; the compiled step seeds them).
 */
import * as tf from '@tensorflow/tfjs';
import type { CheckedModel } from '../../compiler/index.js';
import { type BatchSource, Batches, type Dataset, isBatchSource } from '../data/index.js';
import type { EpochRecord } from '../model/index.js';
import { headsInOutputOrder } from './batch.js';
import { BestEpoch, type KeptEpoch, monitorOf } from './best-epoch.js';
import { compileDenseStep } from './compiled/index.js';
import { evaluate, type Evaluation } from './evaluate.js';
import { createOptimizer } from './optimizers.js';
import { TapeStep } from './tape-step.js';
import { splitVariables } from './variables.js';
import { createStrategy, type WeightingStrategy } from './weighting/index.js';

export type { EpochRecord } from '../model/index.js';
export type { KeptEpoch } from './best-epoch.js';

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
   * Run models made of dense layers through the compiled step (compiled/step.ts) where they
   * qualify (default true); false always takes the tape path. Both train to the same bits.
   */
  readonly compiledStep?: boolean;
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
  /** In memory, or streamed from a pack (data/pack-stream.ts). */
  readonly train: Dataset | BatchSource;
  readonly validation?: Dataset;
}

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
  const step =
    (options.compiledStep === false ? undefined : compileDenseStep(model, heads, variables, optimizer, strategy, batchSize, seed)) ??
    new TapeStep(model, heads, strategy, optimizer, split, variables);
  const order = { shuffle: options.shuffle ?? spec.shuffle, seed };
  const batches = isBatchSource(data.train)
    ? data.train.batches(batchSize, order)
    : new Batches(
        data.train,
        Int32Array.from({ length: data.train.n }, (_, i) => i),
        batchSize,
        order,
      );
  const history: History = { epochs: [] };
  // `train { select }` alone also keeps the best epoch's weights (the model that is saved); early stopping also ends the run.
  const keepBest = patience !== undefined || (spec.select !== undefined && data.validation !== undefined);
  const best = keepBest ? new BestEpoch(monitorOf(checked, data.validation !== undefined), patience, tensorCopies(model)) : undefined;
  if (best !== undefined && options.resumed !== undefined) {
    const kept = options.resumed.kept;
    best.resume(
      options.resumed.epochs,
      kept && { epoch: kept.epoch, weights: kept.weights.map((w) => tf.keep(tf.clone(w))) },
      options.initialEpoch ?? 0,
    );
  }
  let lastValidation: { epoch: number; evaluation: Evaluation } | undefined;

  try {
    for (let epoch = (options.initialEpoch ?? 0) + 1; epoch <= epochs; epoch++) {
      let interrupted = false;
      let index = 0;
      step.beginEpoch();
      for (const batch of batches.epoch(epoch - 1)) {
        step.run(batch, epoch, index);
        options.onBatch?.({ epoch, batch: index, batches: batches.count });
        index++;
        // Let signal handlers run, so that shouldStop can turn true.
        await new Promise<void>((resolve) => setImmediate(resolve));
        if (options.shouldStop?.() === true) {
          interrupted = true;
          break;
        }
      }
      const { sums: totals, diverged } = await step.endEpoch();
      // Before anything of the epoch is kept: no checkpoint, no saved model is ever NaN.
      if (diverged !== undefined)
        throw new TrainingDiverged(epoch, diverged.batch, diverged.head === undefined ? undefined : names[diverged.head]);
      const lambda = strategy.lambdas();
      const taskLoss = Object.fromEntries(
        names.map((n, i) => [n, totals[names.length + i]! > 0 ? totals[i]! / totals[names.length + i]! : 0]),
      );
      const loss = names.reduce((sum, n) => sum + (lambda[n] ?? 1) * taskLoss[n]!, 0);
      strategy.onEpochEnd?.(epoch, taskLoss);
      let val: Evaluation | undefined;
      if (data.validation !== undefined && !interrupted)
        val = await evaluate(model, checked, data.validation, { batch: batchSize, lambdas: lambda });
      lastValidation = val !== undefined ? { epoch, evaluation: val } : undefined;
      const entry: EpochRecord = {
        epoch,
        loss,
        taskLoss,
        lambda,
        ...(val ? { val: { loss: val.loss, taskLoss: val.taskLoss, metrics: val.metrics } } : {}),
        ...(interrupted ? { partial: true } : {}),
      };
      history.epochs.push(entry);
      if (interrupted) history.stopped = 'interrupted';
      else if (best?.observe(entry) === true) history.stopped = 'early';
      await options.onEpoch?.(entry, best?.kept);
      if (history.stopped !== undefined) break;
    }
  } finally {
    // A strategy or optimizer the loop made (their variables and slots) ends with the run.
    if (options.strategy === undefined) strategy.dispose?.();
    if (options.optimizer === undefined) optimizer.dispose();
    step.dispose();
    const kept = best?.take();
    if (kept !== undefined) {
      model.setWeights([...kept.weights]);
      history.bestEpoch = kept.epoch;
      tf.dispose([...kept.weights]);
    }
    best?.dispose();
  }
  if (lastValidation !== undefined && (history.bestEpoch === undefined || history.bestEpoch === lastValidation.epoch)) {
    history.validation = lastValidation.evaluation;
  }
  return history;
}

/**
 * Training that turned a loss or a weight into NaN or infinity. The loop checks once per epoch
 * (reading the device once), so the epoch runs to its end, and then nothing of it is kept: the
 * checkpoint stays at the last finite epoch and no model is saved.
 */
export class TrainingDiverged extends Error {
  override name = 'TrainingDiverged';

  constructor(
    readonly epoch: number,
    readonly batch: number,
    /** The head whose loss was first not finite; undefined when the losses were, but not the weights after. */
    readonly head: string | undefined,
  ) {
    const what = head !== undefined ? `the loss of head "${head}" is not finite` : 'the weights are not finite after it';
    super(
      `training diverged in epoch ${epoch}, batch ${batch}: ${what}; nothing was saved from this epoch on. Lower the learning rate, or bring features and labels to moderate values (normalize, smaller units)`,
    );
  }
}

/** Copies of the model's weights that outlive the tidy scopes of training. */
function tensorCopies(model: tf.LayersModel) {
  return {
    copy: (): readonly tf.Tensor[] => model.weights.map((w) => tf.keep(tf.clone(w.read()))),
    release: (weights: readonly tf.Tensor[]) => tf.dispose([...weights]),
  };
}
