/**
 * The heads' losses and gradients of the compiled step (step.ts), on the host: the loss
 * of each head and the gradient of λ · its mean with respect to the logits, computed with the
 * float32 operations of the tape path in their order, so that both give the same bits.
 */
import type { HeadLoss } from './plan.js';
import { maskedLossGradient, maskedLossSums } from '../../accel/index.js';

/**
 * Σ mask · loss and Σ mask for one head over a batch, and into `grad` the gradient of λ · the
 * masked mean with respect to the logits: the loss gradient of accel/masked-loss.ts (per row λ /
 * max(count, 1)) then the activation's gradient as tfjs-core computes it, or for the squared
 * error the gradient of the tape path's ops. `p` holds the predictions, `grad` may not alias it.
 */
export function headLossAndGradient(
  kind: HeadLoss,
  y: ArrayLike<number>,
  p: Float32Array,
  mask: ArrayLike<number>,
  lambda: number,
  grad: Float32Array,
  units: number,
): { sum: number; count: number } {
  if (kind === 'mse') return squaredError(y, p, mask, lambda, grad);
  const f = Math.fround;
  const { sum, count } = maskedLossSums(kind, y, p, mask);
  maskedLossGradient(kind, y, p, mask, f(lambda) / Math.max(f(count), 1), grad);
  if (kind === 'categorical_crossentropy') softmaxGradient(grad, p, grad, units);
  else for (let u = 0; u < grad.length; u++) grad[u] = f(grad[u]! * f(p[u]! * f(1 - p[u]!)));
  return { sum: f(sum), count: f(count) };
}

/**
 * dx = dy·y − Σ(dy·y)·y row by row, in float32: tfjs-core's softmax gradient. `dx` may be `dy`.
 */
export function softmaxGradient(dy: Float32Array, y: Float32Array, dx: Float32Array, units: number): void {
  const f = Math.fround;
  for (let r = 0; r < y.length; r += units) {
    let total = 0;
    for (let u = r; u < r + units; u++) {
      dx[u] = f(dy[u]! * y[u]!);
      total = f(total + dx[u]!);
    }
    for (let u = r; u < r + units; u++) dx[u] = f(dx[u]! - f(total * y[u]!));
  }
}

/**
 * The masked mean squared error of losses/masked.ts computed as the tape path's kernels compute it, op by
 * op in float32 with the sums in row order, and into `dp` the gradient of λ · the masked mean
 * with respect to the predictions, as tfjs-core's gradients of those ops compute it: the same bits.
 * Labels of unlabelled rows count as 0 (the tape path's `where`), and are never read.
 */
function squaredError(
  y: ArrayLike<number>,
  p: Float32Array,
  mask: ArrayLike<number>,
  lambda: number,
  dp: Float32Array,
): { sum: number; count: number } {
  const f = Math.fround;
  const rows = mask.length;
  const units = rows === 0 ? 0 : p.length / rows;
  const label = (r: number, i: number) => (mask[r]! > 0 ? y[i]! : 0);
  let sum = 0;
  let count = 0;
  for (let r = 0; r < rows; r++) {
    let squares = 0;
    for (let i = r * units; i < (r + 1) * units; i++) {
      const d = f(label(r, i) - p[i]!);
      squares = f(squares + f(d * d));
    }
    sum = f(sum + f(f(squares / units) * mask[r]!));
    count = f(count + mask[r]!);
  }
  const dSum = f(f(lambda) / Math.max(count, 1));
  for (let r = 0; r < rows; r++) {
    const dRow = f(f(dSum * mask[r]!) / units);
    for (let i = r * units; i < (r + 1) * units; i++) dp[i] = f(dRow * f(2 * f(p[i]! - label(r, i))));
  }
  return { sum, count };
}
