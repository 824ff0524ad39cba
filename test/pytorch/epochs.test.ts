/**
 * What the PyTorch engine reports and keeps at the end of each epoch, against the TensorFlow.js
 * engine on the same data and initial weights (unshuffled batches, since the engines shuffle
 * differently): each task's validation metrics in history.json, the epoch `train { early_stop }`
 * stops at and the epoch it keeps, and the epoch `train { select }` keeps.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { describe, expect, it } from 'vitest';
import type { RunHistory } from '../../runtime/model/index.js';
import { mtlc } from '../cli/model-run.js';
import { gappyCsv, modelText, setUp } from './pair-model.js';
import { torchMissing } from './torch.js';

/** Trains `pair.mtl` on both engines (PyTorch on 2 workers); their histories and what each printed on stdout. */
async function bothEngines(dir: string): Promise<{ tfjs: RunHistory; torch: RunHistory; stdout: { tfjs: string; torch: string } }> {
  const stdout = { tfjs: '', torch: '' };
  for (const [engine, extra] of [
    ['tfjs', []],
    ['torch', ['--workers', '2']],
  ] as const) {
    const run = await mtlc(
      ['train', 'pair.mtl', '--data', 'pair.csv', '--engine', engine === 'torch' ? 'pytorch' : 'tfjs', ...extra, '-o', engine],
      { cwd: dir },
    );
    expect(run.code, run.stderr).toBe(0);
    stdout[engine] = run.stdout;
  }
  const read = (run: string) => JSON.parse(fs.readFileSync(path.join(dir, run, 'history.json'), 'utf8')) as RunHistory;
  return { tfjs: read('tfjs'), torch: read('torch'), stdout };
}

/** The validation loss of the saved model, as the metrics table after training prints it. */
function savedValidationLoss(stdout: string): string {
  return /total\s+loss \(Σ λ·loss\)\s+\S+\s+(\S+)/.exec(stdout)?.[1] ?? `no total in ${stdout}`;
}

/** The pair model with a classify head c (x_0 low, mid or high; missing every fifth row) and every metric of each kind. */
function metricsSetUp(): string {
  const model = modelText('fixed', ', shuffle: false')
    .replace('regress(1)', 'regress(1) { metrics: [mae, rmse, mse, r2] }')
    .replace('binary()', 'binary() { metrics: [accuracy, auc, precision, recall, f1] }')
    .replace('  weights {', '  head c = shared -> classify(3) { metrics: [accuracy, auc, precision, recall, f1] }\n  weights {');
  const dir = setUp(model);
  const rows = gappyCsv(90)
    .trimEnd()
    .split('\n')
    .map((line, k) => {
      if (k === 0) return `${line},c`;
      const x0 = Number(line.split(',')[0]);
      return `${line},${k % 5 === 2 ? '' : x0 < -0.33 ? 'low' : x0 < 0.33 ? 'mid' : 'high'}`;
    });
  fs.writeFileSync(path.join(dir, 'pair.csv'), `${rows.join('\n')}\n`);
  return dir;
}

describe.skipIf(torchMissing() !== undefined)('epochs on --engine pytorch as on --engine tfjs', () => {
  it('reports the validation metrics the TensorFlow.js engine reports, each epoch, in the data units', async () => {
    const { tfjs, torch } = await bothEngines(metricsSetUp());
    expect(torch.epochs).toHaveLength(3);
    torch.epochs.forEach((epoch, k) => {
      const theirs = tfjs.epochs[k]!.val!.metrics;
      // Same names, in the same order.
      expect(JSON.stringify(Object.entries(epoch.val!.metrics).map(([h, m]) => [h, Object.keys(m)]))).toBe(
        JSON.stringify(Object.entries(theirs).map(([h, m]) => [h, Object.keys(m)])),
      );
      // The predictions agree to about 1e-5 (same-function.test.ts, and weighting.test.ts over epochs):
      // errors in the data's units agree to that, and counts (accuracy, AUC's ranks…) are the same counts.
      for (const [head, metrics] of Object.entries(theirs))
        for (const [metric, value] of Object.entries(metrics))
          expect(Math.abs(epoch.val!.metrics[head]![metric]! - value), `${head}.${metric}, epoch ${k + 1}`).toBeLessThan(1e-4);
    });
    // The regress head's metrics are in the data's units, not the standardized ones it trains on.
    expect(torch.epochs[0]!.val!.metrics.a!.mae).not.toBeCloseTo(torch.epochs[0]!.val!.taskLoss.a!, 2);
  }, 120_000);

  it('stops early at the epoch the TensorFlow.js engine stops at, and keeps the same epoch', async () => {
    // A learning rate that makes the validation loss jump about: it stops after epoch 9 and keeps epoch 7.
    const model = modelText('fixed', ', shuffle: false, epochs: 15, early_stop: 2').replace('adam(lr: 0.01)', 'adam(lr: 0.1)');
    const { tfjs, torch, stdout } = await bothEngines(setUp(model.replace('epochs: 3, ', '')));
    expect(tfjs.stopped).toBe('early');
    expect(tfjs.epochs.length).toBeLessThan(15);
    expect(tfjs.bestEpoch).toBeLessThan(tfjs.epochs.length);
    expect({ epochs: torch.epochs.length, bestEpoch: torch.bestEpoch, stopped: torch.stopped }).toEqual({
      epochs: tfjs.epochs.length,
      bestEpoch: tfjs.bestEpoch,
      stopped: 'early',
    });
    // The saved model holds the kept epoch's weights: its validation loss is that epoch's.
    const kept = torch.epochs[torch.bestEpoch! - 1]!.val!.loss;
    expect(savedValidationLoss(stdout.torch)).toBe(kept.toFixed(4));
    expect(stdout.torch).toContain(
      `stopped early after epoch ${tfjs.epochs.length}: no improvement for 2 epochs; the model keeps the weights of epoch ${tfjs.bestEpoch}\n`,
    );
  }, 120_000);

  it('keeps the epoch train { select } picks, as the TensorFlow.js engine does', async () => {
    const model = modelText('fixed', ', shuffle: false, epochs: 8, select: "a.mae"').replace('adam(lr: 0.01)', 'adam(lr: 0.1)');
    const { tfjs, torch, stdout } = await bothEngines(setUp(model.replace('epochs: 3, ', '')));
    expect(tfjs.bestEpoch).toBeLessThan(8);
    expect({ epochs: torch.epochs.length, bestEpoch: torch.bestEpoch, stopped: torch.stopped }).toEqual({
      epochs: 8,
      bestEpoch: tfjs.bestEpoch,
      stopped: undefined,
    });
    expect(savedValidationLoss(stdout.torch)).toBe(torch.epochs[torch.bestEpoch! - 1]!.val!.loss.toFixed(4));
    expect(stdout.torch).toContain(`Pair after 8 epochs, with the weights of epoch ${tfjs.bestEpoch}:`);
  }, 120_000);
});
