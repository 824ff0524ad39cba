/**
 * A model directory: what `mtlc build` and `mtlc train` write and `mtlc eval`/`predict` read.
 *
 *     model.json, weights.bin   the TensorFlow.js LayersModel (loads with tf.loadLayersModel)
 *     mtl.json                  the data sidecar: columns, normalization statistics, class names (io.ts)
 *     checked.json              the checked model it was built from, so the data binds the same way
 *     history.json              every epoch: loss, loss per task, λ per head, validation metrics
 *     checkpoint/               the state at the end of the last complete epoch, for --resume:
 *                               the same files plus optimizer.bin and state.json (and, for a
 *                               PyTorch run, checkpoint.pt: the torch state train.py resumes from)
 *
 * The checkpoint is replaced as a whole: it is written into `.checkpoint.next/` and renamed into
 * place, the previous one kept as `.checkpoint.prev/` for the instant between the two renames, so
 * a run killed at any moment leaves one complete checkpoint behind.
 */
import { existsSync } from 'node:fs';
import { mkdir, readdir, rename, rm } from 'node:fs/promises';
import path from 'node:path';
import * as tf from '@tensorflow/tfjs';
import type { CheckedModel } from '../../compiler/index.js';
import { fileSystemHandler, MODEL_JSON, type ModelSidecar, readSidecar, SIDECAR_JSON, WEIGHTS_BIN, writeSidecar } from './io.js';
import { withoutOrthogonalWarning } from './lower.js';
import { MAX_JSON_BYTES, ModelDirError, readContained } from './contained.js';
import { array, integer, object, optional, SchemaError, string } from './schema.js';
import { writeFileAtomic } from '../files/index.js';

export { ModelDirError };

const CHECKED_JSON = 'checked.json';
const HISTORY_JSON = 'history.json';
const CHECKPOINT_DIR = 'checkpoint';
const OPTIMIZER_BIN = 'optimizer.bin';
const STATE_JSON = 'state.json';
const NEXT_CHECKPOINT = '.checkpoint.next';
const PREVIOUS_CHECKPOINT = '.checkpoint.prev';
/** Where the final model is written before it is renamed into place. */
const NEXT_MODEL = '.model.next';

/** `checked.json`: the checked model and the source file it came from. */
export interface CheckedFile {
  readonly format: 'mtl-checked-model';
  readonly version: 1;
  /** The .mtl file as the user named it. */
  readonly source: string;
  readonly model: CheckedModel;
}

/** One epoch of `history.json`. */
export interface EpochRecord {
  /** 1-based. */
  readonly epoch: number;
  /** Σ λ_i · taskLoss_i over the epoch. */
  readonly loss: number;
  /** Mean training loss per head over the epoch's labelled rows. */
  readonly taskLoss: Record<string, number>;
  readonly lambda: Record<string, number>;
  readonly val?: {
    readonly loss: number;
    readonly taskLoss: Record<string, number>;
    readonly metrics: Record<string, Record<string, number>>;
  };
  /** True for an epoch cut short by `shouldStop`. */
  readonly partial?: boolean;
}

/** `history.json`: the record of a training run. */
export interface RunHistory {
  readonly format: 'mtl-history';
  readonly version: 1;
  readonly model: string;
  readonly backend: string;
  /** The data files trained and validated on (absolute paths). */
  readonly data: { readonly train: string; readonly validation?: string };
  readonly epochs: readonly EpochRecord[];
  readonly bestEpoch?: number;
  readonly stopped?: 'early' | 'interrupted';
}

/** Everything a model directory holds besides the weights. */
export interface ModelParts {
  readonly checked: CheckedModel;
  readonly source: string;
  readonly sidecar: ModelSidecar;
  readonly history?: RunHistory;
}

export interface LoadedModel extends ModelParts {
  readonly model: tf.LayersModel;
  readonly dir: string;
}

/**
 * Writes a model directory (creating it) so that a process killed at any instant leaves a model
 * that loads: every file is written and flushed into a side directory first, then the old
 * `model.json` goes (for that instant the directory reads as its checkpoint), the other files are
 * renamed in, and the new `model.json` comes last. A `model.json` is never beside another model's files.
 */
export async function saveModelDir(dir: string, model: tf.LayersModel, parts: ModelParts): Promise<void> {
  const next = path.join(dir, NEXT_MODEL);
  await rm(next, { recursive: true, force: true });
  await writeModelFiles(next, model, parts);
  await rm(path.join(dir, MODEL_JSON), { force: true });
  for (const file of await readdir(next)) if (file !== MODEL_JSON) await rename(path.join(next, file), path.join(dir, file));
  await rename(path.join(next, MODEL_JSON), path.join(dir, MODEL_JSON));
  await rm(next, { recursive: true, force: true });
}

