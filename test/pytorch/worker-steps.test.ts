/**
 * The steps PyTorch workers train on: each worker's rows of a step are its share of one global batch,
 * and every worker divides by the labelled counts of that whole batch, however many workers and
 * however many batches train.py reads from the pack at once (batches(), through worker_steps.py).
 */
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadDataset, writePack } from '../../runtime/data/index.js';
import { workspace } from '../cli/model-run.js';
import { TAGGER } from './pair-model.js';
import { PYTHON, torchMissing, writePackage } from './torch.js';

/**
 * Row k: its tokens are k in base 7 (so a step's tokens name its rows), its tag label (a class for
 * each of the 5 steps) is missing every fourth row, its binary label every fifth.
 */
interface Row {
  readonly tokens: number[];
  readonly t?: number[];
  readonly s?: number;
}
const ROWS: Row[] = Array.from({ length: 70 }, (_, k) => ({
  tokens: Array.from({ length: 5 }, (_, i) => Math.floor(k / 7 ** (4 - i)) % 7),
  ...(k % 4 === 1 ? {} : { t: Array.from({ length: 5 }, (_, i) => (k + i) % 3) }),
  ...(k % 5 === 2 ? {} : { s: k % 2 }),
}));

const rowOf = (tokens: readonly number[]): number => tokens.reduce((k, digit) => k * 7 + digit, 0);

/** The labelled counts of these rows, in head order: tagged steps of t, labelled rows of s. */
function counts(rows: readonly number[]): number[] {
  return [rows.reduce((n, k) => n + (ROWS[k]!.t?.length ?? 0), 0), rows.filter((k) => ROWS[k]!.s !== undefined).length];
}

interface Step {
  readonly rows: number[][];
  readonly counts: number[];
}

async function setUp(): Promise<{ dir: string; pack: string }> {
  const dir = workspace();
  const model = await writePackage(dir, 'tagger.mtl', TAGGER);
  const data = path.join(dir, 'tags.jsonl');
  fs.writeFileSync(data, `${ROWS.map((row) => JSON.stringify(row)).join('\n')}\n`);
  const pack = path.join(dir, 'tags.mtlpack');
  await writePack(model, await loadDataset(model, data), data, pack);
  return { dir, pack };
}

/** Each of `world` workers' steps of epoch 1, reading `chunkRows` rows at once (train.py's default when undefined). */
function workerSteps(dir: string, pack: string, world: number, chunkRows?: number): Step[][] {
  const chunk = chunkRows === undefined ? [] : ['--chunk-rows', String(chunkRows)];
  const run = spawnSync(PYTHON, [path.join(__dirname, 'worker_steps.py'), dir, '--data', pack, '--world', String(world), ...chunk], {
    encoding: 'utf8',
  });
  expect(run.stderr).toBe('');
  return JSON.parse(run.stdout) as Step[][];
}

describe.skipIf(torchMissing() !== undefined)('the steps PyTorch workers train on', () => {
  it("are one worker's batches of the shuffled rows, each with its own labelled counts", async () => {
    const { dir, pack } = await setUp();
    const [steps] = workerSteps(dir, pack, 1);
    expect(steps!.map((step) => step.rows.length)).toEqual([16, 16, 16, 16, 6]);
    const seen = steps!.flatMap((step) => step.rows.map(rowOf));
    expect([...seen].sort((a, b) => a - b)).toEqual(ROWS.map((_, k) => k));
    expect(seen).not.toEqual(ROWS.map((_, k) => k)); // shuffled
    for (const step of steps!) expect(step.counts).toEqual(counts(step.rows.map(rowOf)));
  });

  it.each([2, 3])("are, on %i workers, each worker's share of the same batches, divided by the whole batch's counts", async (world) => {
    const { dir, pack } = await setUp();
    const [single] = workerSteps(dir, pack, 1);
    const workers = workerSteps(dir, pack, world);
    single!.forEach((batch, b) => {
      const rows = batch.rows.map(rowOf);
      const shares = workers.map((steps) => steps[b]!.rows.map(rowOf));
      // Rank r takes every world-th row of the batch from the r-th, ascending.
      const order = [...rows].sort((x, y) => x - y);
      expect(shares.flat().sort((x, y) => x - y)).toEqual(order);
      shares.forEach((share) => expect(share).toEqual([...share].sort((x, y) => x - y)));
      expect(shares.map((share) => share.length)).toEqual(workers.map((_, r) => Math.ceil((rows.length - r) / world)));
      for (const steps of workers) expect(steps[b]!.counts).toEqual(counts(rows));
    });
    for (const steps of workers) expect(steps).toHaveLength(single!.length);
  });

  it('are the same whether the pack is read a batch at a time, two at a time or whole', async () => {
    const { dir, pack } = await setUp();
    for (const world of [1, 2]) {
      const whole = workerSteps(dir, pack, world);
      expect(workerSteps(dir, pack, world, 16)).toEqual(whole);
      expect(workerSteps(dir, pack, world, 40)).toEqual(whole);
    }
  });
});
