/**
 * The synthetic comparison of the MMoE paper (Ma et al., 2018, §3.3, Figure 4) on this project's
 * runtime: for each task correlation ρ, the data of runtime/experiments/synthetic.ts, and the two
 * example models examples/synthetic-shared.mtl and examples/synthetic-mmoe.mtl trained on the same
 * rows from the same seeds; printed as a Markdown table of held-out mean squared error (the mean
 * of the two tasks' MSE at the last epoch), mean ± std over the runs, and MMoE's gain over the
 * shared bottom, (MSE_shared − MSE_mmoe) / MSE_shared, computed per run (the runs differ in their
 * sinusoids, hence in difficulty) and then averaged. Per-run numbers follow the table.
 *
 *     npx tsc -p tsconfig.json && node dist/scripts/mmoe-synthetic.js [--rows 8000] [--epochs 20] [--runs 3] [--rho 0.5,0.9,1]
 *         [--shared FILE.mtl] [--mmoe FILE.mtl]    (other models to compare; they read input x, heads y1 and y2)
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';
import { compile, type CheckedModel } from '../compiler/index.js';
import { setupBackend } from '../runtime/backend/index.js';
import { type Dataset, splitRows, takeRows } from '../runtime/data/index.js';
import { pearson, syntheticData, meanAndStd } from '../runtime/experiments/index.js';
import { lowerModel } from '../runtime/model/index.js';
import { evaluate, train } from '../runtime/train/index.js';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');

function flag(name: string, fallback: string): string {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 && process.argv[i + 1] !== undefined ? process.argv[i + 1]! : fallback;
}

function example(file: string): CheckedModel {
  const full = path.isAbsolute(file) ? file : path.join(root, 'examples', file);
  const result = compile(full, fs.readFileSync(full, 'utf8'));
  if (result.models.length !== 1) throw new Error(`${file} does not check`);
  return result.models[0]!;
}

function dataset(rho: number, rows: number, seed: number): Dataset {
  const data = syntheticData({ correlation: rho, rows, seed });
  const all = new Uint8Array(rows).fill(1);
  return {
    n: rows,
    inputs: { x: Float32Array.from(data.x) },
    labels: { y1: { values: Float32Array.from(data.y1), mask: all }, y2: { values: Float32Array.from(data.y2), mask: all.slice() } },
  };
}

/** The data's rows, 80% to train on and 20% held out, the same split for every model of a run. */
function heldOutSplit(data: Dataset, seed: number): { train: Dataset; validation: Dataset } {
  const split = splitRows(data.n, 0.2, seed);
  return { train: takeRows(data, split.train), validation: takeRows(data, split.validation) };
}

async function heldOutMse(
  model: CheckedModel,
  data: { train: Dataset; validation: Dataset },
  epochs: number,
  seed: number,
): Promise<number> {
  const lowered = lowerModel(model, { seed });
  try {
    await train(lowered, model, { train: data.train }, { epochs, seed });
    const e = await evaluate(lowered, model, data.validation);
    return (e.metrics.y1!.mse! + e.metrics.y2!.mse!) / 2;
  } finally {
    lowered.dispose();
  }
}

async function main(): Promise<void> {
  const rows = Number(flag('rows', '8000'));
  const epochs = Number(flag('epochs', '20'));
  const runs = Number(flag('runs', '3'));
  const rhos = flag('rho', '0.5,0.9,1').split(',').map(Number);
  const backend = await setupBackend();
  const models = { shared: example(flag('shared', 'synthetic-shared.mtl')), mmoe: example(flag('mmoe', 'synthetic-mmoe.mtl')) };
  console.log(
    `backend ${backend}; ${rows} rows (80% train, 20% held out), ${epochs} epochs, ${runs} runs per cell (data and initial weights seeded 1…${runs})\n`,
  );
  console.log('| ρ | label corr. | shared-bottom MSE | MMoE MSE | MMoE gain (per run, mean ± std) |');
  console.log('|---|---|---|---|---|');
  const details: string[] = [];
  for (const rho of rhos) {
    const scores: { shared: number[]; mmoe: number[]; corr: number[]; gain: number[] } = { shared: [], mmoe: [], corr: [], gain: [] };
    for (let run = 1; run <= runs; run++) {
      const data = dataset(rho, rows, run);
      scores.corr.push(pearson(data.labels.y1!.values, data.labels.y2!.values) ?? NaN);
      const split = heldOutSplit(data, run);
      const shared = await heldOutMse(models.shared, split, epochs, run);
      const mmoe = await heldOutMse(models.mmoe, split, epochs, run);
      scores.shared.push(shared);
      scores.mmoe.push(mmoe);
      scores.gain.push((shared - mmoe) / shared);
      details.push(
        `ρ ${rho}, run ${run}: shared-bottom ${shared.toFixed(4)}, MMoE ${mmoe.toFixed(4)}, gain ${((100 * (shared - mmoe)) / shared).toFixed(1)}%`,
      );
    }
    const s = meanAndStd(scores.shared);
    const m = meanAndStd(scores.mmoe);
    const g = meanAndStd(scores.gain);
    console.log(
      `| ${rho} | ${meanAndStd(scores.corr).mean.toFixed(2)} | ${s.mean.toFixed(3)} ± ${s.std.toFixed(3)} | ${m.mean.toFixed(3)} ± ${m.std.toFixed(3)} | ${(g.mean * 100).toFixed(1)}% ± ${(g.std * 100).toFixed(1)}% |`,
    );
  }
  console.log(`\n${details.join('\n')}`);
}

await main();
