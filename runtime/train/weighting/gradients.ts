/**
 * The machinery the gradient-based weighting methods share: each active task's gradient of its
 * weighted loss λ_i·L_i, the Gram matrix of those gradients on the shared parameters (gramMatrix) (all a method
 * needs on the host: norms, dot products, projections, the min-norm point), and the update that
 * gives the shared parameters Σ_i β_i g_i and each task's own parameters γ_i g_i.
 *
 * Every task's gradient needs its own forward pass (TensorFlow.js keeps no graph between
 * backward passes), so a step costs one forward and backward per active task; with dropout each
 * pass draws its own mask.
 */
import * as tf from '@tensorflow/tfjs';
import type { StepContext } from './strategy.js';

/** A head takes part in a step when this batch labels some of its rows and its weight is positive. */
export function activeHeads(ctx: StepContext, base: Readonly<Record<string, number>>): string[] {
  return ctx.heads.filter((h) => (ctx.labelled[h] ?? 0) > 0 && (base[h] ?? 1) > 0);
}

/** A step without active heads changes nothing, but its forward pass still counts its losses. */
export function recordOnly(ctx: StepContext): void {
  tf.tidy(() => {
    ctx.taskLosses();
  });
}

export interface TaskGradients {
  /** The active heads, in model output order; every array below follows it. */
  readonly heads: readonly string[];
  /** λ_i·L_i on this batch. */
  readonly losses: readonly number[];
  /** Per head, the gradient on each of `ctx.sharedVars`. */
  readonly shared: readonly (readonly tf.Tensor[])[];
  /** Per head, the gradient on each of its own `ctx.taskVars[head]`. */
  readonly own: readonly (readonly tf.Tensor[])[];
}

/** Each active head's gradient of λ_i·L_i on the shared parameters and on its own. Dispose with `disposeTaskGradients`. */
function taskGradientsOf(ctx: StepContext, heads: readonly string[], base: Readonly<Record<string, number>>): TaskGradients {
  const values: tf.Scalar[] = [];
  const shared: tf.Tensor[][] = [];
  const own: tf.Tensor[][] = [];
  for (const head of heads) {
    const ownVars = ctx.taskVars[head] ?? [];
    const vars = [...ctx.sharedVars, ...ownVars];
    const { value, grads } = tf.variableGrads(() => ctx.taskLosses()[head]!.mul(base[head] ?? 1) as tf.Scalar, vars);
    values.push(value);
    // A shared variable that this head does not reach (shared by two other heads) has no gradient: zeros.
    shared.push(ctx.sharedVars.map((v) => grads[v.name] ?? tf.zerosLike(v)));
    own.push(ownVars.map((v) => grads[v.name] ?? tf.zerosLike(v)));
  }
  const losses = values.length > 0 ? Array.from(readAndDispose(tf.stack(values))) : [];
  tf.dispose(values);
  return { heads, losses, shared, own };
}

function disposeTaskGradients(grads: TaskGradients): void {
  tf.dispose([...grads.shared.flat(), ...grads.own.flat()]);
}

/**
 * The step the gradient-based methods share: the active heads' gradients handed to `combine` and
 * freed after it. A step without active heads only records its losses and returns false.
 */
export function stepWithTaskGradients(
  ctx: StepContext,
  base: Readonly<Record<string, number>>,
  combine: (grads: TaskGradients) => void,
): boolean {
  const active = activeHeads(ctx, base);
  if (active.length === 0) {
    recordOnly(ctx);
    return false;
  }
  const grads = taskGradientsOf(ctx, active, base);
  try {
    combine(grads);
  } finally {
    disposeTaskGradients(grads);
  }
  return true;
}

/** G_ij = g_i · g_j, each g_i given as its tensors (one per parameter), as plain numbers. */
export function gramMatrix(gradients: readonly (readonly tf.Tensor[])[]): number[][] {
  const t = gradients.length;
  if (t === 0) return [];
  if (gradients[0]!.length === 0) return Array.from({ length: t }, () => new Array<number>(t).fill(0));
  const gram = tf.tidy(() => {
    const rows = gradients.map((gs) => tf.concat(gs.map((g) => g.reshape([-1]))));
    const matrix = tf.stack(rows);
    return tf.matMul(matrix, matrix, false, true);
  });
  const flat = readAndDispose(gram);
  return Array.from({ length: t }, (_, i) => Array.from(flat.subarray(i * t, (i + 1) * t)));
}

/**
 * Applies one update: each shared parameter gets Σ_i sharedCoeff_i·g_i, each active head's own
 * parameters get ownCoeff_i·g_i; `extra` adds gradients of the strategy's own variables (not disposed here).
 * Parameters of inactive heads get zero gradients.
 */
export function applyCombination(
  ctx: StepContext,
  grads: TaskGradients,
  sharedCoeff: readonly number[],
  ownCoeff: readonly number[],
  extra: ReadonlyMap<tf.Variable, tf.Tensor> = new Map(),
): void {
  const made = new Map<tf.Variable, tf.Tensor>();
  ctx.sharedVars.forEach((v, k) => {
    made.set(
      v,
      tf.tidy(() => tf.addN(grads.shared.map((gs, i) => gs[k]!.mul(sharedCoeff[i]!)))),
    );
  });
  grads.heads.forEach((head, i) => {
    (ctx.taskVars[head] ?? []).forEach((v, k) => made.set(v, grads.own[i]![k]!.mul(ownCoeff[i]!)));
  });
  for (const [v, g] of extra) made.set(v, g);
  try {
    ctx.applyGradients(made);
  } finally {
    for (const [v, g] of made) if (!extra.has(v)) g.dispose();
  }
}

function readAndDispose(t: tf.Tensor): Float32Array {
  // A copy: on some backends dataSync hands out the tensor's own storage.
  const data = Float32Array.from(t.dataSync());
  t.dispose();
  return data;
}

/**
 * Each head's gradient of its own loss with respect to `vars` (default: the shared parameters),
 * one forward pass per head. A head that does not depend on a variable gets zeros for it.
 * The caller owns (and disposes) the returned tensors.
 */
export function taskGradients(ctx: StepContext, vars: readonly tf.Variable[] = ctx.sharedVars): Record<string, tf.Tensor[]> {
  const out: Record<string, tf.Tensor[]> = {};
  for (const head of ctx.heads) {
    let grads: tf.NamedTensorMap = {};
    try {
      const result = tf.variableGrads(() => ctx.taskLosses()[head]!, [...vars]);
      result.value.dispose();
      grads = result.grads;
    } catch (error) {
      // TensorFlow.js refuses when the loss reaches none of the variables: all zeros then.
      if (!(error instanceof Error) || !/connection between any variable/.test(error.message)) throw error;
    }
    out[head] = vars.map((v) => grads[v.name] ?? tf.zerosLike(v));
  }
  return out;
}
