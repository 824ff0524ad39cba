/**
 * A large CSV file without quotes is read on several threads (csv-parallel.ts): whatever the
 * segments and threads, the rows, cells, numbers and line numbers are those of the one-thread
 * reader, and the bound data and its problems are the same. The worker threads run the built
 * reader (dist/, which the tests' global set-up builds).
 */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import fc from 'fast-check';
import { afterAll, describe, expect, it } from 'vitest';
import { type CsvSink, readCsvBytes, surveyRows } from '../../runtime/data/csv.js';
import { csvThreads, readCsvSegments, SEGMENT_BYTES } from '../../runtime/data/csv-parallel.js';
import { DataErrors, loadDataset } from '../../runtime/data/index.js';
import { floatInput, head, model } from './fixture.js';

const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'mtl-csv-parallel-'));
afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

let files = 0;
function write(text: string): string {
  const file = path.join(dir, `data-${files++}.csv`);
  fs.writeFileSync(file, text);
  return file;
}

/** Every call a reader makes to its sink: [line, cells…, numbers…]. */
function recorder(): { sink: CsvSink; calls: unknown[][] } {
  const calls: unknown[][] = [];
  const sink: CsvSink = {
    row: (cells, line) => {
      const k = Array.from({ length: cells.length }, (_, i) => i);
      calls.push([line, ...k.map((i) => cells.text(i)), ...k.map((i) => cells.number(i))]);
    },
    malformed: (line, problem) => calls.push([line, problem]),
  };
  return { sink, calls };
}

function oneThread(file: string): unknown[][] {
  const { sink, calls } = recorder();
  readCsvBytes({ file }, sink);
  return calls;
}

async function inSegments(file: string, segmentBytes: number, threads: number): Promise<unknown[][]> {
  const { sink, calls } = recorder();
  const survey = surveyRows(file, true, segmentBytes);
  expect(survey.quoted).toBe(false);
  await readCsvSegments(file, survey, sink, threads);
  return calls;
}

const cell = fc.oneof(
  fc.double({ noNaN: true, noDefaultInfinity: true }).map(String),
  fc.integer().map(String),
  fc.constantFrom('', ' ', 'a', 'x y', '1e400', '.5', '-', '0x10', 'é', '1,5'),
);
const line = fc.array(cell, { minLength: 1, maxLength: 5 }).map((cells) => cells.join(','));
const csvText = fc
  .tuple(
    fc.boolean(),
    fc.array(fc.tuple(line, fc.constantFrom('\n', '\r\n', '\n\n', ' \n')), { minLength: 1, maxLength: 30 }),
    fc.boolean(),
  )
  .map(([bom, rows, lastBreak]) => {
    const text = rows.map(([row, end]) => row + end).join('');
    return (bom ? '\ufeff' : '') + (lastBreak ? text : text.trimEnd());
  });

describe('readCsvSegments', () => {
  it('hands over the rows the one-thread reader does, whatever the segments and threads', async () => {
    await fc.assert(
      fc.asyncProperty(csvText, fc.integer({ min: 1, max: 64 }), fc.integer({ min: 1, max: 2 }), async (text, segmentBytes, threads) => {
        const file = write(text);
        expect(await inSegments(file, segmentBytes, threads)).toEqual(oneThread(file));
      }),
      { numRuns: 40 },
    );
  });

  it('reports a file that became shorter after it was surveyed, naming the byte where it ended', async () => {
    const file = write('a,b\n1,2\n3,4\n5,6\n');
    const survey = surveyRows(file, true, 4);
    fs.truncateSync(file, 10);
    await expect(readCsvSegments(file, survey, recorder().sink, 1)).rejects.toMatchObject({
      message: 'the file ended at byte 10, before byte 16: it changed while being read',
      code: 'EMTLCHANGED',
    });
  });
});

describe('csvThreads', () => {
  const big = { rows: 1e6, quoted: false, cuts: [2 << 20, 4 << 20], bytes: 20 << 20 };
  it('reads a large file without quotes with a thread for each core but this one, up to 4', () => {
    expect(csvThreads(big, 2)).toBe(1);
    expect(csvThreads(big, 16)).toBe(4);
  });

  it('reads on this thread alone a quoted file, a small one, a very long row, or on one core', () => {
    expect(csvThreads({ ...big, quoted: true }, 2)).toBe(0);
    expect(csvThreads({ ...big, bytes: 1 << 20, cuts: [] }, 2)).toBe(0);
    expect(csvThreads({ ...big, bytes: 100 << 20, cuts: [] }, 2)).toBe(0);
    expect(csvThreads(big, 1)).toBe(0);
  });
});

describe('binding a large CSV file', () => {
  const m = model('Wide', [floatInput('x', [8])], [head('kind', 'classify', 4), head('price', 'regress', 1)]);
  const header = `${Array.from({ length: 8 }, (_, i) => `x_${i}`).join(',')},kind,price`;
  // About 20 MB: more than the 16 MB from which the reader takes more threads.
  const rows = Array.from({ length: 250_000 }, (_, r) => {
    const x = Array.from({ length: 8 }, (_, i) => ((r * 7919 + i * 104729) % 20011) / 997 - 10).map((v) => v.toFixed(6));
    const kind = r === 123_456 ? 'seven' : r % 97 === 0 ? '' : String(r % 4);
    return `${x.join(',')},${kind},${r % 13 === 0 ? '' : (r % 101) / 7}`;
  });
  const text = `${header}\n${rows.join('\n')}\n`;

  it('binds the same arrays, and reports the same problems at the same lines, as on one thread', async () => {
    const parallel = write(text);
    // Read on more threads wherever there is more than one core.
    expect(csvThreads(surveyRows(parallel, true, SEGMENT_BYTES), 2)).toBe(1);
    // A quoted header cell makes the same rows a file read on one thread.
    const single = write(text.replace('x_0', '"x_0"'));
    expect(surveyRows(single, true).quoted).toBe(true);
    const problems = async (file: string) => {
      const error = await loadDataset(m, file).catch((e: unknown) => e);
      expect(error).toBeInstanceOf(DataErrors);
      return (error as DataErrors).problems.map((e) => [e.line, e.where, e.problem]);
    };
    expect(await problems(parallel)).toEqual([[123_458, { kind: 'column', name: 'kind' }, '"seven" is not a class id']]);
    expect(await problems(single)).toEqual(await problems(parallel));
    const bind = async (file: string) => (await loadDataset(m, file, { skipBadRows: true })).dataset;
    const a = await bind(parallel);
    const b = await bind(single);
    expect(a.n).toBe(249_999);
    expect(a.inputs['x']).toEqual(b.inputs['x']);
    expect(a.labels['kind']).toEqual(b.labels['kind']);
    expect(a.labels['price']).toEqual(b.labels['price']);
  });
});
