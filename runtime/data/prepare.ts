/**
 * Data as training and inference need it, from files: the training file bound to the model (its
 * heads' classes taken from the data where the model lists none), the validation rows held out
 * (by the seeded split of `train { validation }`, or from their own file), `normalize` statistics
 * and the regression targets' scales (targets.ts) learned from the training rows only and applied
 * to every split, and, for a saved model, new data bound and scaled exactly as its training data was.
 */
import type { CheckedModel } from '../../compiler/index.js';
import { buildSidecar, type ModelSidecar } from '../model/index.js';
import { type BindOptions, loadDataset } from './bind.js';
import { withDataClasses } from './classes.js';
import { type BoundData, type Dataset, type TargetScale, type TargetScales, takeRows } from './dataset.js';
import { DataError, DataErrors, type ProblemGroup } from './errors.js';
import { applyNormalization, fitNormalization, type NormStats } from './normalize.js';
import type { DataFormat } from './read.js';
import { isPack, readPack, withPackClasses } from './pack.js';
import { type BatchSource, openPackStream } from './pack-stream.js';
import { fitTargetScales, standardizeTargets } from './targets.js';
import { type Split, splitRows } from './split.js';

export interface TrainingSources {
  /** The training file. */
  readonly train: string;
  /** A validation file, or the fraction of the training rows to hold out (0: none). */
  readonly validation: string | number;
  readonly format?: DataFormat;
  readonly skipBadRows?: boolean;
  /** Statistics to apply instead of learning them (a resumed run keeps those it started with). */
  readonly normalization?: Readonly<Record<string, NormStats>>;
  /** Regression targets' statistics to apply instead of learning them, likewise. */
  readonly targetScales?: TargetScales;
}

/** Rows left out of one file under `skipBadRows`. */
export interface SkippedRows {
  readonly file: string;
  readonly rows: number;
  /** Why, one entry per kind of problem (the first kinds). */
  readonly problems: readonly ProblemGroup[];
  readonly problemCount: number;
}

export interface TrainingData {
  /** The model as trained: the checked model, with the classes of heads that take them from the data (classes.ts). */
  readonly model: CheckedModel;
  readonly train: Dataset;
  readonly validation?: Dataset;
  readonly sidecar: ModelSidecar;
  readonly normalization: Readonly<Record<string, NormStats>>;
  /** Files read, with the rows they gave and those skipped. */
  readonly files: { readonly train: string; readonly validation?: string };
  readonly skipped: readonly SkippedRows[];
}

function skippedOf(bound: BoundData): SkippedRows[] {
  return bound.skipped === 0
    ? []
    : [{ file: bound.file, rows: bound.skipped, problems: bound.skippedProblems, problemCount: bound.skippedProblemCount }];
}

/** The data of a run: `TrainingData`, or training rows streamed from a pack too big for memory. */
export type RunData = Omit<TrainingData, 'train'> & { readonly train: Dataset | BatchSource };

/**
 * The data of a run that streams the training rows of the pack `file` under a memory cap of
 * `memory` bytes (pack-stream.ts); the validation rows are held in memory.
 */
export function prepareStreamedData(declared: CheckedModel, file: string, memory: number): RunData {
  const model = withPackClasses(declared, file);
  const streamed = openPackStream(model, file, memory);
  return {
    model,
    train: streamed.train,
    ...(streamed.validation !== undefined ? { validation: streamed.validation } : {}),
    sidecar: buildSidecar(model, { normalization: streamed.normalization, columns: streamed.columns, targetScales: streamed.targetScales }),
    normalization: streamed.normalization,
    files: { train: file },
    skipped: [],
  };
}

/**
 * The data of a training run as read, before scaling: the training file's rows (and the validation
 * file's), which of them are held out, and the statistics that scaling will apply. The PyTorch
 * engine writes these raw rows as a pack, with the statistics in its manifest, for its workers.
 */
export interface BoundTrainingData {
  /** The model as trained (classes.ts). */
  readonly model: CheckedModel;
  readonly bound: BoundData;
  /** The validation file's rows, when validation comes from a file. */
  readonly held?: BoundData;
  /** Otherwise, the seeded split of `bound`'s rows into training and held-out rows (each ascending). */
  readonly split?: Split;
  readonly normalization: Readonly<Record<string, NormStats>>;
  readonly targetScales: TargetScales;
}

/** Reads, splits and normalizes the data of a training run; throws `DataErrors` naming file, line and column. */
export async function prepareTrainingData(declared: CheckedModel, sources: TrainingSources): Promise<TrainingData> {
  return scaleTrainingData(await bindTrainingData(declared, sources));
}

/** Reads the data of a training run and learns its statistics from the training rows; scales nothing. */
export async function bindTrainingData(declared: CheckedModel, sources: TrainingSources): Promise<BoundTrainingData> {
  const bind: BindOptions = {
    skipBadRows: sources.skipBadRows === true,
    ...(sources.format !== undefined ? { format: sources.format } : {}),
  };
  const model = await withDataClasses(declared, sources.train, sources.format ?? declared.data.format);
  const bound = await loadDataset(model, sources.train, bind);
  if (typeof sources.validation === 'string') {
    const held = await loadDataset(model, sources.validation, bind);
    return {
      model,
      bound,
      held,
      normalization: sources.normalization ?? fitNormalization(model, bound.dataset),
      targetScales: sources.targetScales ?? fitTargetScales(model, bound.dataset),
    };
  }
  const split = splitRows(bound.dataset.n, sources.validation, model.train.seed);
  return {
    model,
    bound,
    split,
    normalization: sources.normalization ?? fitNormalization(model, bound.dataset, split.train),
    // Normalization leaves the labels alone: these are the statistics of the training rows' targets.
    targetScales: sources.targetScales ?? fitTargetScales(model, bound.dataset, split.train),
  };
}

