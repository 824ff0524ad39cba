import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { compile } from '../../compiler/index.js';
import { setupBackend } from '../../runtime/backend/index.js';
import {
  loadDataset,
  openPackStream,
  packRowBytes,
  prepareStreamedData,
  prepareTrainingData,
  readPackManifest,
  splitRows,
  writePack,
} from '../../runtime/data/index.js';
import { lowerModel } from '../../runtime/model/index.js';
import { train } from '../../runtime/train/index.js';
import { mulberry32 } from '../../runtime/data/random.js';

let dir: string;
beforeAll(async () => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'mtl-stream-'));
  await setupBackend('wasm');
});
afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

/** Writes `csv` and its pack for `source`; returns the model and the pack's path. */
async function packed(name: string, source: string, csv: string) {
  const model = compile(`${name}.mtl`, source).models[0]!;
  const file = path.join(dir, `${name}.csv`);
  fs.writeFileSync(file, csv);
  const pack = path.join(dir, `${name}.mtlpack`);
  await writePack(model, await loadDataset(model, file), file, pack);
  return { model, pack };
}

describe('a pack streamed under a memory cap', () => {
  it('gives every training row once an epoch, in whole batches, blocks and rows in a seeded order', async () => {
    const rows = 1000;
    const csv = ['x,y', ...Array.from({ length: rows }, (_, i) => `${i},${i % 7}`)].join('\n');
    const { model, pack } = await packed(
      'ids',
      'model Ids {\n  input x: float\n  head y = x -> regress(1)\n  train { batch: 16, validation: 0.2 }\n}',
      csv,
    );
    const memory = 4 * 100 * packRowBytes(readPackManifest(pack));
    const streamed = openPackStream(model, pack, memory);
    const split = splitRows(rows, 0.2, model.train.seed);
    expect(streamed.train.n).toBe(split.train.length);
    expect(Array.from(streamed.validation!.inputs['x']!)).toEqual(Array.from(split.validation));
    const batches = streamed.train.batches(16, { shuffle: true, seed: 42 });
    // A batch's arrays are reused by the next: copied as they come.
    const epoch = (e: number) => Array.from(batches.epoch(e), (b) => Array.from(b.inputs['x']!));
    const first = epoch(0);
    expect(first).toHaveLength(batches.count);
    expect(first.slice(0, -1).every((b) => b.length === 16)).toBe(true);
    expect(first.flat().sort((a, b) => a - b)).toEqual(Array.from(split.train));
    // Blocks of 96 rows (100 rounded down to whole batches of 16): each block's rows stay together.
    const blockOf = (x: number) => Math.floor(split.train.indexOf(x) / 96);
    const firstBlocks = first.flat().map(blockOf);
    expect(firstBlocks.filter((b, i) => i > 0 && b !== firstBlocks[i - 1]).length).toBe(Math.ceil(split.train.length / 96) - 1);
    expect(epoch(0)).toEqual(first);
    expect(epoch(1)).not.toEqual(first);
  });

  it('trains to the loss curve of the same rows in memory, within the difference two seeds make', async () => {
    const random = mulberry32(5);
    const lines = ['a,b,c,y,z'];
    for (let i = 0; i < 1200; i++) {
      const [a, b, c] = [random() * 2 - 1, random() * 2 - 1, random() * 2 - 1];
      lines.push(`${a},${b},${c},${a - 2 * b + 0.1 * random()},${c > 0 ? 1 : 0}`);
    }
    const source = (seed: number) =>
      `model Curve {\n  input x: float[3] from "a".."c"\n  trunk t = x -> dense(16, relu)\n  head y = t -> regress(1)\n  head z = t -> binary()\n  train { batch: 32, epochs: 6, seed: ${seed}, validation: 0.1 }\n}`;
    const { model, pack } = await packed('curve', source(3), lines.join('\n'));
    const losses = async (data: Parameters<typeof train>[2], checked = model) => {
      const lowered = lowerModel(checked);
      const history = await train(lowered, checked, data);
      lowered.dispose();
      return history.epochs.map((e) => e.loss);
    };
    const inMemory = await prepareTrainingData(model, { train: pack, validation: 0.1 });
    const memoryCurve = await losses({ train: inMemory.train });
    const streamedData = prepareStreamedData(model, pack, 4 * 128 * packRowBytes(readPackManifest(pack)));
    const streamedCurve = await losses({ train: streamedData.train });
    const other = compile('curve.mtl', source(4)).models[0]!;
    const otherCurve = await losses(
      { train: (await prepareTrainingData(other, { train: path.join(dir, 'curve.csv'), validation: 0.1 })).train },
      other,
    );
    const noise = Math.max(...memoryCurve.map((l, i) => Math.abs(l - otherCurve[i]!) / l));
    const gap = Math.max(...memoryCurve.map((l, i) => Math.abs(l - streamedCurve[i]!) / l));
    expect(streamedCurve[5]!).toBeLessThan(streamedCurve[0]! / 2);
    expect(gap).toBeLessThanOrEqual(Math.max(2 * noise, 0.05));
  });

  it('refuses a pack whose statistics are of another split', async () => {
    const { pack } = await packed('split', 'model S {\n  input x: float normalize\n  head y = x -> regress(1)\n}', 'x,y\n1,2\n3,4\n5,6\n');
    const other = compile('s.mtl', 'model S {\n  input x: float normalize\n  head y = x -> regress(1)\n  train { validation: 0.5 }\n}')
      .models[0]!;
    expect(() => openPackStream(other, pack, 1024)).toThrow(
      "the pack's normalization statistics are of the split validation 0, seed 42; the model asks for validation 0.5, seed 42: run mtlc data pack again",
    );
  });
});