/** The files of a model directory, each written atomically, into `dir` (created). */
async function writeModelFiles(dir: string, model: tf.LayersModel, parts: ModelParts): Promise<void> {
  await mkdir(dir, { recursive: true });
  await model.save(fileSystemHandler(dir));
  await writeSidecar(dir, parts.sidecar);
  const checked: CheckedFile = { format: 'mtl-checked-model', version: 1, source: parts.source, model: parts.checked };
  await writeFileAtomic(path.join(dir, CHECKED_JSON), `${JSON.stringify(checked)}\n`);
  if (parts.history !== undefined) await writeHistory(dir, parts.history);
}

async function writeHistory(dir: string, history: RunHistory): Promise<void> {
  await writeFileAtomic(path.join(dir, HISTORY_JSON), `${JSON.stringify(history, null, 2)}\n`);
}

/**
 * The training history in `dir` (a model directory or its checkpoint); undefined when there is none
 * or it cannot be read. For decisions before a run: did it stop early, which files did it read.
 */
export function readRunHistory(dir: string): Promise<RunHistory | undefined> {
  return readJson<RunHistory>(path.join(dir, HISTORY_JSON), 'mtl-history', 'the training history').catch(() => undefined);
}

/** Reads a model directory written by `saveModelDir`; errors name the file and what is wrong. */
export async function loadModelDir(dir: string): Promise<LoadedModel> {
  const checkedFile = await readJson<CheckedFile>(path.join(dir, CHECKED_JSON), 'mtl-checked-model', 'the checked model', validateChecked);
  const sidecar = await readSidecar(dir).catch((error: unknown) => {
    throw asModelDirError(error, path.join(dir, SIDECAR_JSON));
  });
  const historyPath = path.join(dir, HISTORY_JSON);
  const history = existsSync(historyPath) ? await readJson<RunHistory>(historyPath, 'mtl-history', 'the training history') : undefined;
  checkNormalization(path.join(dir, SIDECAR_JSON), checkedFile.model, sidecar, history !== undefined);
  const model = await withoutOrthogonalWarning(() => tf.loadLayersModel(fileSystemHandler(dir))).catch((error: unknown) => {
    throw asModelDirError(error, path.join(dir, MODEL_JSON));
  });
  return { model, dir, checked: checkedFile.model, source: checkedFile.source, sidecar, ...(history !== undefined ? { history } : {}) };
}

/**
 * The model in `dir` for eval and predict: its final model, else, for a run that never got to
 * save one (killed), the model of its checkpoint, with the epoch it holds.
 */
export async function openModelDir(dir: string): Promise<LoadedModel & { readonly checkpointEpoch?: number }> {
  if (!existsSync(dir)) throw new ModelDirError(dir, 'no such directory');
  if (existsSync(path.join(dir, MODEL_JSON))) return loadModelDir(dir);
  const at = checkpointDir(dir);
  if (at === undefined)
    throw new ModelDirError(dir, `not a model directory (it has no ${MODEL_JSON}); mtlc train and mtlc build write one`);
  const state = await readState(at);
  return { ...(await loadModelDir(at)), checkpointEpoch: state.epoch };
}

async function readJson<T extends { format: string; version: number }>(
  file: string,
  format: T['format'],
  what: string,
  validate: (value: Record<string, unknown>) => void = () => {},
): Promise<T> {
  let parsed: unknown;
  try {
    parsed = JSON.parse((await readContained(path.dirname(file), path.basename(file), MAX_JSON_BYTES)).toString('utf8'));
  } catch (error) {
    if (error instanceof ModelDirError) throw error;
    throw new ModelDirError(file, `cannot read ${what}: ${(error as Error).message}`);
  }
  const value = parsed as Partial<T> | null;
  if (value === null || typeof value !== 'object' || value.format !== format || value.version !== 1) {
    throw new ModelDirError(file, `not ${what} of mtl (expected "format": "${format}", "version": 1)`);
  }
  try {
    validate(value as Record<string, unknown>);
  } catch (error) {
    if (error instanceof SchemaError) throw new ModelDirError(file, `not valid as ${what}: ${error.message}`);
    throw error;
  }
  return value as T;
}

