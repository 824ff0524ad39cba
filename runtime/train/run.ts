/**
 * One training run, as `mtlc train` performs it: lower the checked model (or take up a checkpoint),
 * run the training loop with a checkpoint after every complete epoch, evaluate the result on the
 * training and validation rows, and save the model directory (model/model-dir.ts). Stopping early,
 * being interrupted (`shouldStop`, Ctrl-C) and finishing all end the same way: the model is saved.
 *
 * A resumed run restores the weights, the optimizer's slots and the weighting strategy's variables and state
 * of the checkpoint and continues at the next epoch, so that, dropout aside, it reaches the same
 * weights as a run that was never interrupted. Early stopping and `train { select }` go on from the
 * best epoch the checkpoint kept, with its weights.
 */
import * as tf from '@tensorflow/tfjs';
import { type CheckedModel, planModel } from '../../compiler/index.js';
import { isBatchSource, type RunData } from '../data/index.js';
import { type EpochRecord, lowerModel, type RunHistory, saveModelDir } from '../model/index.js';
import { type Checkpoint, ModelCheckpoint, restoreTraining } from './checkpoint.js';
import { evaluate, type Evaluation } from './evaluate.js';
import { train, type TrainOptions } from './loop.js';
import { createOptimizer } from './optimizers.js';
import { createStrategy } from './weighting/index.js';

export interface RunOptions {
  /** The model directory to write. */
  readonly outDir: string;
  /** The .mtl file as the user named it (recorded in checked.json). */
  readonly source: string;
  /** The TensorFlow.js backend in use (recorded in history.json). */
  readonly backend: string;
  /** Total epochs, counting those of a resumed checkpoint; default: the model's `train { epochs }`. */
  readonly epochs?: number;
  readonly resume?: Checkpoint;
  readonly onBatch?: TrainOptions['onBatch'];
  /** After each epoch, once its checkpoint is written. */
  readonly onEpoch?: (record: EpochRecord) => void | Promise<void>;
  /** Polled after every batch: true stops training there, and the run saves what it has. */
  readonly shouldStop?: () => boolean;
}

export interface RunResult {
  readonly history: RunHistory;
  /** The trained model, as saved; the caller disposes it. */
  readonly model: tf.LayersModel;
  /** The saved model on the training rows and on the validation rows. */
  readonly train: Evaluation;
  readonly validation?: Evaluation;
  /** The last epoch saved in the checkpoint, if any. */
  readonly checkpointEpoch?: number;
  /** Things the user should know: an optimizer state that could not be restored… */
  readonly notes: readonly string[];
}

/** Why a checkpoint cannot be resumed with this model. */
export class ResumeError extends Error {
  override name = 'ResumeError';
}

/** The network's layers, shapes and connections, for telling whether a checkpoint fits a model. */
function architecture(model: CheckedModel): string {
  return JSON.stringify(planModel(model).steps.map((s) => [s.name, s.op, s.config, s.inputs, s.shape]));
}

export async function runTraining(checked: CheckedModel, data: RunData, options: RunOptions): Promise<RunResult> {
  const resume = options.resume;
  const notes: string[] = [];
  if (resume !== undefined && architecture(resume.checked) !== architecture(checked)) {
    throw new ResumeError(`the checkpoint in ${options.outDir} was trained with a different network than ${options.source} describes now`);
  }
  const model = lowerModel(checked);
  const optimizer = createOptimizer(checked.train.optimizer);
  const strategy = createStrategy(checked);
  const done = resume?.state.epoch ?? 0;
  const restored = resume !== undefined ? await restoreTraining(resume, model, optimizer, strategy) : undefined;
  if (restored?.sameOptimizer === false) {
    notes.push(
      `the optimizer changed (${resume!.state.optimizer.className} → ${optimizer.getClassName()}): it starts without its saved state`,
    );
  }

  const parts = { checked, source: options.source, sidecar: data.sidecar };
  const epochs: EpochRecord[] = [...(resume?.history?.epochs ?? []).filter((e) => e.partial !== true && e.epoch <= done)];
  // Strategies that learn from epoch losses (DWA) see the finished epochs again.
  for (const e of epochs) strategy.onEpochEnd?.(e.epoch, e.taskLoss);
  const historyOf = (extra: Pick<RunHistory, 'bestEpoch' | 'stopped'> = {}): RunHistory => ({
    format: 'mtl-history',
    version: 1,
    model: checked.name,
    backend: options.backend,
    data: { train: data.files.train, ...(data.files.validation !== undefined ? { validation: data.files.validation } : {}) },
    epochs: [...epochs],
    ...extra,
  });
  const checkpoint = new ModelCheckpoint(
    options.outDir,
    model,
    optimizer,
    strategy,
    () => ({ ...parts, history: historyOf() }),
    resume !== undefined ? done : undefined,
  );
  let trained: Awaited<ReturnType<typeof train>>;
  try {
    trained = await train(
      model,
      checked,
      { train: data.train, ...(data.validation !== undefined ? { validation: data.validation } : {}) },
      {
        ...(options.epochs !== undefined ? { epochs: options.epochs } : {}),
        initialEpoch: done,
        ...(resume !== undefined
          ? { resumed: { epochs: [...epochs], ...(restored?.kept !== undefined ? { kept: restored.kept } : {}) } }
          : {}),
        optimizer,
        strategy,
        ...(options.onBatch !== undefined ? { onBatch: options.onBatch } : {}),
        ...(options.shouldStop !== undefined ? { shouldStop: options.shouldStop } : {}),
        onEpoch: async (record, kept) => {
          epochs.push(record);
          await checkpoint.onEpochEnd(record, kept);
          await options.onEpoch?.(record);
        },
      },
    );
  } catch (error) {
    model.dispose();
    throw error;
  } finally {
    optimizer.dispose();
    strategy.dispose?.();
    tf.dispose([...(restored?.kept?.weights ?? [])]);
  }
  const history = historyOf({
    ...(trained.bestEpoch !== undefined ? { bestEpoch: trained.bestEpoch } : {}),
    ...(trained.stopped !== undefined ? { stopped: trained.stopped } : {}),
  });
  const lambdas = epochs[epochs.length - 1]?.lambda;
  const evaluation = { batch: checked.train.batch, ...(lambdas !== undefined ? { lambdas } : {}) };
  // Streamed rows are not read again: the training column is the last epoch's, without metrics.
  const onTrain = isBatchSource(data.train)
    ? { loss: epochs.at(-1)?.loss ?? 0, taskLoss: epochs.at(-1)?.taskLoss ?? {}, metrics: {}, labelled: data.train.labelled }
    : await evaluate(model, checked, data.train, evaluation);
  // The last epoch's validation evaluation, when it is of the saved weights, is not run again.
  const onValidation =
    data.validation !== undefined ? (trained.validation ?? (await evaluate(model, checked, data.validation, evaluation))) : undefined;
  await saveModelDir(options.outDir, model, { ...parts, history });
  return {
    history,
    model,
    train: onTrain,
    ...(onValidation !== undefined ? { validation: onValidation } : {}),
    ...(checkpoint.epoch !== undefined ? { checkpointEpoch: checkpoint.epoch } : {}),
    notes,
  };
}
