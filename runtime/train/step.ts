/**
 * One way to run training steps. The loop (loop.ts) runs whichever it has through this interface:
 * the gradient tape (tape-step.ts), which runs every model, or the compiled step (compiled/),
 * which runs dense and gated models on wasm without tensors.
 */
import type { Batch } from '../data/index.js';

export interface EpochTotals {
  readonly sums: number[];
  /**
   * The first batch (1-based) whose loss was NaN or infinite, and its head's index; or, when every
   * loss was finite but the weights are not after the last step, that batch with no head.
   */
  readonly diverged?: { readonly batch: number; readonly head?: number };
}

export interface TrainStep {
  /** Before an epoch's first batch. */
  beginEpoch(): void;
  /** One optimizer step on `batch`, the `index`th (0-based) of `epoch` (1-based). */
  run(batch: Batch, epoch: number, index: number): void;
  /**
   * After the epoch's last batch (or the batch it was interrupted at), with the model's variables
   * up to date: Σ λ-weighted loss per head in the order of the model's outputs, then the labelled
   * rows per head, summed over the epoch's steps; and where the epoch diverged, if it did.
   */
  endEpoch(): Promise<EpochTotals>;
  dispose(): void;
}
