/**
 * The weighting methods on the PyTorch engine: one model however many workers (every method, data
 * with missing labels), and the same training as the TensorFlow.js engine for the methods that need
 * per-task gradients. Real processes: the CLI spawns /usr/bin/python3, which spawns the workers.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { describe, expect, it } from 'vitest';
import { workspace } from '../cli/model-run.js';
import type { RunHistory } from '../../runtime/model/index.js';
import { mulberry32 } from '../../runtime/data/random.js';
import { readWeightsFiles } from '../../runtime/pytorch/index.js';
import { gappyCsv, modelText, setUp, TAGGER, trainPair, weightDifferences } from './pair-model.js';
import { torchMissing } from './torch.js';

const METHODS = ['fixed', 'uncertainty', 'dwa(temperature: 2.0)', 'gradnorm(alpha: 1.5)', 'pcgrad', 'mgda'];

describe.skipIf(torchMissing() !== undefined)('weighting on --engine pytorch', () => {
  for (const weighting of METHODS) {
    it(`ends with the same weights on 1 and 2 workers (weighting ${weighting}, missing labels)`, async () => {
      const dir = setUp(modelText(weighting));
      for (const workers of ['1', '2']) {
        expect(await trainPair(dir, `w${workers}`, ['--engine', 'pytorch', '--workers', workers])).toContain('epoch 3/3');
      }
      // Float summation in another order (two partial sums) moves the last bits only.
      for (const [array, diff] of await weightDifferences(dir, 'w1', 'w2')) expect(diff, array).toBeLessThan(1e-5);
      // Training moved the weights: the comparison is not of two untouched copies.
      const initial = await readWeightsFiles(path.join(dir, 'w1/pytorch/initial.json'), path.join(dir, 'w1/pytorch/initial.bin'));
      const trained = await readWeightsFiles(path.join(dir, 'w1/pytorch/weights.json'), path.join(dir, 'w1/pytorch/weights.bin'));
      expect(trained['shared/dense_1']![0]!.values).not.toEqual(initial['shared/dense_1']![0]!.values);
      // And the same λ every epoch (GradNorm's w, MGDA's α, uncertainty's s).
      const [one, two] = ['w1', 'w2'].map((run) => JSON.parse(fs.readFileSync(path.join(dir, run, 'history.json'), 'utf8')) as RunHistory);
      expect(two!.epochs.map((e) => e.epoch)).toEqual([1, 2, 3]);
      two!.epochs.forEach((epoch, k) => {
        for (const [head, lambda] of Object.entries(epoch.lambda))
          expect(Math.abs(lambda - one!.epochs[k]!.lambda[head]!), `${head} ${k + 1}`).toBeLessThan(1e-5);
      });
    }, 120_000);
  }

  it('counts a tag head over the global batch: the same weights on 1 and 2 workers (tag, missing labels)', async () => {
    // Each worker divides its rows' tag loss by the tagged steps of the whole global batch, which it
    // counts from the labels of every row of it; a tag label is missing every fourth row.
    const dir = workspace();
    fs.writeFileSync(path.join(dir, 'pair.mtl'), TAGGER);
    const random = mulberry32(3);
    const draw = (n: number) => Math.floor(random() * n);
    const rows = Array.from({ length: 70 }, (_, k) => {
      const row: Record<string, unknown> = { tokens: Array.from({ length: 5 }, () => draw(7)), s: draw(2) };
      if (k % 4 !== 1) row['t'] = Array.from({ length: 5 }, () => draw(3));
      return JSON.stringify(row);
    });
    fs.writeFileSync(path.join(dir, 'tags.jsonl'), `${rows.join('\n')}\n`);
    for (const workers of ['1', '2']) {
      expect(await trainPair(dir, `w${workers}`, ['--engine', 'pytorch', '--workers', workers], 'tags.jsonl')).toContain('epoch 3/3');
    }
    for (const [array, diff] of await weightDifferences(dir, 'w1', 'w2')) expect(diff, array).toBeLessThan(1e-5);
  }, 120_000);
});

/**
 * Three heads (so that PCGrad's random orders matter and MGDA runs Frank–Wolfe): the pair model's
 * heads and c = x_0·x_2, its label missing every fifth row.
 */
function tripleSetUp(weighting: string): string {
  const dir = workspace();
  const model = modelText(weighting, ', shuffle: false')
    .replace(
      'head b = shared -> dense(4, tanh) -> binary()',
      'head b = shared -> dense(4, tanh) -> binary()\n  head c = shared -> regress(1)',
    )
    .replace('model Pair', 'model Triple');
  fs.writeFileSync(path.join(dir, 'pair.mtl'), model);
  const rows = gappyCsv(90)
    .trimEnd()
    .split('\n')
    .map((line, k) => {
      if (k === 0) return `${line},c`;
      const x = line.split(',').map(Number);
      return `${line},${k % 5 === 2 ? '' : (x[0]! * x[2]!).toFixed(3)}`;
    });
  fs.writeFileSync(path.join(dir, 'pair.csv'), `${rows.join('\n')}\n`);
  return dir;
}

describe.skipIf(torchMissing() !== undefined)('weighting on --engine pytorch follows --engine tfjs', () => {
  for (const weighting of ['gradnorm(alpha: 1.5)', 'pcgrad', 'mgda']) {
    it(`trains the same epochs as the TensorFlow.js engine (weighting ${weighting}, three heads)`, async () => {
      // Unshuffled batches, so that both engines see the same rows in each step (their shuffles differ);
      // mtlc hands PyTorch the TensorFlow.js initial weights and the same bound data.
      const dir = tripleSetUp(weighting);
      await trainPair(dir, 'tfjs', ['--engine', 'tfjs']);
      await trainPair(dir, 'torch', ['--engine', 'pytorch']);
      const [tfjs, torch] = ['tfjs', 'torch'].map(
        (run) => JSON.parse(fs.readFileSync(path.join(dir, run, 'history.json'), 'utf8')) as RunHistory,
      );
      expect(torch!.epochs).toHaveLength(3);
      // The two engines compute each step's losses and gradients in float32 with kernels that sum in
      // other orders (test/pytorch/same-function.test.ts: outputs to 1e-5, gradients to 1e-4); over
      // these 15 Adam steps (3 epochs of 5 batches) the epoch losses and λ measured apart by at most
      // 7e-6. 1e-4 leaves 14× that, and is below what a different formula moves (measured: PCGrad's
      // orders drawn from another seed 4e-4, GradNorm's alpha at 1 1e-3, MGDA stopped after 2
      // Frank–Wolfe steps 1e-2).
      torch!.epochs.forEach((epoch, k) => {
        const theirs = tfjs!.epochs[k]!;
        for (const head of ['a', 'b', 'c']) {
          expect(Math.abs(epoch.taskLoss[head]! - theirs.taskLoss[head]!), `taskLoss ${head}, epoch ${k + 1}`).toBeLessThan(1e-4);
          expect(Math.abs(epoch.lambda[head]! - theirs.lambda[head]!), `lambda ${head}, epoch ${k + 1}`).toBeLessThan(1e-4);
          expect(Math.abs(epoch.val!.taskLoss[head]! - theirs.val!.taskLoss[head]!), `val ${head}, epoch ${k + 1}`).toBeLessThan(1e-4);
        }
      });
    }, 120_000);
  }
});
