import { mkdir, mkdtemp, readdir, readFile, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import * as tf from '@tensorflow/tfjs';
import { setupBackend } from '../../runtime/backend/index.js';
import { writeFileAtomic } from '../../runtime/files/index.js';
import {
  buildSidecar,
  fileSystemHandler,
  modelDirOf,
  readSidecar,
  registerFileSystemRouter,
  writeSidecar,
} from '../../runtime/model/io.js';
import { penguinModel } from './fixture.js';

let dir: string;

beforeAll(async () => {
  await setupBackend('wasm');
  dir = await mkdtemp(path.join(tmpdir(), 'mtl-io-'));
});

afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

function smallModel(): tf.LayersModel {
  const input = tf.input({ shape: [4] });
  const hidden = tf.layers.dense({ units: 8, activation: 'relu' }).apply(input) as tf.SymbolicTensor;
  const a = tf.layers.dense({ units: 3, activation: 'softmax', name: 'species' }).apply(hidden) as tf.SymbolicTensor;
  const b = tf.layers.dense({ units: 1, activation: 'sigmoid', name: 'sex' }).apply(hidden) as tf.SymbolicTensor;
  return tf.model({ inputs: input, outputs: [a, b] });
}

async function predictions(model: tf.LayersModel): Promise<number[][]> {
  const x = tf.tensor2d([
    [0.1, -0.2, 0.3, 0.4],
    [1, 2, 3, 4],
  ]);
  const out = model.predict(x) as tf.Tensor[];
  const values = await Promise.all(out.map(async (t) => Array.from(await t.data())));
  tf.dispose([x, ...out]);
  return values;
}

describe('the file:// IOHandler', () => {
  it('is registered once, and only when no other file:// router exists', () => {
    expect(registerFileSystemRouter()).toBe(false); // setupBackend already registered it
    expect(tf.io.getSaveHandlers('file:///tmp/x')).toHaveLength(1);
  });

  it('saves model.json and weights.bin and loads back a model with identical predictions', async () => {
    const model = smallModel();
    const target = path.join(dir, 'two-heads');
    const result = await model.save(`file://${target}`);
    expect(result.modelArtifactsInfo.weightDataBytes).toBe((4 * 8 + 8 + 8 * 3 + 3 + 8 + 1) * 4);
    expect((await readdir(target)).sort()).toEqual(['model.json', 'weights.bin']);
    const json = JSON.parse(await readFile(path.join(target, 'model.json'), 'utf8'));
    expect(json.weightsManifest[0].paths).toEqual(['weights.bin']);
    expect(json.format).toBe('layers-model');
    expect((await stat(path.join(target, 'weights.bin'))).size).toBe(result.modelArtifactsInfo.weightDataBytes);

    const loaded = await tf.loadLayersModel(`file://${target}/model.json`);
    expect(await predictions(loaded)).toEqual(await predictions(model));
  });

  it('loads from the directory as well as from model.json', async () => {
    const model = smallModel();
    const target = path.join(dir, 'by-dir');
    await model.save(`file://${target}`);
    const loaded = await tf.loadLayersModel(`file://${target}`);
    expect(await predictions(loaded)).toEqual(await predictions(model));
  });

  it('joins weight data given as several buffers', async () => {
    const target = path.join(dir, 'sharded');
    const handler = fileSystemHandler(target);
    await handler.save!({
      modelTopology: { any: 'topology' },
      weightSpecs: [
        { name: 'a', shape: [2], dtype: 'float32' },
        { name: 'b', shape: [1], dtype: 'float32' },
      ],
      weightData: [new Float32Array([1, 2]).buffer, new Float32Array([3]).buffer],
    });
    const artifacts = await handler.load!();
    expect(Array.from(new Float32Array(artifacts.weightData as ArrayBuffer))).toEqual([1, 2, 3]);
    expect(artifacts.weightSpecs?.map((w) => w.name)).toEqual(['a', 'b']);
  });

  it('names the file when model.json is missing', async () => {
    const missing = path.join(dir, 'nothing-here', 'model.json');
    await expect(fileSystemHandler(missing).load!()).rejects.toThrow(`${missing}: no such file`);
  });
});

describe('writeFileAtomic', () => {
  it('replaces the file and leaves no temporary file behind', async () => {
    const file = path.join(dir, 'atomic.txt');
    await writeFileAtomic(file, 'first');
    await writeFileAtomic(file, new TextEncoder().encode('second'));
    expect(await readFile(file, 'utf8')).toBe('second');
    expect((await readdir(dir)).filter((f) => f.includes('atomic'))).toEqual(['atomic.txt']);
  });

  it('fails without creating anything when the directory does not exist', async () => {
    await expect(writeFileAtomic(path.join(dir, 'no', 'such', 'dir.txt'), 'x')).rejects.toThrow();
  });
});

describe('the mtl.json sidecar', () => {
  it('round-trips normalization statistics, columns, class names and label columns', async () => {
    const model = penguinModel();
    const sidecar = buildSidecar(model, {
      normalization: { measures: { mean: [1, 2, 3, 4], variance: [0.5, 1, 2, 4] } },
      columns: { measures: ['beak_length_mm', 'beak_depth_mm', 'flipper_length_mm', 'body_mass_kg'], island: ['island'] },
    });
    const target = path.join(dir, 'with-sidecar');
    await writeSidecar(`file://${target}/model.json`, sidecar);
    expect(await readSidecar(target)).toEqual({
      format: 'mtl-sidecar',
      version: 1,
      model: 'Penguins',
      inputs: {
        measures: {
          columns: ['beak_length_mm', 'beak_depth_mm', 'flipper_length_mm', 'body_mass_kg'],
          normalize: { mean: [1, 2, 3, 4], variance: [0.5, 1, 2, 4] },
        },
        island: { columns: ['island'], categories: ['Biscoe', 'Dream', 'Torgersen'] },
      },
      heads: {
        species: { label: 'species', task: 'classify', classes: ['Adelie', 'Chinstrap', 'Gentoo'] },
        sex: { label: 'sex', task: 'binary', classes: ['FEMALE', 'MALE'] },
      },
    });
  });

  it('names the file when the sidecar is not an mtl sidecar', async () => {
    const target = path.join(dir, 'bad-sidecar');
    await mkdir(target, { recursive: true });
    await writeFileAtomic(path.join(target, 'mtl.json'), '{"format": "other"}');
    await expect(readSidecar(target)).rejects.toThrow(
      `${path.join(target, 'mtl.json')}: not a valid mtl sidecar: format: expected "format": "mtl-sidecar", "version": 1`,
    );
  });

  it('finds the model directory from a URL, a directory or a model.json path', () => {
    expect(modelDirOf('file:///a/b/model.json')).toBe('/a/b');
    expect(modelDirOf('file://rel/dir')).toBe('rel/dir');
    expect(modelDirOf('/a/b')).toBe('/a/b');
  });
});
