/**
 * The weighting methods on the PyTorch engine: one model however many workers (every method, data
 * with missing labels), and the same training as the TensorFlow.js engine for the methods that need
 * per-task gradients. Real processes: the CLI spawns /usr/bin/python3, which spawns the workers.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { describe, expect, it } from 'vitest';
import { readWeightsFiles } from '../../runtime/pytorch/index.js';
import { modelText, setUp, trainPair, weightDifferences } from './pair-model.js';
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
      const history = JSON.parse(fs.readFileSync(path.join(dir, 'w2/history.json'), 'utf8'));
      expect(history.epochs.map((e: { epoch: number }) => e.epoch)).toEqual([1, 2, 3]);
    }, 120_000);
  }
});
