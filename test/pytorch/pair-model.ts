/**
 * The two-task model the PyTorch trainer tests train (a regress and a binary head on a shared trunk),
 * its data with gaps in both labels, and the comparison of two runs' final weights.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { expect } from 'vitest';
import { readWeightsFiles } from '../../runtime/pytorch/index.js';
import { mtlc, pairCsv, workspace } from '../cli/model-run.js';

/** pairCsv's rows with a gap in a label every few rows: a task's loss covers only its labelled rows. */
export function gappyCsv(rows: number): string {
  return pairCsv(rows)
    .split('\n')
    .map((line, k) => {
      if (k === 0 || line === '') return line;
      const cells = line.split(',');
      if (k % 3 === 0) cells[3] = '';
      if (k % 4 === 1) cells[4] = '';
      return cells.join(',');
    })
    .join('\n');
}

/** Two heads on embedded tokens, a tag head and a binary one: for tag counting over workers. */
export const TAGGER = `model Tagger {
  input tokens: int[5] vocab 7
  trunk e = tokens -> embedding(4)
  head t = e -> tag(3)
  head s = e -> globalpool() -> binary()
  train { optimizer: adam(lr: 0.01), epochs: 3, batch: 16, validation: 0, seed: 7 }
}
`;

/** The model, with `weighting` and extra `train { }` settings (`, shuffle: false`). */
export function modelText(weighting: string, train = ''): string {
  return `model Pair {
  input x: float[3] normalize
  trunk shared = x -> dense(8, relu)
  head a = shared -> regress(1)
  head b = shared -> dense(4, tanh) -> binary()
  weights { a: 1.0, b: 0.5 }
  weighting ${weighting}
  train { optimizer: adam(lr: 0.01), epochs: 3, batch: 16, validation: 0.2, seed: 7${train} }
}
`;
}

/** A fresh directory holding pair.mtl (the given model text) and pair.csv (90 gappy rows). */
export function setUp(model: string): string {
  const dir = workspace();
  fs.writeFileSync(path.join(dir, 'pair.mtl'), model);
  fs.writeFileSync(path.join(dir, 'pair.csv'), gappyCsv(90));
  return dir;
}

/** `mtlc train pair.mtl` on `data` into `out` with the given engine options; fails the test unless it trains. */
export async function trainPair(dir: string, out: string, options: readonly string[], data = 'pair.csv'): Promise<string> {
  const run = await mtlc(['train', 'pair.mtl', '--data', data, ...options, '-o', out], { cwd: dir });
  expect(run.code, run.stderr).toBe(0);
  return run.stderr;
}

/** The largest difference between the PyTorch trainer's final weights in two runs, per array. */
export async function weightDifferences(dir: string, one: string, two: string): Promise<Map<string, number>> {
  const read = (run: string) => readWeightsFiles(path.join(dir, run, 'pytorch/weights.json'), path.join(dir, run, 'pytorch/weights.bin'));
  const [a, b] = [await read(one), await read(two)];
  expect(Object.keys(b)).toEqual(Object.keys(a));
  const out = new Map<string, number>();
  for (const [layer, arrays] of Object.entries(a)) {
    arrays.forEach((array, i) => {
      const other = b[layer]![i]!.values;
      out.set(`${layer}[${i}]`, Math.max(...array.values.map((v, k) => Math.abs(v - other[k]!))));
    });
  }
  return out;
}
