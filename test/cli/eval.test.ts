import * as fs from 'node:fs';
import * as path from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { jsonLines, mtlc, PENGUIN_CLASSES, workspace, type PenguinPrediction } from './model-run.js';

const SEXES = ['FEMALE', 'MALE'];
let dir: string;

/** The penguins CSV as records of strings (the file has no quoted cells). */
function readCsv(file: string): Array<Record<string, string>> {
  const [header, ...rows] = fs.readFileSync(file, 'utf8').trimEnd().split('\n');
  const names = header!.split(',');
  return rows.map((row) => Object.fromEntries(row.split(',').map((cell, i) => [names[i]!, cell])));
}

const mean = (xs: readonly number[]): number => xs.reduce((a, b) => a + b, 0) / xs.length;
const clip = (p: number): number => Math.min(Math.max(p, 1e-7), 1 - 1e-7);

/** Rank-sum AUC, written out again here (no ties in real-valued scores). */
function auc(scores: readonly number[], positive: readonly boolean[]): number {
  const order = scores.map((s, i) => [s, i] as const).sort((a, b) => a[0] - b[0]);
  const rank = new Map(order.map(([, i], r) => [i, r + 1]));
  const pos = positive.filter(Boolean).length;
  const rankSum = positive.reduce((sum, p, i) => sum + (p ? rank.get(i)! : 0), 0);
  return (rankSum - (pos * (pos + 1)) / 2) / (pos * (positive.length - pos));
}

/** Macro F1 over the classes that occur among labels or predictions. */
function macroF1(predicted: readonly string[], actual: readonly string[]): number {
  const scores = PENGUIN_CLASSES.filter((c) => predicted.includes(c) || actual.includes(c)).map((c) => {
    const tp = predicted.filter((p, i) => p === c && actual[i] === c).length;
    const fp = predicted.filter((p, i) => p === c && actual[i] !== c).length;
    const fn = predicted.filter((p, i) => p !== c && actual[i] === c).length;
    const precision = tp + fp === 0 ? 0 : tp / (tp + fp);
    const recall = tp + fn === 0 ? 0 : tp / (tp + fn);
    return precision + recall === 0 ? 0 : (2 * precision * recall) / (precision + recall);
  });
  return mean(scores);
}

beforeAll(async () => {
  dir = workspace(['examples/penguins.mtl', 'examples/data/penguins.csv']);
  const trained = await mtlc(['train', 'examples/penguins.mtl', '--epochs', '3', '-o', 'model', '--quiet'], { cwd: dir });
  expect(trained.code).toBe(0);
});

