import * as fs from 'node:fs';
import * as path from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { compile } from '../../compiler/compile.js';
import type { CheckedModel } from '../../compiler/ir.js';
import { setupBackend } from '../../runtime/backend/index.js';
import { prepareInferenceData, prepareTrainingData } from '../../runtime/data/prepare.js';
import { runTraining } from '../../runtime/train/run.js';
import { predict } from '../../runtime/train/evaluate.js';
import { jsonLines, mtlc, PENGUIN_CLASSES, workspace, type PenguinPrediction } from './model-run.js';

let dir: string;
let csv: string;
/** The trained model's outputs, computed in memory before it was saved. */
let expected: Record<string, Float32Array>;
let rows: number;

beforeAll(async () => {
  await setupBackend('wasm');
  dir = workspace(['examples/penguins.mtl', 'examples/data/penguins.csv']);
  csv = path.join(dir, 'examples/data/penguins.csv');
  const file = path.join(dir, 'examples/penguins.mtl');
  const checked: CheckedModel = compile(file, fs.readFileSync(file, 'utf8')).models[0]!;
  const data = await prepareTrainingData(checked, { train: csv, validation: 0.2 });
  const result = await runTraining(checked, data, {
    outDir: path.join(dir, 'model'),
    source: 'examples/penguins.mtl',
    backend: 'wasm',
    epochs: 3,
  });
  const bound = await prepareInferenceData(checked, data.sidecar, csv, { labels: 'ignored' });
  rows = bound.dataset.n;
  expected = await predict(result.model, checked, bound.dataset);
  result.model.dispose();
});

