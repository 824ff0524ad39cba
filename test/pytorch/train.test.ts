/**
 * `mtlc train --engine pytorch`: the saved directory predicts what PyTorch computes, and a machine
 * without torch gets one message. (One model however many workers, for every weighting method:
 * weighting.test.ts.)
 * Real processes throughout: the CLI spawns /usr/bin/python3, which spawns the workers.
 */
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { describe, expect, it } from 'vitest';
import { jsonLines, mtlc } from '../cli/model-run.js';
import { modelText, setUp as setUpPair } from './pair-model.js';
import { PYTHON, torchMissing } from './torch.js';

function setUp(weighting: string): string {
  return setUpPair(modelText(weighting));
}

const missing = torchMissing();

describe.skipIf(missing !== undefined)('mtlc train --engine pytorch', () => {
  it("writes a model directory whose predictions are PyTorch's own outputs to 1e-5", async () => {
    const dir = setUp('fixed');
    const model = modelText('fixed').replace('validation: 0.2', 'validation: 0');
    fs.writeFileSync(path.join(dir, 'pair.mtl'), model);
    expect(
      (await mtlc(['train', 'pair.mtl', '--data', 'pair.csv', '--engine', 'pytorch', '-o', 'run', '--quiet'], { cwd: dir })).code,
    ).toBe(0);
    expect(fs.readdirSync(path.join(dir, 'run')).sort()).toEqual([
      'checked.json',
      'history.json',
      'model.json',
      'mtl.json',
      'pytorch',
      'weights.bin',
    ]);
    const predicted = await mtlc(['predict', 'run', '--data', 'pair.csv', '--out', 'preds.jsonl'], { cwd: dir });
    expect(predicted.code).toBe(0);
    const rows = jsonLines<{ a: number; b: number | string }>(fs.readFileSync(path.join(dir, 'preds.jsonl'), 'utf8'));
    const torch = spawnSync(PYTHON, [path.join(__dirname, 'predict_rows.py'), path.join(dir, 'run', 'pytorch')], { encoding: 'utf8' });
    expect(torch.stderr).toBe('');
    const own = JSON.parse(torch.stdout) as { a: number[][] };
    expect(rows).toHaveLength(own.a.length);
    // The regress head trained on standardized targets; predict gives the data's units (mtl.json's standardize).
    const { mean, std } = JSON.parse(fs.readFileSync(path.join(dir, 'run', 'mtl.json'), 'utf8')).heads.a.standardize;
    const inUnits = own.a.map((r) => r[0]! * std[0] + mean[0]);
    const scale = Math.max(...inUnits.map(Math.abs));
    rows.forEach((row, k) => expect(Math.abs(row.a - inUnits[k]!) / scale).toBeLessThan(1e-5));
  }, 60_000);

  it('refuses a Python without torch with one message and the apt-get line, writing nothing', async () => {
    const dir = setUp('fixed');
    const run = await mtlc(
      ['train', 'pair.mtl', '--data', 'pair.csv', '--engine', 'pytorch', '--python', '/nonexistent/python3', '-o', 'run'],
      {
        cwd: dir,
      },
    );
    expect(run.code).toBe(2);
    expect(run.stderr).toMatch(
      /^mtlc: --engine pytorch needs Python 3 with PyTorch: cannot run \/nonexistent\/python3 .*; install it with: apt-get install -y python3-torch\n$/,
    );
    expect(fs.existsSync(path.join(dir, 'run'))).toBe(false);
  });
});
