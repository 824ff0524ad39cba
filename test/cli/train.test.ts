import * as fs from 'node:fs';
import * as path from 'node:path';
import { describe, expect, it } from 'vitest';
import * as tf from '@tensorflow/tfjs';
import { fileSystemHandler } from '../../runtime/model/io.js';
import { mtlc, workspace } from './model-run.js';

const PENGUINS = ['examples/penguins.mtl', 'examples/data/penguins.csv'];

// biome-ignore lint/suspicious/noExplicitAny: the tests read back whatever JSON a command wrote
function readJson(file: string): any {
  return JSON.parse(fs.readFileSync(file, 'utf8'));
}

describe('mtlc train', () => {
  it('trains the penguins example: the backend, a line per epoch, the metrics table, and where the model went', async () => {
    const dir = workspace(PENGUINS);
    const result = await mtlc(['train', 'examples/penguins.mtl', '--epochs', '3', '-o', 'out'], { cwd: dir });
    expect(result.code).toBe(0);
    const err = result.stderr.split('\n');
    expect(err.slice(0, 3)).toEqual([
      'backend: wasm',
      'data: examples/data/penguins.csv, 342 rows: 274 to train, 68 to validate',
      'training Penguins (3 heads, 837 parameters): 3 epochs of 9 batches, into out',
    ]);
    expect(err.slice(3, 6).map((line) => line.replace(/[\d.]+/g, 'N'))).toEqual(
      [1, 2, 3].map(() => 'epoch N/N  loss N  species N  sex N  mass N  val N  Ns'),
    );
    expect(result.stdout).toMatch(/^\nPenguins after 3 epochs:\n\nhead +task +metric +train +validation\n/);
    expect(result.stdout).toMatch(/^species +classify\(3\) +loss +[\d.]+ +[\d.]+$/m);
    expect(result.stdout).toMatch(/^ +accuracy +[\d.]+ +[\d.]+$/m);
    expect(result.stdout).toMatch(/^sex +binary\(\) +loss/m);
    expect(result.stdout).toMatch(/^ +labelled rows +270 +63$/m);
    expect(result.stdout).toMatch(/^mass +regress\(1\) +loss/m);
    expect(result.stdout).toMatch(/\nsaved to out \([\d.]+s\)\n$/);
    expect(fs.readdirSync(path.join(dir, 'out')).sort()).toEqual([
      'checked.json',
      'checkpoint',
      'history.json',
      'model.json',
      'mtl.json',
      'weights.bin',
    ]);
  });

  it('saves every epoch in history.json: loss, loss per task, λ per head, validation metrics', async () => {
    const dir = workspace(PENGUINS);
    expect((await mtlc(['train', 'examples/penguins.mtl', '--epochs', '2', '-o', 'out', '--quiet'], { cwd: dir })).code).toBe(0);
    const history = readJson(path.join(dir, 'out', 'history.json'));
    expect(history).toMatchObject({
      format: 'mtl-history',
      version: 1,
      model: 'Penguins',
      backend: 'wasm',
      data: { train: path.join(dir, 'examples/data/penguins.csv') },
    });
    expect(history.epochs.map((e: { epoch: number }) => e.epoch)).toEqual([1, 2]);
    for (const epoch of history.epochs) {
      expect(Object.keys(epoch.taskLoss)).toEqual(['species', 'sex', 'mass']);
      expect(epoch.lambda).toEqual({ species: 1, sex: 1, mass: 1 });
      expect(epoch.loss).toBeCloseTo(epoch.taskLoss.species + epoch.taskLoss.sex + epoch.taskLoss.mass, 6);
      expect(Object.keys(epoch.val.metrics)).toEqual(['species', 'sex', 'mass']);
      expect(Object.keys(epoch.val.metrics.species)).toEqual(['accuracy', 'f1']);
      expect(Object.keys(epoch.val.metrics.mass)).toEqual(['mae', 'r2']);
    }
  });

  it('prints only the metrics and where the model went with --quiet', async () => {
    const dir = workspace(PENGUINS);
    const result = await mtlc(['train', 'examples/penguins.mtl', '--epochs', '1', '-o', 'out', '--quiet'], { cwd: dir });
    expect(result.stderr).toBe('');
    expect(result.stdout).toContain('saved to out');
  });

  it('draws a progress bar with an ETA when stderr is a terminal', async () => {
    const dir = workspace(PENGUINS);
    const result = await mtlc(['train', 'examples/penguins.mtl', '--epochs', '2', '-o', 'out'], { cwd: dir, stderrIsTTY: true });
    expect(result.code).toBe(0);
    expect(result.stderr).toMatch(/\repoch 1\/2 ━+─* +\d\/9 +ETA \d+s/);
    // From the second epoch on, the bar shows the last epoch's losses.
    expect(result.stderr).toMatch(/\repoch 2\/2 .*ETA \d+s +loss [\d.]+ +species [\d.]+ +sex [\d.]+ +mass [\d.]+/);
    // biome-ignore lint/suspicious/noControlCharactersInRegex: the progress bar clears its line with ESC [K
    expect(result.stderr).toMatch(/\r\x1b\[Kepoch 2\/2 {2}loss/);
  });

  it('writes to runs/<name>, then runs/<name>-2, never over an earlier run', async () => {
    const dir = workspace(PENGUINS);
    const first = await mtlc(['train', 'examples/penguins.mtl', '--epochs', '1', '--quiet'], { cwd: dir });
    expect(first.stdout).toMatch(/saved to runs\/penguins \(/);
    const weights = fs.readFileSync(path.join(dir, 'runs/penguins/weights.bin'));
    const second = await mtlc(['train', 'examples/penguins.mtl', '--epochs', '1', '--quiet'], { cwd: dir });
    expect(second.stdout).toMatch(/saved to runs\/penguins-2 \(/);
    expect(fs.readFileSync(path.join(dir, 'runs/penguins/weights.bin'))).toEqual(weights);
  });

  it('refuses an -o that holds a model, unless --force', async () => {
    const dir = workspace(PENGUINS);
    expect((await mtlc(['train', 'examples/penguins.mtl', '--epochs', '1', '-o', 'out', '--quiet'], { cwd: dir })).code).toBe(0);
    const weights = fs.readFileSync(path.join(dir, 'out/weights.bin'));
    expect(await mtlc(['train', 'examples/penguins.mtl', '--epochs', '1', '-o', 'out'], { cwd: dir })).toMatchObject({
      code: 2,
      stdout: '',
      stderr: 'mtlc: "out" already holds a model: pass --force to replace it, --resume to continue its training, or choose another -o\n',
    });
    expect(fs.readFileSync(path.join(dir, 'out/weights.bin'))).toEqual(weights);
    const forced = await mtlc(['train', 'examples/penguins.mtl', '--epochs', '2', '-o', 'out', '--force', '--quiet'], { cwd: dir });
    expect(forced.code).toBe(0);
    expect(readJson(path.join(dir, 'out/history.json')).epochs).toHaveLength(2);
  });

  it('stops after the current batch on Ctrl-C, saves, and --resume ends where an uninterrupted run ends', async () => {
    const dir = workspace(PENGUINS);
    const straight = await mtlc(['train', 'examples/penguins.mtl', '--epochs', '4', '-o', 'straight', '--quiet'], { cwd: dir });
    expect(straight.code).toBe(0);

    const cut = await mtlc(['train', 'examples/penguins.mtl', '--epochs', '4', '-o', 'cut'], {
      cwd: dir,
      interruptWhen: (err) => err.includes('epoch 2/4'),
    });
    expect(cut.interrupted).toBe(true);
    expect(cut.code).toBe(130);
    expect(cut.stderr).toContain('interrupted: stopping after this batch and saving (Ctrl-C again quits at once)\n');
    expect(cut.stderr).toMatch(/epoch 3\/4 .*\(interrupted\)\n/);
    expect(cut.stdout).toContain('\nPenguins, interrupted in epoch 3:\n');
    expect(cut.stdout).toContain(
      'interrupted in epoch 3: saved the model as it stands; its checkpoint holds epoch 2: continue with mtlc train examples/penguins.mtl -o cut --resume\n',
    );
    const cutHistory = readJson(path.join(dir, 'cut/history.json'));
    expect(cutHistory.stopped).toBe('interrupted');
    expect(cutHistory.epochs.map((e: { epoch: number; partial?: boolean }) => [e.epoch, e.partial ?? false])).toEqual([
      [1, false],
      [2, false],
      [3, true],
    ]);
    // The checkpoint is a model directory of its own: TensorFlow.js and mtlc predict load it.
    const checkpoint = path.join(dir, 'cut/checkpoint');
    expect(readJson(path.join(checkpoint, 'state.json')).epoch).toBe(2);
    const loaded = await tf.loadLayersModel(fileSystemHandler(checkpoint));
    expect(loaded.outputNames).toEqual(['species', 'sex', 'mass']);
    loaded.dispose();
    expect((await mtlc(['predict', 'cut/checkpoint', '--data', 'examples/data/penguins.csv'], { cwd: dir })).code).toBe(0);

    const resumed = await mtlc(['train', 'examples/penguins.mtl', '-o', 'cut', '--epochs', '4', '--resume'], { cwd: dir });
    expect(resumed.code).toBe(0);
    expect(resumed.stderr).toContain(
      'training Penguins (3 heads, 837 parameters): epochs 3–4 (resuming after epoch 2) of 9 batches, into cut\n',
    );
    expect(resumed.stderr.match(/^epoch +\d+\/4/gm)).toEqual(['epoch 3/4', 'epoch 4/4']);
    const history = readJson(path.join(dir, 'cut/history.json'));
    expect(history.epochs.map((e: { epoch: number; partial?: boolean }) => [e.epoch, e.partial ?? false])).toEqual([
      [1, false],
      [2, false],
      [3, false],
      [4, false],
    ]);
    expect(history.stopped).toBeUndefined();
    // Weights, Adam's moments and the batch order are restored: the same weights, to the bit.
    expect(fs.readFileSync(path.join(dir, 'cut/weights.bin'))).toEqual(fs.readFileSync(path.join(dir, 'straight/weights.bin')));
    expect(history.epochs).toEqual(readJson(path.join(dir, 'straight/history.json')).epochs);
  });

  it('resumes the latest run of the file without -o, and says when there is nothing left to train', async () => {
    const dir = workspace(PENGUINS);
    await mtlc(['train', 'examples/penguins.mtl', '--epochs', '1', '--quiet'], { cwd: dir });
    await mtlc(['train', 'examples/penguins.mtl', '--epochs', '1', '--quiet'], { cwd: dir });
    const resumed = await mtlc(['train', 'examples/penguins.mtl', '--epochs', '2', '--resume', '--quiet'], { cwd: dir });
    expect(resumed.stdout).toMatch(/saved to runs\/penguins-2 \(/);
    expect(readJson(path.join(dir, 'runs/penguins-2/history.json')).epochs).toHaveLength(2);
    expect(readJson(path.join(dir, 'runs/penguins/history.json')).epochs).toHaveLength(1);
    expect(await mtlc(['train', 'examples/penguins.mtl', '--epochs', '2', '--resume'], { cwd: dir })).toMatchObject({
      code: 2,
      stderr: 'mtlc: "runs/penguins-2" has trained 2 of 2 epochs already: pass --epochs with more than 2 to train further\n',
    });
    expect(await mtlc(['train', 'examples/penguins.mtl', '-o', 'nothing', '--resume'], { cwd: dir })).toMatchObject({
      code: 2,
      stderr: 'mtlc: "nothing" has no checkpoint to resume from (one is written at the end of every complete epoch)\n',
    });
  });

  it('lists bad data with file, line and column, trains nothing, and exits 1', async () => {
    const dir = workspace(PENGUINS);
    const lines = fs.readFileSync(path.join(dir, 'examples/data/penguins.csv'), 'utf8').split('\n');
    lines[2] = lines[2]!.replace('39.5', 'abc');
    lines[5] = lines[5]!.replace('Torgersen', 'Atlantis');
    fs.writeFileSync(path.join(dir, 'bad.csv'), lines.join('\n'));
    const result = await mtlc(['train', 'examples/penguins.mtl', '--data', 'bad.csv', '-o', 'out'], { cwd: dir });
    expect(result.code).toBe(1);
    expect(result.stdout).toBe('');
    expect(result.stderr).toBe(
      [
        'backend: wasm',
        'mtlc: 2 problems in the data:',
        '  bad.csv:3: column "beak_length_mm": "abc" is not a number',
        '  bad.csv:6: column "island": "Atlantis" is not one of "Biscoe", "Dream", "Torgersen": add it to the category[...] list of the input, or fix the cell',
        '',
      ].join('\n'),
    );
    expect(fs.existsSync(path.join(dir, 'out'))).toBe(false);
  });

  it('skips bad rows with --skip-bad-rows, and says how many and why', async () => {
    const dir = workspace(PENGUINS);
    const lines = fs.readFileSync(path.join(dir, 'examples/data/penguins.csv'), 'utf8').split('\n');
    lines[2] = lines[2]!.replace('39.5', 'abc');
    fs.writeFileSync(path.join(dir, 'bad.csv'), lines.join('\n'));
    const result = await mtlc(['train', 'examples/penguins.mtl', '--data', 'bad.csv', '-o', 'out', '--epochs', '1', '--skip-bad-rows'], {
      cwd: dir,
    });
    expect(result.code).toBe(0);
    expect(result.stderr).toContain(
      'warning: skipped 1 bad row of bad.csv (--skip-bad-rows):\n  bad.csv:3: column "beak_length_mm": "abc" is not a number\n',
    );
    expect(result.stderr).toContain('data: bad.csv, 341 rows: ');
  });

  it('refuses to skip more than 10% of the rows without --max-bad-rows, and says what it skipped by reason', async () => {
    const dir = workspace(PENGUINS);
    const lines = fs.readFileSync(path.join(dir, 'examples/data/penguins.csv'), 'utf8').split('\n');
    // 40 of 342 rows (11.7%): 39 on an island the model does not know, one with a broken number.
    const setCell = (line: number, column: number, value: string) => {
      const cells = lines[line]!.split(',');
      cells[column] = value;
      lines[line] = cells.join(',');
    };
    for (let i = 1; i <= 39; i++) setCell(i, 1, 'Atlantis');
    setCell(40, 2, 'x40');
    fs.writeFileSync(path.join(dir, 'bad.csv'), lines.join('\n'));
    const args = ['train', 'examples/penguins.mtl', '--data', 'bad.csv', '--epochs', '1', '--skip-bad-rows', '--quiet'];
    const skipped = [
      'warning: skipped 40 bad rows of bad.csv (--skip-bad-rows):',
      '  bad.csv: column "island": "Atlantis" is not one of "Biscoe", "Dream", "Torgersen" in 39 rows (lines 2, 3, 4, …): add it to the category[...] list of the input, or fix the cell',
    ].join('\n');
    const refused = await mtlc([...args, '-o', 'refused'], { cwd: dir });
    expect(refused.code).toBe(1);
    expect(refused.stderr).toContain(`${skipped}\n`);
    expect(refused.stderr).toContain(
      'mtlc: --skip-bad-rows would leave out 40 of 342 rows (11.7%), more than 10%: fix the data, or allow it with --max-bad-rows 12%\n',
    );
    expect(fs.existsSync(path.join(dir, 'refused'))).toBe(false);
    const allowed = await mtlc([...args, '--max-bad-rows', '12%', '-o', 'allowed'], { cwd: dir });
    expect(allowed.code).toBe(0);
    expect(allowed.stderr).toContain(`${skipped}\n  bad.csv:41: column "beak_length_mm": "x40" is not a number\n`);
  });

  it('warns that select has no validation data, unless --validation gives it', async () => {
    const dir = workspace(PENGUINS);
    const source = fs.readFileSync(path.join(dir, 'examples/penguins.mtl'), 'utf8');
    fs.writeFileSync(path.join(dir, 'examples/select.mtl'), source.replace('validation: 0.2', 'select: "species.f1"'));
    const args = ['train', 'examples/select.mtl', '--epochs', '1', '--quiet'];
    const without = await mtlc([...args, '-o', 'without'], { cwd: dir });
    expect(without.code).toBe(0);
    expect(without.stderr).toContain(
      'warning[MTL0904]: "select" has no validation data to watch: nothing will be selected, and the model keeps its last epoch\n',
    );
    const given = await mtlc([...args, '--validation', 'examples/data/penguins.csv', '-o', 'given'], { cwd: dir });
    expect(given).toMatchObject({ code: 0, stderr: '' });
  });

  it('says how to give data to a model that names none', async () => {
    const dir = workspace();
    fs.writeFileSync(path.join(dir, 'bare.mtl'), 'model Bare {\n  input x: float[3]\n  head y = x -> regress(1)\n}\n');
    expect(await mtlc(['train', 'bare.mtl'], { cwd: dir })).toMatchObject({
      code: 2,
      stdout: '',
      stderr:
        'mtlc: model "Bare" in "bare.mtl" names no training data: pass --data FILE (CSV, JSONL or Parquet), or add data { train: "…" } to the model\n',
    });
  });

  it('shows the diagnostics of a file with errors as mtlc check does, and exits 1; an unreadable file exits 2', async () => {
    const dir = workspace();
    fs.writeFileSync(path.join(dir, 'bad.mtl'), 'model M {\n  input x: float[4]\n  head h = x -> dense(4, relu) -> clasify(3)\n}\n');
    const bad = await mtlc(['train', 'bad.mtl'], { cwd: dir });
    const checked = await mtlc(['check', 'bad.mtl'], { cwd: dir });
    expect(bad.code).toBe(1);
    expect(bad.stdout).toBe('');
    expect(bad.stderr).toBe(checked.stdout);
    expect(await mtlc(['train', 'missing.mtl'], { cwd: dir })).toMatchObject({
      code: 2,
      stderr: 'mtlc: cannot read "missing.mtl": no such file\n',
    });
  });
});