describe('mtlc predict', () => {
  it('gives, from the saved model, exactly what the trained model gave in memory', async () => {
    const result = await mtlc(['predict', 'model', '--data', 'examples/data/penguins.csv', '--probabilities'], { cwd: dir });
    expect(result).toMatchObject({ code: 0, stderr: '' });
    const records = jsonLines<PenguinPrediction>(result.stdout);
    expect(records).toHaveLength(rows);
    records.forEach((r, i) => {
      const species = PENGUIN_CLASSES.map((_, k) => expected.species![i * 3 + k]!);
      expect(PENGUIN_CLASSES.map((c) => Math.fround(r.species_probabilities[c]!))).toEqual(species);
      expect(r.species).toBe(PENGUIN_CLASSES[species.indexOf(Math.max(...species))]);
      expect(Math.fround(r.sex_probabilities.MALE!)).toBe(expected.sex![i]);
      expect(r.sex).toBe(expected.sex![i]! >= 0.5 ? 'MALE' : 'FEMALE');
      expect(Math.fround(r.mass)).toBe(expected.mass![i]);
    });
  });

  it('writes class names, and numbers in the fewest digits that read back the same', async () => {
    const result = await mtlc(['predict', 'model', '--data', 'examples/data/penguins.csv'], { cwd: dir });
    const first = jsonLines(result.stdout)[0]!;
    expect(Object.keys(first)).toEqual(['species', 'sex', 'mass']);
    expect(PENGUIN_CLASSES).toContain(first.species);
    expect(['FEMALE', 'MALE']).toContain(first.sex);
    expect(String(first.mass).replace(/^\d*\./, '').length).toBeLessThanOrEqual(9);
  });

  it('writes CSV with a column per class probability to --out, and refuses to overwrite it without --force', async () => {
    const out = await mtlc(['predict', 'model', '--data', 'examples/data/penguins.csv', '--out', 'preds.csv', '--probabilities'], {
      cwd: dir,
    });
    expect(out).toMatchObject({ code: 0, stdout: '', stderr: `wrote ${rows} predictions to preds.csv\n` });
    const lines = fs.readFileSync(path.join(dir, 'preds.csv'), 'utf8').trimEnd().split('\n');
    expect(lines[0]).toBe(
      'species,species_probabilities.Adelie,species_probabilities.Chinstrap,species_probabilities.Gentoo,sex,sex_probabilities.FEMALE,sex_probabilities.MALE,mass',
    );
    expect(lines).toHaveLength(rows + 1);
    const cells = lines[1]!.split(',');
    expect(Math.fround(Number(cells[7]))).toBe(expected.mass![0]);
    expect(Math.fround(Number(cells[6]))).toBe(expected.sex![0]);

    const before = fs.readFileSync(path.join(dir, 'preds.csv'), 'utf8');
    expect(await mtlc(['predict', 'model', '--data', 'examples/data/penguins.csv', '--out', 'preds.csv'], { cwd: dir })).toMatchObject({
      code: 2,
      stdout: '',
      stderr: 'mtlc: "preds.csv" already exists: pass --force to replace it\n',
    });
    expect(fs.readFileSync(path.join(dir, 'preds.csv'), 'utf8')).toBe(before);
    expect(
      (await mtlc(['predict', 'model', '--data', 'examples/data/penguins.csv', '--out', 'preds.csv', '--force'], { cwd: dir })).code,
    ).toBe(0);
    expect(fs.readFileSync(path.join(dir, 'preds.csv'), 'utf8').split('\n')[0]).toBe('species,sex,mass');
  });

  it('takes the format from --out, or --format, and refuses an extension it does not know', async () => {
    expect((await mtlc(['predict', 'model', '--data', 'examples/data/penguins.csv', '--out', 'p.jsonl'], { cwd: dir })).code).toBe(0);
    expect(jsonLines(fs.readFileSync(path.join(dir, 'p.jsonl'), 'utf8'))).toHaveLength(rows);
    const printed = await mtlc(['predict', 'model', '--data', 'examples/data/penguins.csv', '--format', 'csv'], { cwd: dir });
    expect(printed.stdout.split('\n')[0]).toBe('species,sex,mass');
    expect(await mtlc(['predict', 'model', '--data', 'examples/data/penguins.csv', '--out', 'p.txt'], { cwd: dir })).toMatchObject({
      code: 2,
      stderr: 'mtlc: cannot tell the format of "p.txt": name it .jsonl, .csv or .parquet, or pass --format\n',
    });
  });

  it('needs the inputs only: label columns may be missing or hold anything', async () => {
    const lines = fs.readFileSync(csv, 'utf8').trimEnd().split('\n');
    const inputsOnly = lines.map((line) => line.split(',').slice(1, 5).join(',')).join('\n');
    fs.writeFileSync(path.join(dir, 'inputs.csv'), `${inputsOnly}\n`);
    const result = await mtlc(['predict', 'model', '--data', 'inputs.csv'], { cwd: dir });
    expect(result.code).toBe(0);
    const records = jsonLines<PenguinPrediction>(result.stdout);
    expect(records).toHaveLength(rows);
    records.forEach((r, i) => expect(Math.fround(r.mass)).toBe(expected.mass![i]));
    fs.writeFileSync(
      path.join(dir, 'odd-labels.csv'),
      lines.map((line, i) => (i === 1 ? line.replace(/^Adelie/, 'Dodo') : line)).join('\n'),
    );
    expect((await mtlc(['predict', 'model', '--data', 'odd-labels.csv'], { cwd: dir })).code).toBe(0);
  });

  it('lists bad input data with file, line and column, and exits 1', async () => {
    const lines = fs.readFileSync(csv, 'utf8').split('\n');
    lines[4] = lines[4]!.replace(/,Torgersen,/, ',Nowhere,');
    fs.writeFileSync(path.join(dir, 'bad.csv'), lines.join('\n'));
    expect(await mtlc(['predict', 'model', '--data', 'bad.csv'], { cwd: dir })).toMatchObject({
      code: 1,
      stdout: '',
      stderr:
        'mtlc: 1 problem in the data:\n  bad.csv:5: column "island": "Nowhere" is not one of "Biscoe", "Dream", "Torgersen": add it to the category[...] list of the input, or fix the cell\n',
    });
  });

  it('predicts class ids for a head without class names, from an untrained build, and warns that it is untrained', async () => {
    const work = workspace(['examples/seed.mtl']);
    expect((await mtlc(['build', 'examples/seed.mtl', '-o', 'seed'], { cwd: work })).code).toBe(0);
    const header = Array.from({ length: 100 }, (_, i) => `x_${i}`).join(',');
    const row = (k: number) => Array.from({ length: 100 }, (_, i) => Math.sin(i + k).toFixed(3)).join(',');
    fs.writeFileSync(path.join(work, 'x.csv'), `${header}\n${row(1)}\n${row(2)}\n`);
    const result = await mtlc(['predict', 'seed', '--data', 'x.csv', '--probabilities'], { cwd: work });
    expect(result.code).toBe(0);
    expect(result.stderr).toBe(
      'warning: "seed" holds an untrained model (written by mtlc build): its outputs come from its initial weights; train it with mtlc train\n',
    );
    const records = jsonLines<{ task1: number; task1_probabilities: Record<string, number>; task2: number }>(result.stdout);
    expect(records).toHaveLength(2);
    for (const r of records) {
      expect(Number.isInteger(r.task1) && r.task1 >= 0 && r.task1 < 10).toBe(true);
      expect(Object.keys(r.task1_probabilities)).toEqual(['0', '1', '2', '3', '4', '5', '6', '7', '8', '9']);
      expect(Object.values(r.task1_probabilities).reduce((a, b) => a + b, 0)).toBeCloseTo(1, 5);
      expect(Number.isInteger(r.task2) && r.task2 >= 0 && r.task2 < 5).toBe(true);
    }
  });

  it('copies the --keep columns into every record, before the predictions, in JSONL and CSV', async () => {
    const cells = fs
      .readFileSync(csv, 'utf8')
      .trim()
      .split('\n')
      .map((line) => line.split(','));
    const column = (name: string) => cells.slice(1).map((row) => row[cells[0]!.indexOf(name)]!);
    const jsonl = await mtlc(['predict', 'model', '--data', 'examples/data/penguins.csv', '--keep', 'island,beak_length_mm'], { cwd: dir });
    expect(jsonl).toMatchObject({ code: 0, stderr: '' });
    const records = jsonLines<Record<string, unknown>>(jsonl.stdout);
    expect(Object.keys(records[0]!)).toEqual(['island', 'beak_length_mm', 'species', 'sex', 'mass']);
    expect(records.map((r) => r.island)).toEqual(column('island'));
    expect(records.map((r) => r.beak_length_mm)).toEqual(column('beak_length_mm'));
    const asCsv = await mtlc(['predict', 'model', '--data', 'examples/data/penguins.csv', '--keep', 'island', '--format', 'csv'], {
      cwd: dir,
    });
    expect(asCsv.stdout.split('\n')[0]).toBe('island,species,sex,mass');
    expect(asCsv.stdout.split('\n')[1]!.startsWith(`${column('island')[0]},`)).toBe(true);
  });

  it('refuses a --keep column the data lacks, with the nearest one, and one named like a prediction', async () => {
    expect(await mtlc(['predict', 'model', '--data', 'examples/data/penguins.csv', '--keep', 'islnd'], { cwd: dir })).toMatchObject({
      code: 1,
      stdout: '',
      stderr:
        'mtlc: 1 problem in the data:\n  examples/data/penguins.csv:1: column "islnd": not in the header (--keep); did you mean "island"?\n',
    });
    expect(await mtlc(['predict', 'model', '--data', 'examples/data/penguins.csv', '--keep', 'species'], { cwd: dir })).toMatchObject({
      code: 2,
      stderr: 'mtlc: --keep species: the predictions have a field of that name; rename the column in the data\n',
    });
  });

  it('says what is wrong with a directory that holds no model', async () => {
    expect(await mtlc(['predict', 'nowhere', '--data', 'examples/data/penguins.csv'], { cwd: dir })).toMatchObject({
      code: 2,
      stderr: 'mtlc: nowhere: no such directory\n',
    });
    expect(await mtlc(['predict', 'examples', '--data', 'examples/data/penguins.csv'], { cwd: dir })).toMatchObject({
      code: 2,
      stderr: 'mtlc: examples: not a model directory (it has no model.json); mtlc train and mtlc build write one\n',
    });
  });
});
