/**
 * Reading real data for a checked model: files → bound, normalized, split, batched typed arrays,
 * prepared for training and for inference (prepare.ts), with seeded shuffles.
 */
export { type BindOptions, bindRows, loadDataset } from './bind.js';
export { sortClasses, withDataClasses } from './classes.js';
export { readColumns } from './columns.js';
export {
  type BoundData,
  type Dataset,
  type LabelColumn,
  type TargetScale,
  type TargetScales,
  inputDataShape,
  inputWidth,
  labelDataShape,
  labelWidth,
  tagSteps,
  takeRows,
} from './dataset.js';
export { DataError, DataErrors, type DataLocation, DEFAULT_PROBLEMS_SHOWN, describeGroup, type ProblemGroup } from './errors.js';
export { applyNormalization, fitNormalization, type NormStats, NORMALIZE_EPSILON, normalizedInputs } from './normalize.js';
export {
  bindTrainingData,
  type BoundTrainingData,
  type InferenceOptions,
  prepareStreamedData,
  type RunData,
  keepRowsInPlace,
  prepareInferenceData,
  prepareTrainingData,
  scaleTrainingData,
  sidecarNormalization,
  sidecarTargetScales,
  type SkippedRows,
  type TrainingData,
  type TrainingSources,
} from './prepare.js';
export { type Cells, type DataFormat, type DataSource, dataFormat, type Row, type RowSink, readRows, sourceName } from './read.js';
export { writeParquet } from './parquet.js';
export { isPack, type PackArray, type PackManifest, type PackStatistics, readPack, readPackManifest, writePack } from './pack.js';
export { type BatchSource, isBatchSource, openPackStream, packRowBytes, type StreamedData } from './pack-stream.js';
export { mulberry32, shuffleInPlace } from './random.js';
export { fitTargetScales, inDataUnits, standardizeTargets } from './targets.js';
export { type Batch, Batches, type BatchOptions, type Split, splitRows } from './split.js';
