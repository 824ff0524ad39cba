/**
 * The PyTorch checkpoint holds everything a resumed run needs besides the model and the optimizer
 * (the weighting's state, the best epoch kept so far): stopped after some epochs and resumed with
 * `mtlc train --resume`, a run ends with the weights and the epochs of a run that was never stopped.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { describe, expect, it } from 'vitest';
import type { RunHistory } from '../../runtime/model/index.js';
import { modelText, setUp, trainPair } from './pair-model.js';
import { torchMissing } from './torch.js';

/** Trains at once into `straight`, and `first` epochs then the rest resumed into `resumed`. */
async function straightAndResumed(model: string, first: number) {
  const dir = setUp(model);
  await trainPair(dir, 'straight', ['--engine', 'pytorch', '--quiet']);
  await trainPair(dir, 'resumed', ['--engine', 'pytorch', '--epochs', String(first), '--quiet']);
  await trainPair(dir, 'resumed', ['--engine', 'pytorch', '--resume', '--quiet']);
  const history = (run: string) => JSON.parse(fs.readFileSync(path.join(dir, run, 'history.json'), 'utf8')) as RunHistory;
  const weights = (run: string) => fs.readFileSync(path.join(dir, run, 'weights.bin'));
  const epochs = (run: string) => history(run).epochs.map((e) => [e.epoch, e.loss, e.lambda]);
  return {
    straight: { epochs: epochs('straight'), bestEpoch: history('straight').bestEpoch, stopped: history('straight').stopped },
    resumed: { epochs: epochs('resumed'), bestEpoch: history('resumed').bestEpoch, stopped: history('resumed').stopped },
    sameWeights: weights('resumed').equals(weights('straight')),
  };
}

describe.skipIf(torchMissing() !== undefined)('mtlc train --engine pytorch --resume', () => {
  for (const weighting of ['uncertainty', 'dwa(temperature: 2.0)', 'gradnorm(alpha: 1.5)']) {
    it(`goes on as if never stopped (weighting ${weighting}: its state is in the checkpoint)`, async () => {
      const { straight, resumed, sameWeights } = await straightAndResumed(modelText(weighting), 1);
      expect(resumed).toEqual(straight);
      expect(sameWeights).toBe(true);
    }, 120_000);
  }

  it('goes on with the best epoch kept before the stop (early_stop: its state is in the checkpoint)', async () => {
    // Validation loss best at epoch 7, stopping after 9 (epochs.test.ts): resumed after epoch 8, it must remember epoch 7.
    const model = modelText('fixed', ', shuffle: false, epochs: 15, early_stop: 2').replace('adam(lr: 0.01)', 'adam(lr: 0.1)');
    const { straight, resumed, sameWeights } = await straightAndResumed(model.replace('epochs: 3, ', ''), 8);
    expect(straight).toMatchObject({ bestEpoch: 7, stopped: 'early' });
    expect(straight.epochs).toHaveLength(9);
    expect(resumed).toEqual(straight);
    expect(sameWeights).toBe(true);
  }, 120_000);
});
