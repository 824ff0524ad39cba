/**
 * A large CSV file without quotes, read on several threads. Without quotes every line is a row, so
 * the file can be cut after line breaks into segments of whole rows (surveyRows). Worker threads
 * (csv-worker.ts) parse segments ahead; this thread parses one itself whenever the next in order
 * is not ready, and hands every row to the sink in file order: the same cells, numbers and line
 * numbers as readCsvBytes, which reads every other file.
 */
import { closeSync, existsSync, openSync, readSync } from 'node:fs';
import { availableParallelism } from 'node:os';
import { Worker } from 'node:worker_threads';
import { type CsvSink, type ParsedSegment, parseSegment, RowCells, type Survey } from './csv.js';

/** About how much of the file one segment holds. */
export const SEGMENT_BYTES = 1 << 20;

/** Files smaller than this are read on one thread: starting a worker costs more than it saves. */
const PARALLEL_MIN_BYTES = 16 << 20;

/** A segment longer than this holds a very long row: read on one thread, which reports a row too long. */
const SEGMENT_MAX_BYTES = 64 << 20;

/** Segments asked of each worker at a time. */
const DEPTH = 3;

export interface SegmentRequest {
  readonly id: number;
  readonly start: number;
  readonly end: number;
  /** A segment read before, whose arrays can be used again. */
  readonly spare: ParsedSegment | undefined;
}

export type SegmentReply =
  | { readonly id: number; readonly parsed: ParsedSegment }
  | { readonly id: number; readonly error: string; readonly code: string | undefined };

/** The worker threads a file surveyed as `survey` is read with; 0: on this thread alone. */
export function csvThreads(survey: Survey, cores = availableParallelism()): number {
  if (survey.quoted || survey.bytes < PARALLEL_MIN_BYTES || cores < 2) return 0;
  const bounds = [0, ...survey.cuts, survey.bytes];
  for (let i = 1; i < bounds.length; i++) if (bounds[i]! - bounds[i - 1]! > SEGMENT_MAX_BYTES) return 0;
  return Math.min(cores - 1, 4);
}

/** The arrays of `segment`, to hand to another thread without a copy. */
export function buffersOf(segment: ParsedSegment): ArrayBuffer[] {
  const { bytes, rowLines, rowCells, starts, ends, numbers } = segment;
  return [bytes, rowLines, rowCells, starts, ends, numbers].map((a) => a.buffer as ArrayBuffer);
}

/** Bytes [start, end) of the open file `fd`, read into `spare` if it is large enough. */
export function readSegment(fd: number, start: number, end: number, spare?: Uint8Array): Uint8Array {
  const bytes =
    spare !== undefined && spare.buffer.byteLength >= end - start
      ? new Uint8Array(spare.buffer, 0, end - start)
      : new Uint8Array(end - start);
  for (let at = 0; at < bytes.length; ) {
    const got = readSync(fd, bytes, at, bytes.length - at, start + at);
    if (got === 0) {
      const message = `the file ended at byte ${start + at}, before byte ${end}: it changed while being read`;
      throw Object.assign(new Error(message), { code: 'EMTLCHANGED' });
    }
    at += got;
  }
  return bytes;
}

/** The worker's script: beside this module once built; from the sources (as the tests run them), its build in dist/. */
function workerScript(): URL {
  const built = new URL('./csv-worker.js', import.meta.url);
  return existsSync(built) ? built : new URL('../../dist/runtime/data/csv-worker.js', import.meta.url);
}

/**
 * Reads the CSV file `file`, surveyed (and cut) as `survey`, into `sink` with `threads` worker
 * threads besides this one. Returns whether it held anything besides blank lines.
 */
export async function readCsvSegments(file: string, survey: Survey, sink: CsvSink, threads: number): Promise<boolean> {
  const bounds = [0, ...survey.cuts, survey.bytes];
  const count = bounds.length - 1;
  const fd = openSync(file, 'r');
  const workers = Array.from({ length: threads }, () => new Worker(workerScript(), { workerData: { fd } }));
  const waiting = new Map<number, { resolve(parsed: ParsedSegment): void; reject(error: Error): void }>();
  const asked = new Array<number>(threads).fill(0);
  // Segments done with, whose arrays any thread can fill again.
  const spares: ParsedSegment[] = [];
  // Each segment given to a thread: a promise until it is parsed.
  const parsed: (ParsedSegment | Promise<ParsedSegment> | undefined)[] = [];
  let next = 0; // the first segment not yet given to a thread
  let failure: Error | undefined; // a worker that failed fails every segment asked of any
  const fail = (error: Error) => {
    failure ??= error;
    for (const pending of waiting.values()) pending.reject(failure);
    waiting.clear();
  };
  workers.forEach((worker, w) => {
    worker.on('message', (reply: SegmentReply) => {
      const pending = waiting.get(reply.id)!;
      waiting.delete(reply.id);
      asked[w]!--;
      if ('error' in reply) pending.reject(Object.assign(new Error(reply.error), { code: reply.code }));
      else {
        parsed[reply.id] = reply.parsed;
        pending.resolve(reply.parsed);
      }
    });
    worker.on('error', fail);
    worker.on('exit', (code) => fail(new Error(`a CSV reading thread stopped (exit code ${code})`)));
  });
  const ask = (w: number): void => {
    const id = next++;
    asked[w]!++;
    const promise = new Promise<ParsedSegment>((resolve, reject) =>
      failure !== undefined ? reject(failure) : waiting.set(id, { resolve, reject }),
    );
    // Awaited in order below; a failure seen before then must not count as unhandled.
    promise.catch(() => undefined);
    parsed[id] = promise;
    const spare = spares.pop();
    workers[w]!.postMessage({ id, start: bounds[id]!, end: bounds[id + 1]!, spare } satisfies SegmentRequest, spare && buffersOf(spare));
  };
  const cells = new RowCells(0);
  let line = 1;
  let seen = false;
  try {
    for (let i = 0; i < count; i++) {
      workers.forEach((_, w) => {
        while (asked[w]! < DEPTH && next < count) ask(w);
      });
      // While the segment due is still being parsed, parse a later one here rather than wait.
      while (parsed[i] instanceof Promise && next < count && next - i <= threads * DEPTH + 1) {
        await new Promise((resolve) => setImmediate(resolve));
        if (!(parsed[i] instanceof Promise)) break;
        const id = next++;
        const spare = spares.pop();
        parsed[id] = parseSegment(readSegment(fd, bounds[id]!, bounds[id + 1]!, spare?.bytes), id === 0, spare);
      }
      const segment = await parsed[i]!;
      parsed[i] = undefined;
      for (let r = 0; r < segment.rows; r++) {
        cells.show(segment, r);
        seen = true;
        sink.row(cells, line + segment.rowLines[r]!);
      }
      line += segment.lines;
      spares.push(segment);
    }
  } finally {
    workers.forEach((worker) => worker.removeAllListeners('exit'));
    await Promise.all(workers.map((worker) => worker.terminate()));
    closeSync(fd);
  }
  return seen;
}
