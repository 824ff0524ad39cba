/**
 * Regression targets on a common scale (runtime/data/targets.ts): a car's weight in pounds
 * (mean about 3,000, variance about 720,000) would swamp the origin head's cross-entropy if it
 * were learnt raw.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { describe, expect, it } from 'vitest';
import { jsonLines, mtlc, workspace } from './model-run.js';

const model = (options: string) => `model Weight {
  input specs: float[2] from ["displacement", "horsepower"] normalize
  trunk shared = specs -> dense(8, relu)
  head origin = shared -> classify(3) { classes: ["Europe", "Japan", "USA"] }
  head weight = shared -> regress(1) { label: "weight_in_lbs"${options} }
  train { epochs: 2, seed: 1 }
  data { train: "data/cars.csv" }
}
`;

async function trainWeight(options: string) {
  const dir = workspace(['examples/data/cars.csv']);
  fs.writeFileSync(path.join(dir, 'examples/weight.mtl'), model(options));
  const trained = await mtlc(['train', 'examples/weight.mtl', '-o', 'out', '--quiet'], { cwd: dir });
  expect(trained.code).toBe(0);
  const read = (file: string) => JSON.parse(fs.readFileSync(path.join(dir, 'out', file), 'utf8'));
  return { dir, sidecar: read('mtl.json'), history: read('history.json') };
}

/** Every weight of cars.csv, as the data has it. */
function weights(dir: string): number[] {
  const [header, ...rows] = fs.readFileSync(path.join(dir, 'examples/data/cars.csv'), 'utf8').trim().split('\n');
  const column = header!.split(',').indexOf('weight_in_lbs');
  return rows.map((r) => Number(r.split(',')[column]));
}

describe('standardized regression targets', () => {
  it("trains a regress head on standardized targets, saves their statistics, and predicts in the data's units", async () => {
    const { dir, sidecar, history } = await trainWeight('');
    const all = weights(dir);
    const mean = all.reduce((a, b) => a + b, 0) / all.length;
    const std = Math.sqrt(all.reduce((a, b) => a + (b - mean) ** 2, 0) / all.length);
    // No validation split here: the training rows are all the rows.
    expect(sidecar.heads.weight.standardize.mean[0]).toBeCloseTo(mean, 3);
    expect(sidecar.heads.weight.standardize.std[0]).toBeCloseTo(std, 3);
    // The first epoch's weight loss is an MSE in std units, of the order of the cross-entropy's, not of 720,000.
    expect(history.epochs[0].taskLoss.weight).toBeLessThan(3);
    expect(history.epochs[0].taskLoss.origin).toBeLessThan(3);
    const predicted = jsonLines<{ weight: number }>(
      (await mtlc(['predict', 'out', '--data', 'examples/data/cars.csv'], { cwd: dir })).stdout,
    );
    const predictedMean = predicted.reduce((a, p) => a + p.weight, 0) / predicted.length;
    expect(Math.abs(predictedMean - mean)).toBeLessThan(std);
  });

  it('keeps the raw targets with normalize: false', async () => {
    const { sidecar, history } = await trainWeight(', normalize: false');
    expect(sidecar.heads.weight.standardize).toBeUndefined();
    expect(history.epochs[0].taskLoss.weight).toBeGreaterThan(1e6);
  });
});
