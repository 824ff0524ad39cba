/**
 * The training step on TensorFlow.js' gradient tape, for every model: `model.apply(x, {training:
 * true})` inside `optimizer.minimize(f, false, varList)` with the same variable list every step
 * (TensorFlow.js optimizers keep their slots by position), or the weighting strategy's own step
 * where it needs per-task gradients. The per-head loss sums stay on the device, read once per epoch.
 */
import * as tf from '@tensorflow/tfjs';
import type { HeadNode } from '../../compiler/index.js';
import type { Batch } from '../data/index.js';
import { applyModel, batchTensors, disposeBatch } from './batch.js';
import { maskedLoss, type MaskedLoss } from './losses/index.js';
import type { EpochTotals, TrainStep } from './step.js';
import type { VariableSplit } from './variables.js';
import { type StepContext, weightedSum, type WeightingStrategy } from './weighting/index.js';

export class TapeStep implements TrainStep {
  private readonly names: readonly string[];
  private sums: DeviceSums | undefined;

  constructor(
    private readonly model: tf.LayersModel,
    /** In the order of the model's outputs. */
    private readonly heads: readonly HeadNode[],
    private readonly strategy: WeightingStrategy,
    private readonly optimizer: tf.Optimizer,
    private readonly split: VariableSplit,
    /** What the optimizer updates: the model's variables, then the strategy's. */
    private readonly variables: readonly tf.Variable[],
  ) {
    this.names = heads.map((h) => h.name);
  }

  beginEpoch(): void {
    this.sums?.dispose();
    this.sums = new DeviceSums(this.names.length);
  }

  run(batch: Batch, epoch: number, index: number): void {
    const { model, heads, names, strategy, optimizer } = this;
    const tensors = batchTensors(model, heads, batch);
    let stats: tf.Tensor1D | undefined;
    const forward = (): MaskedLoss[] => {
      const ys = applyModel(model, tensors.xs, true);
      return heads.map((h, i) => maskedLoss(h.task, tensors.labels[h.name]!.y, ys[i]!, tensors.labels[h.name]!.mask));
    };
    // [Σ weighted loss per head…, labelled count per head…] of the step's first forward pass.
    const record = (losses: readonly MaskedLoss[]): void => {
      if (stats === undefined) stats = tf.keep(tf.stack([...losses.map((l) => l.sum), ...losses.map((l) => l.count)]) as tf.Tensor1D);
    };
    if (strategy.step) {
      strategy.step(this.context(epoch, index, labelledRows(batch, names), forward, record));
    } else {
      optimizer.minimize(
        () => {
          const losses = forward();
          record(losses);
          const means = Object.fromEntries(names.map((n, i) => [n, losses[i]!.mean]));
          return strategy.combine ? strategy.combine(means) : weightedSum(means, strategy.lambdas());
        },
        false,
        [...this.variables],
      );
    }
    disposeBatch(tensors);
    this.sums!.add(stats, index + 1);
  }

  async endEpoch(): Promise<EpochTotals> {
    const totals = await this.sums!.read(this.variables);
    this.sums = undefined;
    return totals;
  }

  dispose(): void {
    this.sums?.dispose();
    this.sums = undefined;
  }

  private context(
    epoch: number,
    batch: number,
    labelled: Readonly<Record<string, number>>,
    forward: () => MaskedLoss[],
    record: (l: readonly MaskedLoss[]) => void,
  ): StepContext {
    const { names: heads, optimizer, variables, split } = this;
    return {
      heads,
      epoch,
      batch,
      labelled,
      optimizer,
      variables,
      sharedVars: split.shared,
      taskVars: split.perTask,
      taskLosses: () => {
        const losses = forward();
        record(losses);
        return Object.fromEntries(heads.map((h, i) => [h, losses[i]!.mean]));
      },
      applyGradients: (grads) => {
        const zeros: tf.Tensor[] = [];
        const list = variables.map((v) => {
          let g = grads.get(v);
          if (g === undefined) {
            g = tf.zerosLike(v);
            zeros.push(g);
          }
          return { name: v.name, tensor: g };
        });
        optimizer.applyGradients(list);
        tf.dispose(zeros);
      },
    };
  }
}

/** Per head, the rows of the batch that carry its label (read from the host-side masks). */
function labelledRows(batch: Batch, heads: readonly string[]): Record<string, number> {
  return Object.fromEntries(heads.map((h) => [h, batch.labels[h]?.mask.reduce((sum, m) => sum + (m > 0 ? 1 : 0), 0) ?? 0]));
}

/** Per-head sums kept on the device: one kernel per step adds a step's, one read at the end. */
class DeviceSums {
  private total: tf.Tensor1D;
  /** Per head, the first batch whose loss was not finite (Infinity while there is none). */
  private firstBad: tf.Tensor1D;
  /** The last batch added. */
  private last = 0;

  constructor(private readonly heads: number) {
    this.total = tf.zeros([2 * heads]);
    this.firstBad = tf.fill([heads], Number.POSITIVE_INFINITY) as tf.Tensor1D;
  }

  add(stats: tf.Tensor1D | undefined, batch: number): void {
    if (stats === undefined) return;
    const next = this.total.add(stats) as tf.Tensor1D;
    const firstBad = tf.tidy(() => {
      const bad = tf.logicalNot(tf.isFinite(stats.slice(0, this.heads)));
      return tf.minimum(this.firstBad, tf.where(bad, tf.fill([this.heads], batch), tf.fill([this.heads], Number.POSITIVE_INFINITY)));
    }) as tf.Tensor1D;
    tf.dispose([this.total, this.firstBad, stats]);
    this.total = next;
    this.firstBad = firstBad;
    this.last = batch;
  }

  /** The sums and where the epoch diverged, with whether `variables` are all finite, in one read. */
  async read(variables: readonly tf.Variable[]): Promise<EpochTotals> {
    const all = tf.tidy(() => {
      const finite = variables.map((v) => tf.isFinite(v).all().cast('float32').reshape([1]));
      return tf.concat([this.total, this.firstBad, tf.concat(finite).min().reshape([1])]);
    });
    const values = Array.from(await all.data());
    tf.dispose([all, this.total, this.firstBad]);
    const sums = values.slice(0, 2 * this.heads);
    const firstBad = values.slice(2 * this.heads, 3 * this.heads);
    const batch = Math.min(...firstBad);
    if (Number.isFinite(batch)) return { sums, diverged: { batch, head: firstBad.indexOf(batch) } };
    return values[3 * this.heads] === 1 ? { sums } : { sums, diverged: { batch: this.last } };
  }

  dispose(): void {
    tf.dispose([this.total, this.firstBad]);
  }
}