/** `checked.json`: the parts of the checked model that binding data and lowering read first. */
function validateChecked(value: Record<string, unknown>): void {
  string(value['source'], 'source');
  const model = object(value['model'], 'model');
  string(model['name'], 'model.name');
  for (const key of ['inputs', 'trunks', 'gates', 'heads']) array(model[key], `model.${key}`);
  object(model['train'], 'model.train');
}

function weightEntries(value: unknown, field: string): void {
  array(value, field).forEach((entry, i) => {
    const e = object(entry, `${field}[${i}]`);
    string(e['name'], `${field}[${i}].name`);
    string(e['dtype'], `${field}[${i}].dtype`);
    array(e['shape'], `${field}[${i}].shape`).forEach((d, j) => integer(d, `${field}[${i}].shape[${j}]`));
  });
}

/** `checkpoint/state.json`. */
function validateState(value: Record<string, unknown>): void {
  integer(value['epoch'], 'epoch', 1);
  const optimizer = object(value['optimizer'], 'optimizer');
  string(optimizer['className'], 'optimizer.className');
  weightEntries(optimizer['weights'], 'optimizer.weights');
  weightEntries(optimizer['runningProducts'], 'optimizer.runningProducts');
  weightEntries(value['strategy'], 'strategy');
  const kept = optional(value['kept'], 'kept', object);
  if (kept !== undefined) {
    integer(kept['epoch'], 'kept.epoch', 1);
    weightEntries(kept['weights'], 'kept.weights');
  }
}

/**
 * Every input the checked model normalizes has statistics in mtl.json, one mean and variance per
 * feature (its last axis), as `fitNormalization` (data/normalize.ts) writes them; an untrained
 * model (`mtlc build`, no history) has none yet.
 */
function checkNormalization(file: string, checked: CheckedModel, sidecar: ModelSidecar, trained: boolean): void {
  for (const input of checked.inputs) {
    if (!input.normalize || input.dtype !== 'float' || input.category !== undefined) continue;
    const features = input.shape.length === 0 ? 1 : input.shape[input.shape.length - 1]!;
    const stats = sidecar.inputs[input.name]?.normalize;
    const field = `inputs.${input.name}.normalize`;
    if (stats === undefined) {
      if (!trained) continue;
      throw new ModelDirError(file, `${field} is missing, but input "${input.name}" is normalized`);
    }
    if (stats.mean.length !== features) {
      throw new ModelDirError(file, `${field} has ${stats.mean.length} features, but input "${input.name}" has ${features}`);
    }
  }
}

/** An error from reading `file` as a `ModelDirError`, its message without the file's name twice. */
function asModelDirError(error: unknown, file: string): ModelDirError {
  if (error instanceof ModelDirError) return error;
  const message = error instanceof Error ? error.message : String(error);
  return new ModelDirError(file, message.startsWith(`${file}: `) ? message.slice(file.length + 2) : message);
}

/** Whether `dir` holds a model, a checkpoint or any file of a model directory that writing there would replace. */
export function holdsModel(dir: string): boolean {
  return (
    [MODEL_JSON, WEIGHTS_BIN, SIDECAR_JSON, CHECKED_JSON, HISTORY_JSON].some((f) => existsSync(path.join(dir, f))) ||
    checkpointDir(dir) !== undefined
  );
}

/** Whether `dir` holds a trained model (with its history), as opposed to an untrained `mtlc build`. */
export function holdsTrainedModel(dir: string): boolean {
  return existsSync(path.join(dir, HISTORY_JSON)) || checkpointDir(dir) !== undefined;
}

// ---- checkpoints ----

/** `checkpoint/state.json`: where training stood. */
export interface CheckpointState {
  readonly format: 'mtl-checkpoint';
  readonly version: 1;
  /** Epochs completed. */
  readonly epoch: number;
  /**
   * In `optimizer.bin`, in this order: the optimizer's slots as `getWeights` gives them, its
   * running products (see train/checkpoint.ts), the weighting strategy's variables.
   */
  readonly optimizer: {
    readonly className: string;
    readonly weights: readonly tf.io.WeightsManifestEntry[];
    readonly runningProducts: readonly tf.io.WeightsManifestEntry[];
  };
  readonly strategy: readonly tf.io.WeightsManifestEntry[];
  /**
   * For runs that keep their best epoch (early stopping, `train { select }`): that epoch so far
   * and its weights, in `optimizer.bin` after the strategy's variables. Absent in older checkpoints.
   */
  readonly kept?: { readonly epoch: number; readonly weights: readonly tf.io.WeightsManifestEntry[] };
  /** What the weighting strategy keeps besides its variables (GradNorm's first losses), as it gave it. */
  readonly strategyState?: unknown;
  /**
   * `pytorch` for a run of the PyTorch engine: its training state (model, optimizer, weighting)
   * is `checkpoint.pt` beside this file, and `optimizer.bin` is empty.
   */
  readonly engine?: 'pytorch';
}

