import * as fs from 'node:fs';
import * as path from 'node:path';
import { describe, expect, it } from 'vitest';
import * as tf from '@tensorflow/tfjs';
import { compile } from '../../compiler/compile.js';
import type { CheckedModel } from '../../compiler/ir.js';
import { fileSystemHandler } from '../../runtime/model/io.js';
import { lowerModel } from '../../runtime/model/lower.js';
import { mtlc, workspace } from './model-run.js';
import { root } from './run.js';

function checkedExample(name: string): CheckedModel {
  const file = path.join(root, 'examples', `${name}.mtl`);
  return compile(file, fs.readFileSync(file, 'utf8')).models[0]!;
}

/** Each output of `model` on a fixed pseudo-random batch of `rows` inputs. */
async function outputs(model: tf.LayersModel, rows = 3): Promise<number[][]> {
  const xs = model.inputs.map((input, i) => {
    const shape = [rows, ...(input.shape.slice(1) as number[])];
    const size = shape.reduce((a, b) => a * b, 1);
    return tf.tensor(
      Float32Array.from({ length: size }, (_, k) => Math.sin(k * 0.7 + i)),
      shape,
    );
  });
  const out = model.predict(xs.length === 1 ? xs[0]! : xs) as tf.Tensor | tf.Tensor[];
  const list = Array.isArray(out) ? out : [out];
  const values = await Promise.all(list.map(async (t) => Array.from(await t.data())));
  tf.dispose([...xs, ...list]);
  return values;
}

describe('mtlc build', () => {
  it('writes the untrained model, which loads with tf.loadLayersModel and predicts as the in-memory model', async () => {
    const dir = workspace();
    const result = await mtlc(['build', path.join(root, 'examples/census-mmoe.mtl'), '-o', 'census'], { cwd: dir });
    expect(result).toMatchObject({ code: 0, stderr: '' });
    expect(result.stdout).toBe('wrote census: Census, 11,632 parameters, untrained (model.json, weights.bin, mtl.json, checked.json)\n');
    expect(fs.readdirSync(path.join(dir, 'census')).sort()).toEqual(['checked.json', 'model.json', 'mtl.json', 'weights.bin']);
    const loaded = await tf.loadLayersModel(fileSystemHandler(path.join(dir, 'census')));
    const inMemory = lowerModel(checkedExample('census-mmoe'));
    expect(loaded.outputNames).toEqual(['income', 'marital']);
    expect(loaded.countParams()).toBe(11632);
    expect(await outputs(loaded)).toEqual(await outputs(inMemory));
    const sidecar = JSON.parse(fs.readFileSync(path.join(dir, 'census', 'mtl.json'), 'utf8'));
    expect(sidecar.heads.income).toEqual({ label: 'income_gt_50k', task: 'binary' });
    loaded.dispose();
    inMemory.dispose();
  });

  it('writes build/<name> by default, and replaces an earlier build there', async () => {
    const dir = workspace(['examples/seed.mtl']);
    expect((await mtlc(['build', 'examples/seed.mtl'], { cwd: dir })).stdout).toMatch(/^wrote build\/seed: Seed, 7,439 parameters/);
    const again = await mtlc(['build', 'examples/seed.mtl'], { cwd: dir });
    expect(again.code).toBe(0);
    expect(fs.existsSync(path.join(dir, 'build', 'seed', 'model.json'))).toBe(true);
  });

  it('refuses to replace a trained model unless --force', async () => {
    const dir = workspace(['examples/penguins.mtl', 'examples/data/penguins.csv']);
    expect((await mtlc(['train', 'examples/penguins.mtl', '--epochs', '1', '-o', 'model', '--quiet'], { cwd: dir })).code).toBe(0);
    const before = fs.readFileSync(path.join(dir, 'model', 'weights.bin'));
    expect(await mtlc(['build', 'examples/penguins.mtl', '-o', 'model'], { cwd: dir })).toMatchObject({
      code: 2,
      stdout: '',
      stderr: 'mtlc: "model" holds a trained model: pass --force to replace it with an untrained one, or choose another -o\n',
    });
    expect(fs.readFileSync(path.join(dir, 'model', 'weights.bin'))).toEqual(before);
    expect((await mtlc(['build', 'examples/penguins.mtl', '-o', 'model', '--force'], { cwd: dir })).code).toBe(0);
    expect(fs.readdirSync(path.join(dir, 'model')).sort()).toEqual(['checked.json', 'model.json', 'mtl.json', 'weights.bin']);
  });

  it('prints a TypeScript module with --emit ts, and writes it with -o only over nothing or with --force', async () => {
    const dir = workspace(['examples/seed.mtl']);
    const printed = await mtlc(['build', 'examples/seed.mtl', '--emit', 'ts'], { cwd: dir });
    expect(printed.code).toBe(0);
    expect(printed.stdout).toContain('export function buildSeed(): tf.LayersModel {');
    expect(printed.stdout).toContain("tf.layers.dense({ name: 'shared/dense_1', units: 64, activation: 'relu' })");
    expect(await mtlc(['build', 'examples/seed.mtl', '--emit', 'ts', '-o', 'seed.ts'], { cwd: dir })).toMatchObject({
      code: 0,
      stdout: 'wrote seed.ts\n',
    });
    expect(fs.readFileSync(path.join(dir, 'seed.ts'), 'utf8')).toBe(printed.stdout);
    expect(await mtlc(['build', 'examples/seed.mtl', '--emit', 'ts', '-o', 'seed.ts'], { cwd: dir })).toMatchObject({
      code: 2,
      stderr: 'mtlc: "seed.ts" already exists: pass --force to replace it\n',
    });
    expect((await mtlc(['build', 'examples/seed.mtl', '--emit', 'ts', '-o', 'seed.ts', '--force'], { cwd: dir })).code).toBe(0);
  });
});
