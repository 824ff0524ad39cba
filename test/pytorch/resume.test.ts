/**
 * train.py's checkpoint holds everything a resumed run needs (the weighting's state, the best epoch
 * kept so far): stopped after some epochs and resumed, a run ends with the weights and the epoch
 * records of a run that was never stopped. train.py is run by hand, as on a cluster (docs/scale.md).
 */
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { describe, expect, it } from 'vitest';
import { jsonLines } from '../cli/model-run.js';
import { modelText, setUp, trainPair } from './pair-model.js';
import { PYTHON, torchMissing } from './torch.js';

/** Runs the package's train.py for `epochs` in all into `out`; the lines it printed. */
function trainPy(dir: string, out: string, epochs: number, resume: boolean): Record<string, unknown>[] {
  const pkg = path.join(dir, 'run', 'pytorch');
  const args = ['train.py', '--data', 'data', '--weights', 'initial', '--out', out, '--epochs', String(epochs)];
  const run = spawnSync(PYTHON, resume ? [...args, '--resume'] : args, { cwd: pkg, encoding: 'utf8' });
  expect(run.status, run.stderr).toBe(0);
  return jsonLines(run.stdout);
}

/** Trains `epochs` at once, and `first` then the rest resumed; the lines and final weights of both. */
async function straightAndResumed(model: string, first: number, epochs: number) {
  const dir = setUp(model);
  await trainPair(dir, 'run', ['--engine', 'pytorch', '--epochs', '1', '--quiet']);
  const straight = trainPy(dir, 'straight', epochs, false);
  const resumed = [...trainPy(dir, 'resumed', first, false), ...trainPy(dir, 'resumed', epochs, true)];
  const weights = (out: string) => fs.readFileSync(path.join(dir, 'run', 'pytorch', out, 'weights.bin'));
  return { straight, resumed, weights: { straight: weights('straight'), resumed: weights('resumed') } };
}

describe.skipIf(torchMissing() !== undefined)('train.py --resume', () => {
  for (const weighting of ['uncertainty', 'dwa(temperature: 2.0)', 'gradnorm(alpha: 1.5)']) {
    it(`goes on as if never stopped (weighting ${weighting}: its state is in the checkpoint)`, async () => {
      const { straight, resumed, weights } = await straightAndResumed(modelText(weighting), 2, 5);
      expect(resumed).toEqual(straight);
      expect(weights.resumed.equals(weights.straight)).toBe(true);
    }, 120_000);
  }

  it('goes on with the best epoch kept before the stop (early_stop: its state is in the checkpoint)', async () => {
    // Validation loss best at epoch 7, stopping after 9 (epochs.test.ts): resumed after epoch 8, it must remember epoch 7.
    const model = modelText('fixed', ', shuffle: false, epochs: 15, early_stop: 2').replace('adam(lr: 0.01)', 'adam(lr: 0.1)');
    const { straight, resumed, weights } = await straightAndResumed(model.replace('epochs: 3, ', ''), 8, 15);
    expect(straight.at(-1)).toEqual({ bestEpoch: 7, stopped: 'early' });
    expect(resumed).toEqual(straight);
    expect(weights.resumed.equals(weights.straight)).toBe(true);
  }, 120_000);
});
