/**
 * Which epoch a run keeps, in the manner of Keras' `EarlyStopping(restore_best_weights=True)`:
 * the monitored value of every complete epoch is compared with the best so far; a new best keeps
 * a copy of the weights, and `patience` epochs without one stop the run. What is monitored:
 * `train { select }` on the validation rows, else the validation loss, else the training loss.
 * A resumed run replays its finished epochs, so the best epoch and the patience count go on as
 * if it had not stopped. Generic over the weights, so that any engine can keep its own.
 */
import type { CheckedModel } from '../../compiler/index.js';
import type { EpochRecord } from '../model/index.js';
import { HIGHER_IS_BETTER } from './metrics.js';

/** The best epoch so far of a run that keeps it, and its weights (TensorFlow.js: in `model.weights` order). */
export interface KeptEpoch<W = readonly import('@tensorflow/tfjs').Tensor[]> {
  readonly epoch: number;
  readonly weights: W;
}

/** What the run watches: the value of an epoch, and which of two values is better. */
export interface Monitor {
  read(entry: EpochRecord): number;
  better(a: number, b: number): boolean;
}

/** What early stopping watches: `train { select }`, else the validation loss, else the training loss. */
export function monitorOf(checked: CheckedModel, hasValidation: boolean): Monitor {
  const select = checked.train.select;
  const lower = (a: number, b: number) => a < b || (Number.isNaN(b) && !Number.isNaN(a));
  if (!hasValidation) return { read: (e) => e.loss, better: lower };
  if (select === undefined) return { read: (e) => e.val!.loss, better: lower };
  if (select.metric === 'loss') return { read: (e) => e.val!.taskLoss[select.head] ?? NaN, better: lower };
  const higher = HIGHER_IS_BETTER.has(select.metric);
  return {
    read: (e) => e.val!.metrics[select.head]?.[select.metric] ?? NaN,
    better: higher ? (a, b) => a > b || (Number.isNaN(b) && !Number.isNaN(a)) : lower,
  };
}

/** How an engine copies its model's weights and lets go of a copy. */
export interface WeightCopies<W> {
  copy(): W;
  release(weights: W): void;
}

export class BestEpoch<W> {
  private best: { value: number; epoch: number; weights: W | undefined } | undefined;
  private sinceBest = 0;

  constructor(
    private readonly monitor: Monitor,
    /** Epochs without a new best before the run stops; undefined never stops (`train { select }` alone). */
    private readonly patience: number | undefined,
    private readonly weights: WeightCopies<W>,
  ) {}

  /**
   * Replays a resumed run's finished epochs. The best of them keeps `kept`'s weights when the
   * checkpoint kept that epoch, or the model's when it is the last finished one (`lastEpoch`);
   * otherwise (an older checkpoint) the best epoch and the patience count start afresh.
   */
  resume(epochs: readonly EpochRecord[], kept: KeptEpoch<W> | undefined, lastEpoch: number): void {
    for (const entry of epochs) this.compare(entry);
    if (this.best === undefined) return;
    if (kept?.epoch === this.best.epoch) this.best.weights = kept.weights;
    else if (this.best.epoch === lastEpoch) this.best.weights = this.weights.copy();
    else {
      this.best = undefined;
      this.sinceBest = 0;
    }
  }

  /** Takes a complete epoch, with the model holding its weights; true when patience has run out. */
  observe(entry: EpochRecord): boolean {
    const improved = this.compare(entry);
    if (improved) this.best!.weights = this.weights.copy();
    return !improved && this.patience !== undefined && this.sinceBest >= this.patience;
  }

  /** The best epoch so far and its weights, to checkpoint with the run. */
  get kept(): KeptEpoch<W> | undefined {
    return this.best?.weights !== undefined ? { epoch: this.best.epoch, weights: this.best.weights } : undefined;
  }

  /** Hands over the best epoch and its weights (the caller restores and releases them), leaving none kept. */
  take(): KeptEpoch<W> | undefined {
    const kept = this.kept;
    this.best = undefined;
    return kept;
  }

  /** Releases the kept weights. */
  dispose(): void {
    if (this.best?.weights !== undefined) this.weights.release(this.best.weights);
    this.best = undefined;
  }

  /** Compares an epoch with the best so far: a new best (its weights not yet copied) or one more epoch without. */
  private compare(entry: EpochRecord): boolean {
    const value = this.monitor.read(entry);
    if (this.best === undefined || this.monitor.better(value, this.best.value)) {
      if (this.best?.weights !== undefined) this.weights.release(this.best.weights);
      this.best = { value, epoch: entry.epoch, weights: undefined };
      this.sinceBest = 0;
      return true;
    }
    this.sinceBest++;
    return false;
  }
}
