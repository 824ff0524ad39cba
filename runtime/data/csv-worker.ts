/**
 * A worker thread of the parallel CSV reader (csv-parallel.ts): reads the segments it is asked
 * for from the file its parent opened, parses them, and hands each back without a copy.
 */
import { parentPort, workerData } from 'node:worker_threads';
import { parseSegment } from './csv.js';
import { buffersOf, readSegment, type SegmentReply, type SegmentRequest } from './csv-parallel.js';

const { fd } = workerData as { fd: number };

parentPort!.on('message', ({ id, start, end, spare }: SegmentRequest) => {
  let reply: SegmentReply;
  try {
    reply = { id, parsed: parseSegment(readSegment(fd, start, end, spare?.bytes), start === 0, spare) };
  } catch (error) {
    reply = { id, error: error instanceof Error ? error.message : String(error), code: (error as NodeJS.ErrnoException).code };
  }
  parentPort!.postMessage(reply, 'parsed' in reply ? buffersOf(reply.parsed) : []);
});
