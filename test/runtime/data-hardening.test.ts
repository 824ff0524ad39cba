/**
 * What a data file may be (docs/security.md): a regular file of bounded size, in UTF-8, whose
 * numbers are decimal and within float32's range — anything else is a data error naming the file.
 */
import { execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import { mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import type { CheckedModel } from '../../compiler/ir.js';
import { DataErrors, loadDataset } from '../../runtime/data/index.js';
import { floatInput, head, model } from './fixture.js';

const regression: CheckedModel = model('R', [floatInput('x', [2])], [head('y', 'regress', 1)]);
let dir: string;

beforeAll(async () => {
  dir = await mkdtemp(path.join(tmpdir(), 'mtl-data-hardening-'));
});

async function problems(source: string | { name: string; text: string }): Promise<string[]> {
  try {
    await loadDataset(regression, source);
  } catch (error) {
    if (error instanceof DataErrors) return error.problems.map((p) => p.message);
    throw error;
  }
  throw new Error('expected the data to be rejected');
}

describe('numbers in data files', () => {
  it('refuses hexadecimal, binary and octal cells, which JavaScript would read as numbers', async () => {
    expect(await problems({ name: 'd.csv', text: 'x_0,x_1,y\n0x10,1,2\n0b101,1,2\n1,0o7,2\n' })).toEqual([
      'd.csv:2: column "x_0": "0x10" is not a number',
      'd.csv:3: column "x_0": "0b101" is not a number',
      'd.csv:4: column "x_1": "0o7" is not a number',
    ]);
  });

  it('refuses a value float32 cannot hold, in a feature or a label, CSV or JSONL', async () => {
    expect(await problems({ name: 'd.csv', text: 'x_0,x_1,y\n1e39,1,2\n1,2,-4e38\n' })).toEqual([
      'd.csv:2: column "x_0": "1e39" is out of the range of a 32-bit float (about ±3.4e38)',
      'd.csv:3: column "y": "-4e38" is out of the range of a 32-bit float (about ±3.4e38)',
    ]);
    expect(await problems({ name: 'd.jsonl', text: '{"x": [1e39, 0], "y": 1}\n' })).toEqual([
      'd.jsonl:1: field "x[0]": 1e+39 is out of the range of a 32-bit float (about ±3.4e38)',
    ]);
  });
});

describe('data files', () => {
  it('must be regular files: a device, a FIFO or a directory is refused without reading it', async () => {
    const fifo = path.join(dir, 'fifo.csv');
    execFileSync('mkfifo', [fifo]);
    const notFile = 'is not a regular file (a device, a FIFO or a directory); data must be a file';
    expect(await problems(fifo)).toEqual([`${fifo}: ${notFile}`]);
    fs.mkdirSync(path.join(dir, 'folder.csv'));
    expect(await problems(path.join(dir, 'folder.csv'))).toEqual([`${path.join(dir, 'folder.csv')}: ${notFile}`]);
    await expect(loadDataset(regression, '/dev/zero', { format: 'csv' })).rejects.toThrow(`/dev/zero: ${notFile}`);
  });

  it('must be UTF-8: a UTF-16 file is named as such, not read as seven missing columns', async () => {
    const file = path.join(dir, 'utf16.csv');
    await writeFile(file, Buffer.concat([Buffer.from([0xff, 0xfe]), Buffer.from('x_0,x_1,y\n1,2,3\n', 'utf16le')]));
    expect(await problems(file)).toEqual([`${file}: is not UTF-8 text (it looks like UTF-16 or binary): save it as UTF-8`]);
  });

  it('may not be larger than MTLC_MAX_DATA_BYTES', async () => {
    const file = path.join(dir, 'small.csv');
    await writeFile(file, 'x_0,x_1,y\n1,2,3\n');
    process.env['MTLC_MAX_DATA_BYTES'] = '10';
    try {
      expect(await problems(file)).toEqual([
        `${file}: is 16 bytes, more than the 10 a data file may have (raise it with MTLC_MAX_DATA_BYTES)`,
      ]);
    } finally {
      delete process.env['MTLC_MAX_DATA_BYTES'];
    }
    expect((await loadDataset(regression, file)).dataset.n).toBe(1);
  });
});
