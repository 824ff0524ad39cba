import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { compile } from '../../compiler/index.js';
import { type BoundData, fitNormalization, loadDataset, readPackManifest, splitRows, writePack } from '../../runtime/data/index.js';

const penguins = compile('penguins.mtl', fs.readFileSync('examples/penguins.mtl', 'utf8')).models[0]!;
let dir: string;
let csv: string;
let pack: string;
let fromCsv: BoundData;

beforeAll(async () => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'mtl-pack-'));
  csv = path.join(dir, 'penguins.csv');
  fs.copyFileSync('examples/data/penguins.csv', csv);
  pack = path.join(dir, 'penguins.mtlpack');
  fromCsv = await loadDataset(penguins, csv);
  await writePack(penguins, fromCsv, csv, pack);
});
afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

const arrays = (bound: BoundData) => ({
  n: bound.dataset.n,
  inputs: Object.fromEntries(Object.entries(bound.dataset.inputs).map(([k, v]) => [k, Array.from(v)])),
  labels: Object.fromEntries(Object.entries(bound.dataset.labels).map(([k, v]) => [k, [Array.from(v.values), Array.from(v.mask)]])),
});

/** A copy of the pack with `change` applied to its bytes. */
function altered(name: string, change: (bytes: Buffer) => Buffer): string {
  const file = path.join(dir, name);
  fs.writeFileSync(file, change(Buffer.from(fs.readFileSync(pack))));
  return file;
}

describe('a pack', () => {
  it('opens to the arrays its source binds to, with the columns it was read from', async () => {
    const fromPack = await loadDataset(penguins, pack);
    expect(arrays(fromPack)).toEqual(arrays(await loadDataset(penguins, csv)));
    expect(fromPack.columns).toEqual(fromCsv.columns);
    expect(fromPack.format).toBe('pack');
  });

  it('is laid out as documented: magic, version, manifest, then each array at a 64-byte boundary', async () => {
    const bytes = fs.readFileSync(pack);
    expect(bytes.subarray(0, 8).toString('latin1')).toBe('MTLPACK\0');
    expect(bytes.readUInt32LE(8)).toBe(1);
    const manifest = JSON.parse(bytes.subarray(16, 16 + bytes.readUInt32LE(12)).toString('utf8'));
    expect(manifest).toEqual(readPackManifest(pack));
    expect(manifest.rows).toBe(fromCsv.dataset.n);
    expect(manifest.size).toBe(bytes.length);
    // Read back with nothing but the manifest's offsets, as numpy.memmap would.
    const measures = manifest.inputs.measures;
    expect(measures.offset % 64).toBe(0);
    expect([measures.dtype, measures.shape]).toEqual(['float32', [fromCsv.dataset.n, 3]]);
    const values = new Float32Array(
      bytes.buffer.slice(bytes.byteOffset + measures.offset, bytes.byteOffset + measures.offset + measures.bytes),
    );
    expect(Array.from(values)).toEqual(Array.from((await loadDataset(penguins, csv)).dataset.inputs['measures']!));
    const mask = manifest.labels.sex.mask;
    expect(Array.from(bytes.subarray(mask.offset, mask.offset + mask.bytes))).toEqual(Array.from(fromCsv.dataset.labels['sex']!.mask));
  });

  it("carries the normalization statistics of the model's own training split", () => {
    const split = splitRows(fromCsv.dataset.n, penguins.train.validation as number, penguins.train.seed);
    expect(readPackManifest(pack).normalization).toEqual(
      JSON.parse(JSON.stringify(fitNormalization(penguins, fromCsv.dataset, split.train))),
    );
  });

  it('refuses another model, a truncated or altered pack, and a source changed since', async () => {
    const other = compile('o.mtl', 'model Other {\n  input x: float[3]\n  head y = x -> regress(1)\n}').models[0]!;
    await expect(loadDataset(other, pack)).rejects.toThrow(
      `${pack}: the pack was made for model "Penguins", whose inputs read the data differently from those of "Other" (names, shapes, columns or classes); run mtlc data pack again`,
    );
    const size = fs.statSync(pack).size;
    const truncated = altered('truncated.mtlpack', (b) => b.subarray(0, size - 100));
    await expect(loadDataset(penguins, truncated)).rejects.toThrow(`the pack is truncated: ${size - 100} bytes of ${size}`);
    const flipped = altered('flipped.mtlpack', (b) => {
      b[size - 1] ^= 0xff;
      return b;
    });
    await expect(loadDataset(penguins, flipped)).rejects.toThrow('the pack is damaged: its checksum does not match its contents');
    await expect(
      loadDataset(
        penguins,
        altered('text.mtlpack', () => Buffer.from('a,b\n1,2\n')),
      ),
    ).rejects.toThrow('not an mtl pack (mtlc data pack writes them)');
    const later = new Date(Date.now() + 60_000);
    fs.utimesSync(csv, later, later);
    await expect(loadDataset(penguins, pack)).rejects.toThrow(
      `the pack was made from ${csv}, which has changed since; run mtlc data pack again`,
    );
  });
});
