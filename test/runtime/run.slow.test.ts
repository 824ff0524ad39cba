import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import * as tf from '@tensorflow/tfjs';
import { compile } from '../../compiler/compile.js';
import type { CheckedModel } from '../../compiler/ir.js';
import { setupBackend } from '../../runtime/backend/index.js';
import type { Dataset } from '../../runtime/data/index.js';
import { checkpointDir, openModelDir, readCheckpointState } from '../../runtime/model/model-dir.js';
import { readCheckpoint } from '../../runtime/train/checkpoint.js';
import { float32Number } from '../../runtime/model/predictions.js';
import { keepRowsInPlace, prepareTrainingData } from '../../runtime/data/prepare.js';
import { runTraining } from '../../runtime/train/run.js';

const root = path.resolve(__dirname, '../..');
const csv = path.join(root, 'examples/data/penguins.csv');
let penguins: CheckedModel;

function tempDir(): string {
  return fs.mkdtempSync(path.join(os.tmpdir(), 'mtl-run-'));
}

beforeAll(async () => {
  await setupBackend('wasm');
  const file = path.join(root, 'examples/penguins.mtl');
  penguins = compile(file, fs.readFileSync(file, 'utf8')).models[0]!;
});

describe('runTraining', () => {
  it('holds as many tensors after epoch 5 as after epoch 1, checkpoints included', async () => {
    const data = await prepareTrainingData(penguins, { train: csv, validation: 0.2 });
    const counts: number[] = [];
    const result = await runTraining(penguins, data, {
      outDir: tempDir(),
      source: 'penguins.mtl',
      backend: 'wasm',
      epochs: 5,
      onEpoch: () => {
        counts.push(tf.memory().numTensors);
      },
    });
    expect(counts).toHaveLength(5);
    expect(counts[4]).toBe(counts[0]);
    result.model.dispose();
  });

  it('leaves a checkpoint of the last complete epoch when stopped mid-epoch, which loads and resumes', async () => {
    const dir = tempDir();
    const data = await prepareTrainingData(penguins, { train: csv, validation: 0.2 });
    let batches = 0;
    const result = await runTraining(penguins, data, {
      outDir: dir,
      source: 'penguins.mtl',
      backend: 'wasm',
      epochs: 4,
      onBatch: () => {
        batches++;
      },
      // 9 batches an epoch: stop after the third batch of epoch 3.
      shouldStop: () => batches === 2 * 9 + 3,
    });
    result.model.dispose();
    expect(result.history.stopped).toBe('interrupted');
    expect(result.checkpointEpoch).toBe(2);
    expect((await readCheckpointState(dir))?.epoch).toBe(2);
    const saved = await openModelDir(dir);
    expect(saved.history?.epochs.map((e) => e.partial === true)).toEqual([false, false, true]);
    saved.model.dispose();

    const checkpoint = (await readCheckpoint(dir))!;
    const again = await prepareTrainingData(penguins, { train: csv, validation: 0.2 });
    const resumed = await runTraining(penguins, again, {
      outDir: dir,
      source: 'penguins.mtl',
      backend: 'wasm',
      epochs: 4,
      resume: checkpoint,
    });
    expect(resumed.history.epochs.map((e) => e.epoch)).toEqual([1, 2, 3, 4]);
    expect(resumed.history.stopped).toBeUndefined();
    expect(resumed.notes).toEqual([]);
    resumed.model.dispose();
  });

  it('goes on with early stopping from the best epoch the checkpoint kept: the same run as without the interruption', async () => {
    const file = path.join(root, 'examples/penguins.mtl');
    const source = fs
      .readFileSync(file, 'utf8')
      .replace('adam(lr: 0.01)', 'adam(lr: 0.05)')
      .replace('epochs: 60', 'epochs: 60\n    early_stop: 3');
    const checked = compile(file, source).models[0]!;
    const data = () => prepareTrainingData(checked, { train: csv, validation: 0.2 });
    const whole = await runTraining(checked, await data(), { outDir: tempDir(), source: 'penguins.mtl', backend: 'wasm' });
    const best = whole.history.bestEpoch!;
    expect(whole.history.stopped).toBe('early');
    expect(whole.history.epochs.length).toBe(best + 3);

    // Stopped one epoch after the best one: the checkpoint is of epoch best + 1 and keeps epoch best.
    const dir = tempDir();
    let epoch = 0;
    const first = await runTraining(checked, await data(), {
      outDir: dir,
      source: 'penguins.mtl',
      backend: 'wasm',
      onEpoch: (r) => {
        epoch = r.epoch;
      },
      shouldStop: () => epoch === best + 1,
    });
    first.model.dispose();
    const checkpoint = (await readCheckpoint(dir))!;
    expect([checkpoint.state.epoch, checkpoint.state.kept?.epoch]).toEqual([best + 1, best]);
    const resumed = await runTraining(checked, await data(), { outDir: dir, source: 'penguins.mtl', backend: 'wasm', resume: checkpoint });
    expect([resumed.history.bestEpoch, resumed.history.stopped, resumed.history.epochs.length]).toEqual([best, 'early', best + 3]);
    expect(resumed.model.getWeights().map((w) => Array.from(w.dataSync()))).toEqual(
      whole.model.getWeights().map((w) => Array.from(w.dataSync())),
    );
    whole.model.dispose();
    resumed.model.dispose();
  });

  for (const method of ['gradnorm(alpha: 1.5)', 'pcgrad']) {
    it(`ends a resumed ${method} run with the weights of an uninterrupted one (first losses and projection orders included)`, async () => {
      const file = path.join(root, 'examples/penguins.mtl');
      const source = fs.readFileSync(file, 'utf8').replace('  weights { species: 1.0, sex: 1.0, mass: 1.0 }', `  weighting ${method}`);
      const checked = compile(file, source).models[0]!;
      const data = () => prepareTrainingData(checked, { train: csv, validation: 0.2 });
      const whole = await runTraining(checked, await data(), { outDir: tempDir(), source: 'penguins.mtl', backend: 'wasm', epochs: 4 });
      const dir = tempDir();
      let epoch = 0;
      const first = await runTraining(checked, await data(), {
        outDir: dir,
        source: 'penguins.mtl',
        backend: 'wasm',
        epochs: 4,
        onEpoch: (r) => {
          epoch = r.epoch;
        },
        shouldStop: () => epoch === 2,
      });
      first.model.dispose();
      const resumed = await runTraining(checked, await data(), {
        outDir: dir,
        source: 'penguins.mtl',
        backend: 'wasm',
        epochs: 4,
        resume: (await readCheckpoint(dir))!,
      });
      expect(resumed.history.epochs.map((e) => e.lambda)).toEqual(whole.history.epochs.map((e) => e.lambda));
      expect(resumed.model.getWeights().map((w) => Array.from(w.dataSync()))).toEqual(
        whole.model.getWeights().map((w) => Array.from(w.dataSync())),
      );
      whole.model.dispose();
      resumed.model.dispose();
    });
  }

  it('resumes DWA with the loss ratios of the epochs before the interruption', async () => {
    const file = path.join(root, 'examples/penguins.mtl');
    const dwa = compile(file, fs.readFileSync(file, 'utf8').replace('  train {', '  weighting dwa(temperature: 2)\n\n  train {'))
      .models[0]!;
    const run = async (dir: string, epochs: number, resume?: Awaited<ReturnType<typeof readCheckpoint>>) => {
      const data = await prepareTrainingData(dwa, { train: csv, validation: 0.2 });
      const result = await runTraining(dwa, data, {
        outDir: dir,
        source: 'penguins.mtl',
        backend: 'wasm',
        epochs,
        ...(resume ? { resume } : {}),
      });
      result.model.dispose();
      return result.history.epochs.map((e) => e.lambda);
    };
    const straight = await run(tempDir(), 4);
    const dir = tempDir();
    await run(dir, 3);
    const resumed = await run(dir, 4, (await readCheckpoint(dir))!);
    // λ(4) comes from the losses of epochs 2 and 3, which the resumed run did not train itself.
    expect(straight[3]).not.toEqual({ species: 1, sex: 1, mass: 1 });
    expect(resumed).toEqual(straight);
  });

  it('trains on wasm when the last batch of an epoch has a single row', async () => {
    const file = path.join(root, 'examples/penguins.mtl');
    // 274 training rows in batches of 91: three full batches and one of a single row.
    const checked = compile(file, fs.readFileSync(file, 'utf8').replace('batch: 32', 'batch: 91')).models[0]!;
    const data = await prepareTrainingData(checked, { train: csv, validation: 0.2 });
    expect(data.train.n % 91).toBe(1);
    const result = await runTraining(checked, data, { outDir: tempDir(), source: 'penguins.mtl', backend: 'wasm', epochs: 2 });
    expect(result.history.epochs.map((e) => Number.isFinite(e.loss))).toEqual([true, true]);
    result.model.dispose();
  });

  it('finds the previous checkpoint when a crash came between the two renames of the swap', async () => {
    const dir = tempDir();
    const data = await prepareTrainingData(penguins, { train: csv, validation: 0 });
    (await runTraining(penguins, data, { outDir: dir, source: 'penguins.mtl', backend: 'wasm', epochs: 1 })).model.dispose();
    fs.renameSync(path.join(dir, 'checkpoint'), path.join(dir, '.checkpoint.prev'));
    expect(checkpointDir(dir)).toBe(path.join(dir, '.checkpoint.prev'));
    const checkpoint = (await readCheckpoint(dir))!;
    expect(checkpoint.state.epoch).toBe(1);
    checkpoint.model.dispose();
    tf.dispose(Object.values(checkpoint.tensors));
  });
});

