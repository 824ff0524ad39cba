/**
 * Seeded k-fold cross-validation splits: the rows are shuffled once (mulberry32, as every other
 * split of the runtime) and dealt into k folds whose sizes differ by at most one. Fold f validates
 * on its own rows and trains on all the others.
 */
import { mulberry32, shuffleInPlace, type Split } from '../data/index.js';

export function kFolds(n: number, k: number, seed: number): Split[] {
  if (!(Number.isInteger(k) && k >= 2)) throw new RangeError(`the number of folds must be an integer of at least 2, got ${k}`);
  if (k > n) throw new RangeError(`${k} folds need at least ${k} rows, and the data has ${n}`);
  const order = Int32Array.from({ length: n }, (_, i) => i);
  shuffleInPlace(order, mulberry32(seed));
  const fold = new Int32Array(n);
  order.forEach((row, position) => {
    fold[row] = position % k;
  });
  return Array.from({ length: k }, (_, f) => {
    const validation: number[] = [];
    const train: number[] = [];
    for (let row = 0; row < n; row++) (fold[row] === f ? validation : train).push(row);
    return { train: Int32Array.from(train), validation: Int32Array.from(validation) };
  });
}
