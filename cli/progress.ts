/**
 * Training progress as `mtlc train` shows it on stderr. On a terminal, a bar redrawn in place
 * during each epoch (batches done, ETA for the whole run, the last epoch's losses), then one line
 * per finished epoch; elsewhere (a log file, CI) only the line per epoch.
 *
 *     epoch  3/60 ━━━━━━━━━━━━━━╸─────────────── 5/9   ETA 14s   loss 0.9123  species 0.41 …
 *     epoch  3/60  loss 0.8811  species 0.3990  sex 0.3302  mass 0.1519  val 0.9021  0.21s
 */
import type { Colors } from './frame.js';

/** The part of an epoch record the display needs (runtime/train/loop.ts `EpochRecord`). */
export interface EpochLine {
  readonly epoch: number;
  readonly loss: number;
  readonly taskLoss: Readonly<Record<string, number>>;
  readonly val?: { readonly loss: number };
  readonly partial?: boolean;
}

export interface ProgressOptions {
  /** Draw the in-place bar (stderr is a terminal). */
  readonly tty: boolean;
  /** Total epochs, and those already done by a resumed checkpoint. */
  readonly epochs: number;
  readonly initialEpoch: number;
  readonly colors: Colors;
  /** Milliseconds since some fixed point; injectable for tests. */
  readonly now?: () => number;
}

const BAR_WIDTH = 30;
const REDRAW_MS = 100;

export class TrainingProgress {
  private readonly now: () => number;
  private readonly started: number;
  private epochStarted: number;
  private batchTime = 0;
  private batchesTimed = 0;
  /** Time spent between an epoch's last batch and its end (validation), averaged. */
  private overhead = 0;
  private epochsTimed = 0;
  private lastBatchEnd: number;
  private lastDraw = -Infinity;
  private drawn = false;
  private last: EpochLine | undefined;

  constructor(
    private readonly write: (text: string) => void,
    private readonly options: ProgressOptions,
  ) {
    this.now = options.now ?? (() => performance.now());
    this.started = this.now();
    this.epochStarted = this.started;
    this.lastBatchEnd = this.started;
  }

  /** After each batch (the loop's `onBatch`). */
  batch(info: { readonly epoch: number; readonly batch: number; readonly batches: number }): void {
    const t = this.now();
    this.batchTime += t - this.lastBatchEnd;
    this.batchesTimed++;
    this.lastBatchEnd = t;
    if (!this.options.tty) return;
    const finished = info.batch + 1 === info.batches;
    if (!finished && t - this.lastDraw < REDRAW_MS) return;
    this.lastDraw = t;
    const remainingBatches = info.batches - info.batch - 1 + (this.options.epochs - info.epoch) * info.batches;
    const remainingEpochs = this.options.epochs - info.epoch + 1;
    const eta =
      (remainingBatches * this.batchTime) / this.batchesTimed +
      remainingEpochs * (this.epochsTimed > 0 ? this.overhead / this.epochsTimed : 0);
    const c = this.options.colors;
    const parts = [
      `${this.epochLabel(info.epoch)} ${bar(info.batch + 1, info.batches, c)} ${String(info.batch + 1).padStart(String(info.batches).length)}/${info.batches}`,
      `ETA ${duration(eta)}`,
    ];
    if (this.last !== undefined) parts.push(lossText(this.last, 2));
    this.write(`\r${parts.join('   ')}\x1b[K`);
    this.drawn = true;
  }

  /** After each epoch (the loop's `onEpoch`): one line for it. */
  epoch(record: EpochLine): void {
    const t = this.now();
    this.overhead += t - this.lastBatchEnd;
    this.epochsTimed++;
    const seconds = (t - this.epochStarted) / 1000;
    this.epochStarted = t;
    this.lastBatchEnd = t;
    this.clear();
    this.last = record;
    const c = this.options.colors;
    const val = record.val !== undefined ? `  ${c.dim('val')} ${fixed(record.val.loss)}` : '';
    const partial = record.partial === true ? `  ${c.yellow('(interrupted)')}` : '';
    this.write(`${this.epochLabel(record.epoch)}  ${lossText(record, 4)}${val}  ${c.dim(`${seconds.toFixed(2)}s`)}${partial}\n`);
  }

  /** Removes the bar, so that other output starts on a clean line. */
  clear(): void {
    if (this.drawn) this.write('\r\x1b[K');
    this.drawn = false;
  }

  /** Seconds since the progress started. */
  elapsed(): number {
    return (this.now() - this.started) / 1000;
  }

  private epochLabel(epoch: number): string {
    const width = String(this.options.epochs).length;
    return `epoch ${String(epoch).padStart(width)}/${this.options.epochs}`;
  }
}

function bar(done: number, total: number, c: Colors): string {
  const filled = Math.round((done / total) * BAR_WIDTH);
  return c.cyan('━'.repeat(filled)) + c.dim('─'.repeat(BAR_WIDTH - filled));
}

function lossText(record: EpochLine, digits: number): string {
  const tasks = Object.entries(record.taskLoss).map(([head, loss]) => `${head} ${fixed(loss, digits)}`);
  return [`loss ${fixed(record.loss, digits)}`, ...tasks].join('  ');
}

function fixed(value: number, digits = 4): string {
  return Number.isFinite(value) ? value.toFixed(digits) : String(value);
}

/** `14s`, `2m 05s`, `1h 02m`: a time as progress lines show it. */
export function duration(ms: number): string {
  const s = Math.max(0, Math.round(ms / 1000));
  if (s < 60) return `${s}s`;
  if (s < 3600) return `${Math.floor(s / 60)}m ${String(s % 60).padStart(2, '0')}s`;
  return `${Math.floor(s / 3600)}h ${String(Math.floor((s % 3600) / 60)).padStart(2, '0')}m`;
}
