/**
 * The rows PyTorch workers train and validate on are the TensorFlow.js engine's, to the bit: the
 * same split, inputs normalized and regression targets standardized with the same statistics,
 * whether the run writes a pack of a CSV, reads the user's pack where it is, or validates on its
 * own file. The workers' side is the emitted train.py reading the pack (worker_rows.py).
 */
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { describe, expect, it } from 'vitest';
import {
  bindTrainingData,
  type Dataset,
  prepareTrainingData,
  scaleTrainingData,
  type TrainingData,
  writePack,
  loadDataset,
} from '../../runtime/data/index.js';
import type { CheckedModel } from '../../compiler/index.js';
import { writeWorkerData } from '../../runtime/pytorch/index.js';
import { pairCsv, workspace } from '../cli/model-run.js';
import { PYTHON, torchMissing, writePackage } from './torch.js';

const MODEL = `model Pair {
  input x: float[3] normalize
  trunk shared = x -> dense(8, relu)
  head a = shared -> regress(1)
  head b = shared -> binary()
  train { epochs: 1, batch: 16, validation: 0.25, seed: 11 }
}
`;

/** pairCsv's rows with some labels missing, and x scaled off the unit range so normalization shows. */
function dataCsv(rows: number, seed: number): string {
  return pairCsv(rows + seed)
    .split('\n')
    .slice(seed)
    .map((line, k) => {
      if (k === 0 || line === '') return k === 0 && seed > 0 ? 'x_0,x_1,x_2,a,b' : line;
      const cells = line.split(',');
      cells[0] = String(Number(cells[0]) * 40 + 3);
      if (k % 5 === 0) cells[3] = '';
      if (k % 7 === 2) cells[4] = '';
      return cells.join(',');
    })
    .join('\n');
}

type Arrays = Record<string, number[]>;

function datasetArrays(data: Dataset): Arrays {
  const out: Arrays = {};
  for (const [name, values] of Object.entries(data.inputs)) out[`input/${name}`] = Array.from(values);
  for (const [name, label] of Object.entries(data.labels)) {
    out[`label/${name}`] = Array.from(label.values);
    out[`mask/${name}`] = Array.from(label.mask);
  }
  return out;
}

/** The rows train.py's workers read with `args` (worker_rows.py) are the TensorFlow.js engine's, to the bit. */
function expectWorkersRead(dir: string, args: string[], tfjs: TrainingData): void {
  const run = spawnSync(PYTHON, [path.join(__dirname, 'worker_rows.py'), dir, ...args], { encoding: 'utf8', maxBuffer: 1 << 26 });
  expect(run.stderr).toBe('');
  const workers = JSON.parse(run.stdout) as { train: Arrays; validation: Arrays | null };
  expect(workers.train).toEqual(datasetArrays(tfjs.train));
  expect(workers.validation).toEqual(datasetArrays(tfjs.validation!));
}

async function setUp(): Promise<{ dir: string; model: CheckedModel }> {
  const dir = workspace();
  fs.writeFileSync(path.join(dir, 'pair.csv'), dataCsv(200, 0));
  fs.writeFileSync(path.join(dir, 'held.csv'), dataCsv(60, 300));
  return { dir, model: await writePackage(dir, 'pair.mtl', MODEL) };
}

const missing = torchMissing();

describe.skipIf(missing !== undefined)('the rows PyTorch workers read', () => {
  it('are the TensorFlow.js engine rows of a CSV: a pack of it and the held-out rows of the seeded split', async () => {
    const { dir, model } = await setUp();
    const sources = { train: path.join(dir, 'pair.csv'), validation: 0.25 };
    const handed = await writeWorkerData(await bindTrainingData(model, sources), dir);
    expect(handed).toEqual({ pack: path.join(dir, 'data.mtlpack'), validationRows: path.join(dir, 'validation-rows.json') });
    const tfjs = await prepareTrainingData(model, sources);
    expectWorkersRead(dir, ['--data', handed.pack, '--validation-rows', handed.validationRows!], tfjs);
    // Normalization and standardization did something: the raw first column reaches 40.
    expect(Math.max(...Array.from(tfjs.train.inputs['x']!, Math.abs))).toBeLessThan(5);
  });

  it("are the user's pack's rows, read where it lies, when its statistics are the run's", async () => {
    const { dir, model } = await setUp();
    const pack = path.join(dir, 'pair.mtlpack');
    await writePack(model, await loadDataset(model, path.join(dir, 'pair.csv')), path.join(dir, 'pair.csv'), pack);
    const sources = { train: pack, validation: 0.25 };
    const bound = await bindTrainingData(model, sources);
    const handed = await writeWorkerData(bound, dir);
    expect(handed.pack).toBe(pack);
    expect(fs.existsSync(path.join(dir, 'data.mtlpack'))).toBe(false);
    const tfjs = scaleTrainingData(bound);
    expectWorkersRead(dir, ['--data', handed.pack, '--validation-rows', handed.validationRows!], tfjs);
  });

  it('are a validation file as a second pack, scaled with the training rows statistics', async () => {
    const { dir, model } = await setUp();
    const sources = { train: path.join(dir, 'pair.csv'), validation: path.join(dir, 'held.csv') };
    const handed = await writeWorkerData(await bindTrainingData(model, sources), dir);
    expect(handed).toEqual({ pack: path.join(dir, 'data.mtlpack'), validationPack: path.join(dir, 'validation.mtlpack') });
    const tfjs = await prepareTrainingData(model, sources);
    expectWorkersRead(dir, ['--data', handed.pack, '--validation-data', handed.validationPack!], tfjs);
  });
});
