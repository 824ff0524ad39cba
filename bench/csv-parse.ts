/**
 * CSV parsing on one thread (the worker's share of `bench:data`'s csv contender, without threads,
 * binding or the file survey): parses a slice of a CSV file without quotes, cut into segments of
 * whole rows as csv-parallel.ts cuts it, with parseSegment, and prints the fastest of several runs.
 *
 *   node dist/bench/csv-parse.js FILE [--mib 64] [--runs 15]
 *
 * FILE is best the bench's own (`wide-1000000.csv` in `bench:data`'s --dir); the slice starts 1 MiB
 * in, past the header.
 */
import { closeSync, openSync, readSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { type ParsedSegment, parseSegment } from '../runtime/data/csv.js';
import { SEGMENT_BYTES } from '../runtime/data/csv-parallel.js';

const { positionals, values } = parseArgs({
  allowPositionals: true,
  options: { mib: { type: 'string', default: '64' }, runs: { type: 'string', default: '15' } },
});
const file = positionals[0];
if (file === undefined) throw new Error('usage: node dist/bench/csv-parse.js FILE [--mib 64] [--runs 15]');

const fd = openSync(file, 'r');
const slice = new Uint8Array(Number(values.mib) << 20);
const got = readSync(fd, slice, 0, slice.length, 1 << 20);
closeSync(fd);
// Whole rows: from just past the first line break to just past the last.
const rows = slice.subarray(slice.indexOf(0x0a) + 1, slice.lastIndexOf(0x0a, got - 1) + 1);
const segments: Uint8Array[] = [];
for (let at = 0; at < rows.length; ) {
  const lineBreak = rows.indexOf(0x0a, Math.min(at + SEGMENT_BYTES, rows.length - 1));
  segments.push(rows.subarray(at, lineBreak + 1));
  at = lineBreak + 1;
}

let best = Number.POSITIVE_INFINITY;
let cells = 0;
let spare: ParsedSegment | undefined;
for (let run = 0; run < Number(values.runs); run++) {
  const started = performance.now();
  cells = 0;
  for (const bytes of segments) {
    spare = parseSegment(bytes, false, spare);
    cells += spare.rowCells[spare.rows]!;
  }
  best = Math.min(best, performance.now() - started);
}
console.log(
  `${(rows.length / 2 ** 20).toFixed(0)} MiB, ${segments.length} segments, ${cells.toLocaleString('en')} cells: ` +
    `fastest of ${values.runs} runs ${best.toFixed(1)} ms, ${((best * 1e6) / cells).toFixed(1)} ns a cell`,
);
