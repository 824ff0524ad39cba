import * as fs from 'node:fs';
import * as path from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { setupBackend } from '../../runtime/backend/index.js';
import { mtlc, workspace } from './model-run.js';

beforeAll(async () => {
  await setupBackend('wasm');
});

describe('mtlc data pack', () => {
  it('packs the data of a model once, and train, eval and predict take the pack as they take the CSV', async () => {
    const dir = workspace(['examples/penguins.mtl', 'examples/data/penguins.csv']);
    const packed = await mtlc(['data', 'pack', 'examples/penguins.mtl'], { cwd: dir });
    expect(packed.code).toBe(0);
    expect(packed.stderr).toMatch(/^wrote examples\/data\/penguins\.mtlpack: 342 rows for Penguins, 0\.0 MB \(\d+\.\ds\)\n$/);

    const fromCsv = await mtlc(['train', 'examples/penguins.mtl', '--epochs', '2', '-o', 'csv-run', '--quiet'], { cwd: dir });
    const fromPack = await mtlc(
      ['train', 'examples/penguins.mtl', '--data', 'examples/data/penguins.mtlpack', '--epochs', '2', '-o', 'pack-run', '--quiet'],
      {
        cwd: dir,
      },
    );
    expect([fromCsv.code, fromPack.code]).toEqual([0, 0]);
    expect(fs.readFileSync(path.join(dir, 'pack-run/weights.bin')).equals(fs.readFileSync(path.join(dir, 'csv-run/weights.bin')))).toBe(
      true,
    );

    const evalPack = await mtlc(['eval', 'pack-run', '--data', 'examples/data/penguins.mtlpack', '--format', 'json'], { cwd: dir });
    const evalCsv = await mtlc(['eval', 'pack-run', '--data', 'examples/data/penguins.csv', '--format', 'json'], { cwd: dir });
    expect(JSON.parse(evalPack.stdout).heads).toEqual(JSON.parse(evalCsv.stdout).heads);
    const predictPack = await mtlc(['predict', 'pack-run', '--data', 'examples/data/penguins.mtlpack'], { cwd: dir });
    const predictCsv = await mtlc(['predict', 'pack-run', '--data', 'examples/data/penguins.csv'], { cwd: dir });
    expect(predictPack.stdout).toBe(predictCsv.stdout);
  });

  it('streams a pack larger than --memory from disk, and reads it whole otherwise', async () => {
    const dir = workspace(['examples/penguins.mtl', 'examples/data/penguins.csv']);
    expect((await mtlc(['data', 'pack', 'examples/penguins.mtl', '-o', 'p.mtlpack'], { cwd: dir })).code).toBe(0);
    const size = Math.round(fs.statSync(path.join(dir, 'p.mtlpack')).size / 1024);
    const streamed = await mtlc(['train', 'examples/penguins.mtl', '--data', 'p.mtlpack', '--memory', '8k', '--epochs', '2', '-o', 's'], {
      cwd: dir,
    });
    expect(streamed.code).toBe(0);
    expect(streamed.stderr).toContain(`streaming p.mtlpack from disk: ${size} KiB is more than --memory 8 KiB\n`);
    const whole = await mtlc(['train', 'examples/penguins.mtl', '--data', 'p.mtlpack', '--memory', '1g', '--epochs', '2', '-o', 'w'], {
      cwd: dir,
    });
    expect(whole.code).toBe(0);
    expect(whole.stderr).not.toContain('streaming');
    const bad = await mtlc(['train', 'examples/penguins.mtl', '--memory', 'lots'], { cwd: dir });
    expect([bad.code, bad.stderr]).toEqual([
      2,
      "mtlc: option '--memory <size>' argument 'lots' is invalid. expected a size such as 512m or 2g.\n(run \"mtlc --help\" for usage)\n",
    ]);
  });

  it('refuses to replace a pack without --force', async () => {
    const dir = workspace(['examples/penguins.mtl', 'examples/data/penguins.csv']);
    fs.writeFileSync(path.join(dir, 'mine.mtlpack'), 'keep me');
    const result = await mtlc(['data', 'pack', 'examples/penguins.mtl', '-o', 'mine.mtlpack'], { cwd: dir });
    expect([result.code, result.stderr]).toEqual([2, 'mtlc: "mine.mtlpack" exists: pass --force to replace it, or choose another -o\n']);
    expect(fs.readFileSync(path.join(dir, 'mine.mtlpack'), 'utf8')).toBe('keep me');
    expect((await mtlc(['data', 'pack', 'examples/penguins.mtl', '-o', 'mine.mtlpack', '--force'], { cwd: dir })).code).toBe(0);
  });
});
