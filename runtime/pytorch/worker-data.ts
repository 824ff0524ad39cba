/**
 * What a PyTorch run's workers read (docs/scale.md): the training file's rows as a pack
 * (docs/data.md), raw, with the run's statistics in its manifest, which `train.py` applies to every
 * batch as the TensorFlow.js engine applies them; and the validation rows, either as a list of the
 * pack's rows the seeded split holds out (`validation-rows.json`) or as a second pack (a validation
 * file). A pack given as the data is read where it is when its manifest's statistics are the run's.
 */
import { rm, writeFile } from 'node:fs/promises';
import * as path from 'node:path';
import { type BoundTrainingData, type PackStatistics, readPackManifest, writePack } from '../data/index.js';

/** The arguments of `train.py` that name its data. */
export interface WorkerData {
  /** The pack of the training file's rows. */
  readonly pack: string;
  /** A JSON list of the pack's rows held out for validation. */
  readonly validationRows?: string;
  /** A pack of validation rows from their own file, scaled with the training pack's statistics. */
  readonly validationPack?: string;
}

const TRAIN_PACK = 'data.mtlpack';
const VALIDATION_PACK = 'validation.mtlpack';
const VALIDATION_ROWS = 'validation-rows.json';

/** Writes (into `dir`) what the workers need of `data` besides a pack it was read from. */
export async function writeWorkerData(data: BoundTrainingData, dir: string): Promise<WorkerData> {
  const { model, bound, held } = data;
  const statistics: PackStatistics = {
    normalization: data.normalization,
    targetScales: data.targetScales,
    split: { validation: held !== undefined ? held.file : model.train.validation, seed: model.train.seed },
  };
  for (const file of [TRAIN_PACK, VALIDATION_PACK, VALIDATION_ROWS]) await rm(path.join(dir, file), { force: true });
  let pack = bound.file;
  if (!usablePack(bound.format, bound.file, statistics)) {
    pack = path.join(dir, TRAIN_PACK);
    await writePack(model, bound, bound.file, pack, statistics);
  }
  if (held !== undefined) {
    if (held.format === 'pack') return { pack, validationPack: held.file };
    const validationPack = path.join(dir, VALIDATION_PACK);
    await writePack(model, held, held.file, validationPack, statistics);
    return { pack, validationPack };
  }
  const heldOut = data.split?.validation;
  if (heldOut === undefined || heldOut.length === 0) return { pack };
  const validationRows = path.join(dir, VALIDATION_ROWS);
  await writeFile(validationRows, `${JSON.stringify(Array.from(heldOut))}\n`);
  return { pack, validationRows };
}

/** Whether the pack the run read holds the statistics the run scales with (the same split, a fresh run). */
function usablePack(format: string, file: string, statistics: PackStatistics): boolean {
  if (format !== 'pack') return false;
  const manifest = readPackManifest(file);
  return (
    JSON.stringify(manifest.normalization) === JSON.stringify(statistics.normalization) &&
    JSON.stringify(manifest.targetScales) === JSON.stringify(statistics.targetScales)
  );
}
