/**
 * How much the tasks pull the shared parameters the same way (`mtlc relate`): at every training
 * step, each task's gradient g_i of its own loss on the parameters that more than one head uses
 * (trunks, shared experts, gates' inputs), flattened into one vector. Per pair, over the steps
 * where both gradients are non-zero (a batch without a task's labels gives it none):
 *
 *   cosine_ij   = mean_t  g_i·g_j / (‖g_i‖ ‖g_j‖)
 *   conflict_ij = share of steps t with g_i·g_j < 0
 *
 * the quantities behind gradient-surgery methods such as PCGrad (Yu et al., 2020). The probe wraps
 * the model's own weighting strategy, so training proceeds exactly as it would, one extra forward
 * and backward pass per task per step.
 */
import * as tf from '@tensorflow/tfjs';
import type { CheckedModel } from '../../compiler/index.js';
import {
  train,
  type History,
  type TrainData,
  type TrainOptions,
  createStrategy,
  type StepContext,
  taskGradients,
  weightedSum,
  type WeightingStrategy,
  gramMatrix,
} from '../train/index.js';
import type { PairValue } from './labels.js';

export interface GradientRelations {
  readonly tasks: readonly string[];
  readonly cosine: readonly (readonly PairValue[])[];
  readonly conflict: readonly (readonly PairValue[])[];
  /** Training steps measured. */
  readonly steps: number;
  /** Number of shared parameters (scalars) the gradients were taken on. */
  readonly sharedParameters: number;
  /** The mean cosine matrix of each epoch, for a chart over time (undefined where no step counted). */
  readonly perEpoch: readonly (readonly (readonly (number | undefined)[])[])[];
}

/** Running sums for one pair of tasks. */
interface PairSums {
  cosine: number;
  negative: number;
  count: number;
}

function pairTable(n: number): PairSums[][] {
  return Array.from({ length: n }, () => Array.from({ length: n }, () => ({ cosine: 0, negative: 0, count: 0 })));
}

/** A weighting strategy that measures task gradients on the shared parameters, then lets `inner` update. */
class GradientProbe implements WeightingStrategy {
  readonly method: WeightingStrategy['method'];
  readonly variables?: readonly tf.Variable[];
  private total: PairSums[][];
  private epoch: PairSums[][];
  private readonly epochs: (number | undefined)[][][] = [];
  steps = 0;
  sharedParameters = 0;

  constructor(
    private readonly inner: WeightingStrategy,
    readonly tasks: readonly string[],
  ) {
    this.method = inner.method;
    if (inner.variables !== undefined) this.variables = inner.variables;
    this.total = pairTable(tasks.length);
    this.epoch = pairTable(tasks.length);
  }

  lambdas(): Record<string, number> {
    return this.inner.lambdas();
  }

  step(ctx: StepContext): void {
    this.measure(ctx);
    if (this.inner.step) {
      this.inner.step(ctx);
      return;
    }
    ctx.optimizer.minimize(
      () => {
        const losses = ctx.taskLosses();
        return this.inner.combine ? this.inner.combine(losses) : weightedSum(losses, this.inner.lambdas());
      },
      false,
      [...ctx.variables],
    );
  }

  onEpochEnd(epoch: number, taskLosses: Readonly<Record<string, number>>): void {
    this.epochs.push(this.epoch.map((row) => row.map((s) => (s.count > 0 ? s.cosine / s.count : undefined))));
    this.epoch = pairTable(this.tasks.length);
    this.inner.onEpochEnd?.(epoch, taskLosses);
  }

  dispose(): void {
    this.inner.dispose?.();
  }

  private measure(ctx: StepContext): void {
    if (ctx.sharedVars.length === 0) return;
    this.sharedParameters = ctx.sharedVars.reduce((s, v) => s + v.size, 0);
    const grads = taskGradients(ctx);
    const perTask = this.tasks.map((task) => grads[task]!);
    // The Gram matrix G = [g_1 … g_n]ᵀ [g_1 … g_n]: every dot product and squared norm at once.
    const g = gramMatrix(perTask);
    tf.dispose(perTask.flat());
    const n = this.tasks.length;
    for (let i = 0; i < n; i++) {
      for (let j = 0; j < n; j++) {
        const norms = Math.sqrt(g[i]![i]!) * Math.sqrt(g[j]![j]!);
        if (!(norms > 0)) continue;
        for (const table of [this.total, this.epoch]) {
          const cell = table[i]![j]!;
          cell.cosine += g[i]![j]! / norms;
          cell.negative += g[i]![j]! < 0 ? 1 : 0;
          cell.count++;
        }
      }
    }
    this.steps++;
  }

  result(): GradientRelations {
    const none = this.sharedParameters === 0 ? 'undefined: the heads share no parameters' : 'undefined: no step had both gradients';
    const cell = (s: PairSums, value: number): PairValue => (s.count > 0 ? { value, rows: s.count } : { rows: 0, note: none });
    return {
      tasks: this.tasks,
      cosine: this.total.map((row) => row.map((s) => cell(s, s.cosine / s.count))),
      conflict: this.total.map((row) => row.map((s) => cell(s, s.negative / s.count))),
      steps: this.steps,
      sharedParameters: this.sharedParameters,
      perEpoch: this.epochs,
    };
  }
}

export interface GradientRun {
  readonly gradients: GradientRelations;
  readonly history: History;
}

/**
 * Trains `model` (default: one epoch) with the model's own weighting, measuring the task gradients
 * at every step. The matrices are in the checked model's head order.
 */
export async function relateGradients(
  model: tf.LayersModel,
  checked: CheckedModel,
  data: TrainData,
  options: TrainOptions = {},
): Promise<GradientRun> {
  const probe = new GradientProbe(
    options.strategy ?? createStrategy(checked),
    checked.heads.map((h) => h.name),
  );
  try {
    const history = await train(model, checked, data, { epochs: 1, ...options, strategy: probe });
    return { gradients: probe.result(), history };
  } finally {
    probe.dispose();
  }
}