/** A PyTorch run's torch checkpoint, in its `checkpoint/` (PYTORCH_CHECKPOINT in the same directory as state.json). */
export const PYTORCH_CHECKPOINT = 'checkpoint.pt';

/** The directory of the complete checkpoint in `dir`, if there is one. */
export function checkpointDir(dir: string): string | undefined {
  for (const name of [CHECKPOINT_DIR, PREVIOUS_CHECKPOINT]) {
    const candidate = path.join(dir, name);
    if (existsSync(path.join(candidate, STATE_JSON))) return candidate;
  }
  return undefined;
}

/**
 * Writes a checkpoint: the model directory of `model` with `parts`, `optimizer.bin` and
 * `state.json`, and the files of `moved` (name → where it is now, renamed in), into a side
 * directory that then replaces the previous checkpoint as a whole.
 */
export async function writeCheckpointDir(
  dir: string,
  model: tf.LayersModel,
  parts: ModelParts & { readonly history: RunHistory },
  state: CheckpointState,
  optimizerBin: Uint8Array,
  moved: Readonly<Record<string, string>> = {},
): Promise<void> {
  const next = path.join(dir, NEXT_CHECKPOINT);
  await rm(next, { recursive: true, force: true });
  await writeModelFiles(next, model, parts);
  for (const [name, from] of Object.entries(moved)) await rename(from, path.join(next, name));
  await writeFileAtomic(path.join(next, OPTIMIZER_BIN), optimizerBin);
  await writeFileAtomic(path.join(next, STATE_JSON), `${JSON.stringify(state, null, 2)}\n`);
  const current = path.join(dir, CHECKPOINT_DIR);
  const previous = path.join(dir, PREVIOUS_CHECKPOINT);
  await rm(previous, { recursive: true, force: true });
  if (existsSync(current)) await rename(current, previous);
  await rename(next, current);
  await rm(previous, { recursive: true, force: true });
}

function readState(checkpoint: string): Promise<CheckpointState> {
  return readJson<CheckpointState>(path.join(checkpoint, STATE_JSON), 'mtl-checkpoint', 'the checkpoint state', validateState);
}

/** The state of the checkpoint in `dir` (epochs done…) without loading its model; undefined when there is none. */
export async function readCheckpointState(dir: string): Promise<CheckpointState | undefined> {
  const at = checkpointDir(dir);
  return at === undefined ? undefined : readState(at);
}

/** The checkpoint in `dir` as written by `writeCheckpointDir`; undefined when there is none. */
export async function readCheckpointDir(
  dir: string,
): Promise<{ loaded: LoadedModel; state: CheckpointState; optimizerBin: ArrayBuffer } | undefined> {
  const at = checkpointDir(dir);
  if (at === undefined) return undefined;
  const state = await readState(at);
  const loaded = await loadModelDir(at);
  const entries = [...state.optimizer.weights, ...state.optimizer.runningProducts, ...state.strategy, ...(state.kept?.weights ?? [])];
  const expected = entries.reduce((sum, e) => sum + e.shape.reduce((a, b) => a * b, 1) * 4, 0);
  const bytes = await readContained(at, OPTIMIZER_BIN, expected);
  if (bytes.byteLength !== expected) {
    throw new ModelDirError(path.join(at, OPTIMIZER_BIN), `is ${bytes.byteLength} bytes, but state.json says it holds ${expected}`);
  }
  return { loaded, state, optimizerBin: bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength) as ArrayBuffer };
}

/** Removes what `saveModelDir` and `writeCheckpointDir` write in `dir`, and nothing else it holds. */
export async function clearModelDir(dir: string): Promise<void> {
  for (const file of [MODEL_JSON, WEIGHTS_BIN, SIDECAR_JSON, CHECKED_JSON, HISTORY_JSON]) await rm(path.join(dir, file), { force: true });
  for (const sub of [CHECKPOINT_DIR, NEXT_CHECKPOINT, PREVIOUS_CHECKPOINT, NEXT_MODEL]) {
    await rm(path.join(dir, sub), { recursive: true, force: true });
  }
}