describe('keepRowsInPlace', () => {
  it('moves the kept rows to the front of the same buffers, in order', () => {
    const x = Float32Array.from([0, 0, 1, 1, 2, 2, 3, 3, 4, 4]);
    const ids = Int32Array.from([10, 11, 12, 13, 14]);
    const y = Float32Array.from([0, 1, 2, 3, 4]);
    const mask = Uint8Array.from([1, 0, 1, 0, 1]);
    const dataset: Dataset = { n: 5, inputs: { x, ids }, labels: { y: { values: y, mask } } };
    const kept = keepRowsInPlace(dataset, Int32Array.from([1, 3, 4]));
    expect(kept.n).toBe(3);
    expect(Array.from(kept.inputs.x!)).toEqual([1, 1, 3, 3, 4, 4]);
    expect(Array.from(kept.inputs.ids!)).toEqual([11, 13, 14]);
    expect(Array.from(kept.labels.y!.values)).toEqual([1, 3, 4]);
    expect(Array.from(kept.labels.y!.mask)).toEqual([0, 0, 1]);
    expect(kept.inputs.x!.buffer).toBe(x.buffer);
  });
});

describe('float32Number', () => {
  it('gives the shortest decimal that reads back as the same float32', () => {
    expect(float32Number(Math.fround(0.9))).toBe(0.9);
    expect(float32Number(Math.fround(1 / 3))).toBe(0.33333334);
    for (const v of [Math.fround(Math.PI), Math.fround(1e-9), Math.fround(-123456.789), 0, 1]) {
      expect(Math.fround(float32Number(v))).toBe(v);
    }
  });
});
