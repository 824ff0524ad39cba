/**
 * Training: the loop and its parts (a step, the best-epoch bookkeeping, the checkpoint), a whole
 * run as `mtlc train` performs it, evaluation and prediction, metrics, optimizers, losses and the
 * weighting strategies.
 */
export { applyModel, batchTensors, disposeBatch, headsInOutputOrder } from './batch.js';
export { BestEpoch, type KeptEpoch, type Monitor, monitorOf, type WeightCopies } from './best-epoch.js';
export { type Checkpoint, ModelCheckpoint, readCheckpoint, restoreTraining, writeCheckpoint } from './checkpoint.js';
export { evaluate, type EvaluateOptions, type Evaluation, predict } from './evaluate.js';
export { type EpochRecord, type History, train, type TrainData, TrainingDiverged, type TrainOptions } from './loop.js';
export { type LossTask, type MaskedLoss, maskedLoss } from './losses/index.js';
export { computeMetrics, defaultMetrics, HIGHER_IS_BETTER } from './metrics.js';
export { AdamW, createOptimizer } from './optimizers.js';
export { ResumeError, type RunOptions, type RunResult, runTraining } from './run.js';
export type { TrainStep } from './step.js';
export { splitVariables, type VariableSplit } from './variables.js';
export * from './weighting/index.js';
export { gramMatrix } from './weighting/gradients.js';
