/**
 * `mtlc train --engine pytorch`: a resumed run reaches the weights of an uninterrupted one, the
 * saved directory predicts what PyTorch computes, and a machine without torch gets one message.
 * (One model however many workers, for every weighting method: weighting.test.ts.)
 * Real processes throughout: the CLI spawns /usr/bin/python3, which spawns the workers.
 */
import { spawn, spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { describe, expect, it } from 'vitest';
import { readWeightsFiles } from '../../runtime/pytorch/index.js';
import { jsonLines, mtlc } from '../cli/model-run.js';
import { modelText, setUp as setUpPair, weightDifferences } from './pair-model.js';
import { PYTHON, torchMissing } from './torch.js';

function setUp(weighting: string): string {
  return setUpPair(modelText(weighting));
}

const missing = torchMissing();
const readJson = (file: string) => JSON.parse(fs.readFileSync(file, 'utf8'));

/**
 * `mtlc predict` on the model directory `run` gives, for the regress head `a`, the outputs of the
 * PyTorch model itself (predict_rows.py) on the rows it trained on, to 1e-5.
 */
async function expectPyTorchsPredictions(dir: string): Promise<void> {
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
}

describe.skipIf(missing !== undefined)('mtlc train --engine pytorch', () => {
  it('resumes from the checkpoint of epoch 1 to the weights of an uninterrupted run (dropout, dwa, 2 workers)', async () => {
    const dir = setUp('dwa(temperature: 2.0)');
    const model = modelText('dwa(temperature: 2.0)').replace('dense(8, relu)', 'dense(8, relu) -> dropout(0.3)');
    fs.writeFileSync(path.join(dir, 'pair.mtl'), model);
    const train = (args: string[]) =>
      mtlc(['train', 'pair.mtl', '--data', 'pair.csv', '--engine', 'pytorch', '--workers', '2', ...args], { cwd: dir });
    expect((await train(['-o', 'through', '--quiet'])).code).toBe(0);
    expect((await train(['-o', 'resumed', '--epochs', '1', '--quiet'])).code).toBe(0);
    expect(readJson(path.join(dir, 'resumed/checkpoint/state.json'))).toMatchObject({ epoch: 1, engine: 'pytorch' });
    const resumed = await train(['-o', 'resumed', '--resume']);
    expect(resumed.stderr).toContain('epochs 2–3 (resuming after epoch 1)');
    expect(resumed.code).toBe(0);
    for (const [array, difference] of await weightDifferences(dir, 'through', 'resumed')) expect(difference, array).toBeLessThan(1e-6);
    // The saved models are the same too, and the history keeps epoch 1 of the first run.
    expect(fs.readFileSync(path.join(dir, 'resumed/weights.bin')).equals(fs.readFileSync(path.join(dir, 'through/weights.bin')))).toBe(
      true,
    );
    const epochs = (run: string) =>
      readJson(path.join(dir, run, 'history.json')).epochs.map((e: { epoch: number; loss: number }) => [e.epoch, e.loss]);
    expect(epochs('resumed')).toEqual(epochs('through'));
    expect(readJson(path.join(dir, 'resumed/checkpoint/state.json')).epoch).toBe(3);
  }, 180_000);

  it('resumes a checkpoint only on the engine that wrote it, saying which one it needs', async () => {
    const dir = setUp('fixed');
    const train = (args: string[]) => mtlc(['train', 'pair.mtl', '--data', 'pair.csv', '--epochs', '1', ...args], { cwd: dir });
    expect((await train(['-o', 'tfjs', '--quiet'])).code).toBe(0);
    expect((await train(['-o', 'torch', '--quiet', '--engine', 'pytorch'])).code).toBe(0);
    const onTorch = await train(['-o', 'tfjs', '--epochs', '2', '--engine', 'pytorch', '--resume']);
    expect(onTorch.code).toBe(2);
    expect(onTorch.stderr).toBe('mtlc: the checkpoint in "tfjs" is of a run on TensorFlow.js: resume it with --engine tfjs\n');
    const onTfjs = await train(['-o', 'torch', '--epochs', '2', '--resume']);
    expect(onTfjs.code).toBe(2);
    expect(onTfjs.stderr).toBe('mtlc: the checkpoint in "torch" is of a run on PyTorch: resume it with --engine pytorch\n');
  }, 60_000);

  it('runs its train.py by hand as torchrun would start it (RANK, WORLD_SIZE, MASTER_*), to the weights mtlc gets', async () => {
    const dir = setUp('uncertainty');
    const run = await mtlc(['train', 'pair.mtl', '--data', 'pair.csv', '--engine', 'pytorch', '--workers', '2', '-o', 'run', '--quiet'], {
      cwd: dir,
    });
    expect(run.code).toBe(0);
    // The command line of docs/scale.md, one process per rank.
    const pkg = 'run/pytorch';
    const args = [`${pkg}/train.py`, '--data', `${pkg}/data.mtlpack`, '--validation-rows', `${pkg}/validation-rows.json`];
    const port = String(20000 + (process.pid % 20000));
    const ranks = ['0', '1'].map((rank) =>
      spawn(PYTHON, [...args, '--weights', `${pkg}/initial`, '--out', 'out'], {
        cwd: dir,
        env: { ...process.env, RANK: rank, LOCAL_RANK: rank, WORLD_SIZE: '2', MASTER_ADDR: '127.0.0.1', MASTER_PORT: port },
        stdio: 'ignore',
      }),
    );
    const codes = await Promise.all(ranks.map((p) => new Promise((resolve) => p.on('close', resolve))));
    expect(codes).toEqual([0, 0]);
    expect(fs.readdirSync(path.join(dir, 'out')).sort()).toEqual(['epoch-3', 'weights.bin', 'weights.json']);
    const byHand = await readWeightsFiles(path.join(dir, 'out/weights.json'), path.join(dir, 'out/weights.bin'));
    const mtlcs = await readWeightsFiles(path.join(dir, `${pkg}/weights.json`), path.join(dir, `${pkg}/weights.bin`));
    for (const [layer, arrays] of Object.entries(mtlcs)) {
      arrays.forEach((a, i) => expect(Array.from(byHand[layer]![i]!.values), `${layer}[${i}]`).toEqual(Array.from(a.values)));
    }
  }, 120_000);

  it("writes a model directory whose predictions are PyTorch's own outputs to 1e-5", async () => {
    const dir = setUp('fixed');
    const model = modelText('fixed').replace('validation: 0.2', 'validation: 0');
    fs.writeFileSync(path.join(dir, 'pair.mtl'), model);
    expect(
      (await mtlc(['train', 'pair.mtl', '--data', 'pair.csv', '--engine', 'pytorch', '-o', 'run', '--quiet'], { cwd: dir })).code,
    ).toBe(0);
    expect(fs.readdirSync(path.join(dir, 'run')).sort()).toEqual([
      'checked.json',
      'checkpoint',
      'history.json',
      'model.json',
      'mtl.json',
      'pytorch',
      'weights.bin',
    ]);
    await expectPyTorchsPredictions(dir);
  }, 60_000);

  it('trains a gated model with missing labels and adaptive weighting on 2 workers, and predict agrees with PyTorch', async () => {
    // The "done when": an MMoE gate, gaps in both labels, GradNorm, two workers.
    const dir = setUp('fixed');
    const model = modelText('gradnorm(alpha: 1.5)')
      .replace('trunk shared = x -> dense(8, relu)', 'gate shared = mmoe(x, experts: 3, expert: dense(8, relu))')
      .replace('validation: 0.2', 'validation: 0');
    expect(model).toContain('gate shared = mmoe(');
    fs.writeFileSync(path.join(dir, 'pair.mtl'), model);
    const run = await mtlc(['train', 'pair.mtl', '--data', 'pair.csv', '--engine', 'pytorch', '--workers', '2', '-o', 'run'], { cwd: dir });
    expect(run.code, run.stderr).toBe(0);
    expect(run.stderr).toContain('epoch 3/3');
    await expectPyTorchsPredictions(dir);
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
