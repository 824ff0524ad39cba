/**
 * Saving and loading models on the local file system without tfjs-node: a `file://` IOHandler
 * that writes the same layout tfjs-node does (`model.json` + `weights.bin`), and the `mtl.json`
 * sidecar that carries what the data pipeline learned (normalization, class names, label columns).
 * Every file is written atomically, so a crash never leaves a half-written model behind.
 */
import { mkdir, stat } from 'node:fs/promises';
import path from 'node:path';
import * as tf from '@tensorflow/tfjs';
import type { CheckedModel } from '../../compiler/index.js';
import { writeFileAtomic } from '../files/index.js';
import { MAX_JSON_BYTES, ModelDirError, readContained } from './contained.js';
import { array, finite, object, optional, SchemaError, string, strings } from './schema.js';

export const FILE_SCHEME = 'file://';
export const MODEL_JSON = 'model.json';
export const WEIGHTS_BIN = 'weights.bin';
export const SIDECAR_JSON = 'mtl.json';

/** `file://dir`, `file://dir/model.json`, `dir` or `dir/model.json` → the model's directory. */
export function modelDirOf(location: string): string {
  const p = location.startsWith(FILE_SCHEME) ? location.slice(FILE_SCHEME.length) : location;
  return p.endsWith('.json') ? path.dirname(p) : p;
}

/** Where the handler reads or writes model.json: a `.json` path as given, else `<dir>/model.json`. */
function modelJsonPathOf(p: string): string {
  return p.endsWith('.json') ? p : path.join(p, MODEL_JSON);
}

function toArrayBuffer(bytes: Uint8Array): ArrayBuffer {
  return bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength) as ArrayBuffer;
}

/**
 * An IOHandler for one path on disk. `save` creates the directory if needed and writes
 * `weights.bin` before `model.json`, so a `model.json` on disk always has its weights.
 */
export function fileSystemHandler(location: string): tf.io.IOHandler {
  const p = location.startsWith(FILE_SCHEME) ? location.slice(FILE_SCHEME.length) : location;
  return {
    async save(artifacts: tf.io.ModelArtifacts): Promise<tf.io.SaveResult> {
      if (artifacts.modelTopology instanceof ArrayBuffer) {
        throw new Error('saving a model topology in binary form is not supported');
      }
      const jsonPath = modelJsonPathOf(p);
      const dir = path.dirname(jsonPath);
      await mkdir(dir, { recursive: true });
      const weights = artifacts.weightData === undefined ? new ArrayBuffer(0) : tf.io.CompositeArrayBuffer.join(artifacts.weightData);
      const modelJson: tf.io.ModelJSON = {
        modelTopology: artifacts.modelTopology ?? {},
        format: artifacts.format,
        generatedBy: artifacts.generatedBy,
        convertedBy: artifacts.convertedBy,
        weightsManifest: [{ paths: [WEIGHTS_BIN], weights: artifacts.weightSpecs ?? [] }],
      };
      if (artifacts.trainingConfig !== undefined) modelJson.trainingConfig = artifacts.trainingConfig;
      if (artifacts.signature !== undefined) modelJson.signature = artifacts.signature;
      if (artifacts.userDefinedMetadata !== undefined) modelJson.userDefinedMetadata = artifacts.userDefinedMetadata;
      if (artifacts.modelInitializer !== undefined) modelJson.modelInitializer = artifacts.modelInitializer;
      if (artifacts.initializerSignature !== undefined) modelJson.initializerSignature = artifacts.initializerSignature;
      await writeFileAtomic(path.join(dir, WEIGHTS_BIN), new Uint8Array(weights));
      await writeFileAtomic(jsonPath, JSON.stringify(modelJson));
      return { modelArtifactsInfo: tf.io.getModelArtifactsInfoForJSON({ ...artifacts, weightData: weights }) };
    },

    async load(): Promise<tf.io.ModelArtifacts> {
      const jsonPath = (await isDirectory(p)) ? path.join(p, MODEL_JSON) : p;
      const dir = path.dirname(jsonPath);
      let modelJson: tf.io.ModelJSON;
      try {
        modelJson = JSON.parse((await readContained(dir, path.basename(jsonPath), MAX_JSON_BYTES)).toString('utf8')) as tf.io.ModelJSON;
      } catch (error) {
        if (error instanceof ModelDirError) throw error;
        throw new Error(`${jsonPath}: cannot read the model: ${(error as Error).message}`);
      }
      if (modelJson === null || modelJson.modelTopology === undefined || !Array.isArray(modelJson.weightsManifest)) {
        throw new Error(`${jsonPath}: not a TensorFlow.js model (modelTopology or weightsManifest is missing)`);
      }
      return tf.io.getModelArtifactsForJSON(modelJson, async (manifest) => {
        const specs: tf.io.WeightsManifestEntry[] = [];
        const buffers: ArrayBuffer[] = [];
        for (const group of manifest) {
          specs.push(...group.weights);
          // The files hold exactly the bytes the manifest's weights take: never more is read.
          let remaining = group.weights.reduce((sum, w) => sum + weightBytes(jsonPath, w), 0);
          for (const file of group.paths) {
            const bytes = await readContained(dir, file, remaining);
            remaining -= bytes.byteLength;
            buffers.push(toArrayBuffer(bytes));
          }
          if (remaining !== 0) throw new ModelDirError(jsonPath, `its weights files hold ${remaining} bytes less than its weights take`);
        }
        return [specs, tf.io.CompositeArrayBuffer.join(buffers)];
      });
    },
  };
}