/** Splits and scales bound data in place (its arrays are reused): normalized inputs, standardized targets. */
export function scaleTrainingData(data: BoundTrainingData): TrainingData {
  const { model, bound, held, normalization, targetScales } = data;
  const skipped = [...skippedOf(bound), ...(held !== undefined ? skippedOf(held) : [])];
  let train: Dataset;
  let validation: Dataset | undefined;
  applyNormalization(bound.dataset, normalization);
  if (held !== undefined) {
    applyNormalization(held.dataset, normalization);
    train = bound.dataset;
    validation = held.dataset;
  } else {
    const split = data.split!; // bindTrainingData splits the rows whenever there is no validation file
    if (split.validation.length > 0) validation = takeRows(bound.dataset, split.validation);
    train = keepRowsInPlace(bound.dataset, split.train);
  }
  const sidecar = buildSidecar(model, { normalization, columns: bound.columns, targetScales });
  return {
    model,
    train: standardizeTargets(train, targetScales),
    ...(validation !== undefined ? { validation: standardizeTargets(validation, targetScales) } : {}),
    sidecar,
    normalization,
    files: { train: bound.file, ...(held !== undefined ? { validation: held.file } : {}) },
    skipped,
  };
}

/**
 * The given rows of a data set (ascending), moved to the front of its own buffers: the training
 * split costs no copy of the data. The original data set must not be used afterwards.
 */
export function keepRowsInPlace(dataset: Dataset, rows: Int32Array): Dataset {
  const m = rows.length;
  if (m === dataset.n) return dataset;
  const compact = <T extends Float32Array | Int32Array | Uint8Array>(values: T): T => {
    const width = dataset.n === 0 ? 0 : values.length / dataset.n;
    for (let k = 0; k < m; k++) {
      const row = rows[k]!;
      // rows ascend, so row >= k: every move goes towards the front, over rows already moved or dropped.
      if (row !== k) values.copyWithin(k * width, row * width, (row + 1) * width);
    }
    return values.subarray(0, m * width) as T;
  };
  const inputs = Object.fromEntries(Object.entries(dataset.inputs).map(([name, values]) => [name, compact(values)]));
  const labels = Object.fromEntries(
    Object.entries(dataset.labels).map(([name, l]) => [name, { values: compact(l.values), mask: compact(l.mask) }]),
  );
  return { n: m, inputs, labels };
}

export interface InferenceOptions {
  readonly format?: DataFormat;
  /** Whether the file must hold every label, may lack some (eval), or has its labels unread (predict). */
  readonly labels: 'required' | 'optional' | 'ignored';
}

/** A label name no column or field can have: the binder finds it absent and reads nothing. */
const UNREAD_LABEL = '\u0000unread';

/**
 * Binds a file to a saved model as its training data was bound: the same columns, the saved
 * normalization statistics. A `from "a".."b"` input that resolves to other columns in this file
 * than in the training file is an error, since the model would read the wrong features.
 */
export async function prepareInferenceData(
  model: CheckedModel,
  sidecar: ModelSidecar,
  file: string,
  options: InferenceOptions,
): Promise<BoundData> {
  const binding =
    options.labels !== 'ignored'
      ? model
      : { ...model, heads: model.heads.map((h) => ({ ...h, task: { ...h.task, label: UNREAD_LABEL } })) };
  const bound = isPack(file)
    ? readPack(model, file, { labels: options.labels !== 'ignored' })
    : await loadDataset(binding, file, {
        requireLabels: options.labels === 'required',
        ...(options.format !== undefined ? { format: options.format } : {}),
      });
  const problems: DataError[] = [];
  for (const input of model.inputs) {
    const trained = sidecar.inputs[input.name]?.columns;
    const here = bound.columns[input.name];
    if (input.columns?.kind !== 'range' || trained === undefined || here === undefined) continue;
    if (trained.length !== here.length || trained.some((c, i) => c !== here[i])) {
      problems.push(
        new DataError(
          bound.file,
          undefined,
          undefined,
          `input "${input.name}" reads ${showList(here)} here, but the model was trained on ${showList(trained)}`,
        ),
      );
    }
  }
  if (problems.length > 0) throw new DataErrors(problems);
  applyNormalization(bound.dataset, sidecarNormalization(sidecar));
  return { ...bound, dataset: standardizeTargets(bound.dataset, sidecarTargetScales(sidecar)) };
}

/** The normalization statistics a saved model carries in its sidecar. */
export function sidecarNormalization(sidecar: ModelSidecar): Record<string, NormStats> {
  const stats: Record<string, NormStats> = {};
  for (const [name, input] of Object.entries(sidecar.inputs)) if (input.normalize !== undefined) stats[name] = input.normalize;
  return stats;
}

/** The regression targets' statistics a saved model carries in its sidecar. */
export function sidecarTargetScales(sidecar: ModelSidecar): TargetScales {
  const scales: Record<string, TargetScale> = {};
  for (const [name, head] of Object.entries(sidecar.heads)) if (head.standardize !== undefined) scales[name] = head.standardize;
  return scales;
}

function showList(names: readonly string[]): string {
  return names.map((n) => JSON.stringify(n)).join(', ');
}