describe('mtlc eval', () => {
  it('reports the metrics that the predictions and the labels give when computed independently', async () => {
    const data = 'examples/data/penguins.csv';
    const evaluated = await mtlc(['eval', 'model', '--data', data, '--format', 'json'], { cwd: dir });
    expect(evaluated).toMatchObject({ code: 0, stderr: '' });
    const report = JSON.parse(evaluated.stdout);
    const predicted = jsonLines<PenguinPrediction>(
      (await mtlc(['predict', 'model', '--data', data, '--probabilities'], { cwd: dir })).stdout,
    );
    const rows = readCsv(path.join(dir, data));
    expect(predicted).toHaveLength(rows.length);

    const species = rows.map((r) => r.species!);
    const speciesLoss = mean(rows.map((r, i) => -Math.log(clip(predicted[i]!.species_probabilities[r.species!]!))));
    const sexRows = rows.map((r, i) => [r.sex!, i] as const).filter(([sex]) => sex !== '');
    const sexLoss = mean(
      sexRows.map(([sex, i]) => {
        const p = clip(predicted[i]!.sex_probabilities.MALE!);
        return sex === 'MALE' ? -Math.log(p) : -Math.log(1 - p);
      }),
    );
    const errors = rows.map((r, i) => predicted[i]!.mass - Number(r.body_mass_kg));
    const massMean = mean(rows.map((r) => Number(r.body_mass_kg)));
    const r2 = 1 - errors.reduce((s, e) => s + e * e, 0) / rows.reduce((s, r) => s + (Number(r.body_mass_kg) - massMean) ** 2, 0);

    expect(report).toMatchObject({ model: 'Penguins', data, rows: rows.length });
    expect(report.heads.species).toMatchObject({ task: 'classify(3)', labelled: rows.length });
    expect(report.heads.species.metrics.accuracy).toBeCloseTo(mean(rows.map((_, i) => (predicted[i]!.species === species[i] ? 1 : 0))), 10);
    expect(report.heads.species.metrics.f1).toBeCloseTo(
      macroF1(
        predicted.map((p) => p.species),
        species,
      ),
      10,
    );
    expect(report.heads.species.loss).toBeCloseTo(speciesLoss, 5);
    expect(report.heads.sex).toMatchObject({ task: 'binary()', labelled: sexRows.length });
    expect(sexRows.length).toBe(rows.length - 9);
    expect(report.heads.sex.metrics.accuracy).toBeCloseTo(mean(sexRows.map(([sex, i]) => (predicted[i]!.sex === sex ? 1 : 0))), 10);
    expect(report.heads.sex.metrics.auc).toBeCloseTo(
      auc(
        sexRows.map(([, i]) => predicted[i]!.sex_probabilities.MALE!),
        sexRows.map(([sex]) => sex === SEXES[1]),
      ),
      10,
    );
    expect(report.heads.sex.loss).toBeCloseTo(sexLoss, 5);
    expect(report.heads.mass).toMatchObject({ task: 'regress(1)', labelled: rows.length });
    expect(report.heads.mass.metrics.mae).toBeCloseTo(mean(errors.map(Math.abs)), 5);
    expect(report.heads.mass.metrics.r2).toBeCloseTo(r2, 5);
    // The mass head trains on standardized targets: its loss is the MSE in units of the training targets' std.
    const { std } = JSON.parse(fs.readFileSync(path.join(dir, 'model/mtl.json'), 'utf8')).heads.mass.standardize;
    const massLoss = mean(errors.map((e) => (e / std[0]) ** 2));
    expect(report.heads.mass.loss).toBeCloseTo(massLoss, 5);
    // λ are 1.0 for every head of the penguins model.
    expect(report.loss).toBeCloseTo(speciesLoss + sexLoss + massLoss, 4);
  });

  it('prints the metrics as a table by default', async () => {
    const result = await mtlc(['eval', 'model', '--data', 'examples/data/penguins.csv'], { cwd: dir });
    expect(result.code).toBe(0);
    expect(result.stdout).toMatch(/^Penguins on examples\/data\/penguins.csv \(342 rows\)\n\nhead +task +metric +value\n/);
    expect(result.stdout).toMatch(
      /^species +classify\(3\) +loss +\d\.\d{4}\n +accuracy +\d\.\d{4}\n +f1 +\d\.\d{4}\n +labelled rows +342\n/m,
    );
    expect(result.stdout).toMatch(/^ +labelled rows +333$/m);
  });

  it('reports a head whose label the file lacks as having no labelled rows', async () => {
    const lines = fs.readFileSync(path.join(dir, 'examples/data/penguins.csv'), 'utf8').trimEnd().split('\n');
    fs.writeFileSync(path.join(dir, 'no-sex.csv'), `${lines.map((line) => line.split(',').slice(0, 6).join(',')).join('\n')}\n`);
    const result = await mtlc(['eval', 'model', '--data', 'no-sex.csv', '--format', 'json'], { cwd: dir });
    expect(result.code).toBe(0);
    expect(JSON.parse(result.stdout).heads.sex).toEqual({
      task: 'binary()',
      labelled: 0,
      loss: null,
      metrics: { accuracy: null, auc: null },
    });
  });

  it('refuses data without any label, and lists bad data with file, line and column', async () => {
    const lines = fs.readFileSync(path.join(dir, 'examples/data/penguins.csv'), 'utf8').trimEnd().split('\n');
    fs.writeFileSync(path.join(dir, 'inputs.csv'), `${lines.map((line) => line.split(',').slice(1, 5).join(',')).join('\n')}\n`);
    expect(await mtlc(['eval', 'model', '--data', 'inputs.csv'], { cwd: dir })).toMatchObject({
      code: 1,
      stdout: '',
      stderr:
        'mtlc: inputs.csv has no labels for any head of Penguins (it reads "species", "sex", "body_mass_kg"): eval needs labelled data; mtlc predict needs none\n',
    });
    lines[7] = lines[7]!.replace(/,(MALE|FEMALE)$/, ',UNKNOWN');
    fs.writeFileSync(path.join(dir, 'bad.csv'), `${lines.join('\n')}\n`);
    const bad = await mtlc(['eval', 'model', '--data', 'bad.csv'], { cwd: dir });
    expect(bad.code).toBe(1);
    expect(bad.stderr).toMatch(/^mtlc: 1 problem in the data:\n {2}bad\.csv:8: column "sex": "UNKNOWN" /);
  });
});