/** Bytes per value of the dtypes a weights file may hold (quantized or not). */
const DTYPE_BYTES: Readonly<Record<string, number>> = { float32: 4, int32: 4, bool: 1, complex64: 8, uint8: 1, uint16: 2, float16: 2 };

/** The bytes one manifest entry takes in its weights file; a malformed entry is refused. */
function weightBytes(jsonPath: string, entry: tf.io.WeightsManifestEntry): number {
  const dtype = entry.quantization?.dtype ?? entry.dtype;
  const size = DTYPE_BYTES[dtype];
  const shape: unknown = entry.shape;
  if (size === undefined || !Array.isArray(shape) || !shape.every((d) => Number.isSafeInteger(d) && d >= 0)) {
    throw new ModelDirError(jsonPath, `the weight ${JSON.stringify(entry.name)} has no valid shape and dtype`);
  }
  return shape.reduce((a: number, b: number) => a * b, 1) * size;
}

async function isDirectory(p: string): Promise<boolean> {
  try {
    return (await stat(p)).isDirectory();
  } catch {
    return false;
  }
}

type IORouter = Parameters<typeof tf.io.registerSaveRouter>[0];

let routerRegistered = false;

/**
 * Lets `model.save('file://…')` and `tf.loadLayersModel('file://…')` work with plain tfjs. Does
 * nothing when some router already answers `file://` (tfjs-node registers its own). Returns
 * whether this call registered ours.
 */
export function registerFileSystemRouter(): boolean {
  if (routerRegistered) return false;
  const probe = `${FILE_SCHEME}probe`;
  if (tf.io.getSaveHandlers(probe).length > 0 || tf.io.getLoadHandlers(probe).length > 0) return false;
  // tfjs's routers answer null for URLs they do not handle, although its IORouter type omits null.
  const router = ((url: string | string[]): tf.io.IOHandler | null =>
    typeof url === 'string' && url.startsWith(FILE_SCHEME) ? fileSystemHandler(url) : null) as IORouter;
  tf.io.registerSaveRouter(router);
  tf.io.registerLoadRouter(router);
  routerRegistered = true;
  return true;
}

/** What one input's data binding learned; enough to feed new data the same way. */
export interface InputSidecar {
  /** CSV columns read, in order (after resolving `from "a".."b"` against the training header). */
  readonly columns?: readonly string[];
  /** Per-feature statistics (features = last axis) when the input is declared `normalize`. */
  readonly normalize?: { readonly mean: readonly number[]; readonly variance: readonly number[] };
  /** Names of a `category[...]` input, in id order. */
  readonly categories?: readonly string[];
}

export interface HeadSidecar {
  /** The data column or field holding this head's label. */
  readonly label: string;
  readonly task: string;
  /** Class names in output order, when the head declares `classes` or took them from the training data. */
  readonly classes?: readonly string[];
  /**
   * A regress head trained on standardized targets: the mean and standard deviation per output
   * of its training targets. The model's outputs are in those units; `output * std + mean` is the
   * prediction in the data's units.
   */
  readonly standardize?: { readonly mean: readonly number[]; readonly std: readonly number[] };
}

/** The contents of `mtl.json`, saved next to `model.json`. */
export interface ModelSidecar {
  readonly format: 'mtl-sidecar';
  readonly version: 1;
  readonly model: string;
  readonly inputs: Readonly<Record<string, InputSidecar>>;
  readonly heads: Readonly<Record<string, HeadSidecar>>;
}

/** Builds the sidecar from the checked model plus what was learned from the training data. */
export function buildSidecar(
  model: CheckedModel,
  learned: {
    readonly normalization?: Readonly<Record<string, { readonly mean: readonly number[]; readonly variance: readonly number[] }>>;
    readonly columns?: Readonly<Record<string, readonly string[]>>;
    readonly targetScales?: Readonly<Record<string, { readonly mean: readonly number[]; readonly std: readonly number[] }>>;
  } = {},
): ModelSidecar {
  const inputs: Record<string, InputSidecar> = {};
  for (const input of model.inputs) {
    const stats = learned.normalization?.[input.name];
    inputs[input.name] = {
      ...(learned.columns?.[input.name] !== undefined ? { columns: [...learned.columns[input.name]!] } : {}),
      ...(stats !== undefined ? { normalize: { mean: [...stats.mean], variance: [...stats.variance] } } : {}),
      ...(input.category?.names !== undefined ? { categories: [...input.category.names] } : {}),
    };
  }
  const heads: Record<string, HeadSidecar> = {};
  for (const head of model.heads) {
    const scale = learned.targetScales?.[head.name];
    heads[head.name] = {
      label: head.task.label,
      task: head.task.kind,
      ...(head.task.classes !== undefined ? { classes: [...head.task.classes] } : {}),
      ...(scale !== undefined ? { standardize: { mean: [...scale.mean], std: [...scale.std] } } : {}),
    };
  }
  return { format: 'mtl-sidecar', version: 1, model: model.name, inputs, heads };
}

/** Writes `mtl.json` into the model's directory (`location` as for `modelDirOf`). */
export async function writeSidecar(location: string, sidecar: ModelSidecar): Promise<void> {
  const dir = modelDirOf(location);
  await mkdir(dir, { recursive: true });
  await writeFileAtomic(path.join(dir, SIDECAR_JSON), `${JSON.stringify(sidecar, null, 2)}\n`);
}

/** Reads `mtl.json` from the model's directory; throws naming the file, and the field, when it is absent or malformed. */
export async function readSidecar(location: string): Promise<ModelSidecar> {
  const dir = modelDirOf(location);
  const file = path.join(dir, SIDECAR_JSON);
  let parsed: unknown;
  try {
    parsed = JSON.parse((await readContained(dir, SIDECAR_JSON, MAX_JSON_BYTES)).toString('utf8'));
  } catch (error) {
    if (error instanceof ModelDirError) throw error;
    throw new ModelDirError(file, `cannot read the model's data sidecar: ${(error as Error).message}`);
  }
  try {
    return validateSidecar(parsed);
  } catch (error) {
    if (error instanceof SchemaError) throw new ModelDirError(file, `not a valid mtl sidecar: ${error.message}`);
    throw error;
  }
}

function validateSidecar(parsed: unknown): ModelSidecar {
  const s = object(parsed, 'the file');
  if (s['format'] !== 'mtl-sidecar' || s['version'] !== 1)
    throw new SchemaError('format', 'expected "format": "mtl-sidecar", "version": 1');
  string(s['model'], 'model');
  for (const [name, value] of Object.entries(object(s['inputs'], 'inputs'))) {
    const input = object(value, `inputs.${name}`);
    optional(input['columns'], `inputs.${name}.columns`, strings);
    optional(input['categories'], `inputs.${name}.categories`, strings);
    const normalize = optional(input['normalize'], `inputs.${name}.normalize`, object);
    if (normalize !== undefined) {
      const at = `inputs.${name}.normalize`;
      const mean = array(normalize['mean'], `${at}.mean`).map((v, i) => finite(v, `${at}.mean[${i}]`));
      const variance = array(normalize['variance'], `${at}.variance`).map((v, i) => finite(v, `${at}.variance[${i}]`, 0));
      if (mean.length !== variance.length) {
        throw new SchemaError(at, `has ${mean.length} means but ${variance.length} variances`);
      }
    }
  }
  for (const [name, value] of Object.entries(object(s['heads'], 'heads'))) {
    const head = object(value, `heads.${name}`);
    string(head['label'], `heads.${name}.label`);
    string(head['task'], `heads.${name}.task`);
    optional(head['classes'], `heads.${name}.classes`, strings);
  }
  return s as unknown as ModelSidecar;
}
