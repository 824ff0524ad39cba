/**
 * `mtlc tune`: the seed tutorial's "automatic adjustment" of the task weights λ_i by
 * cross-validation. Each setting of the `search(…)` weights is trained k times, once per fold, from
 * the same initial weights and on the same folds (a paired comparison), and scored on the held-out
 * fold by the selection metric: `train { select: head.metric }` when given, else the sum of the
 * heads' validation losses with every λ at 1 — the weighted total Σ λ_i L_i would favour small λ.
 * `normalize` statistics are learned from each fold's training rows only. The best setting has the
 * best mean over the folds (ties: the first in grid order).
 */
import type * as tf from '@tensorflow/tfjs';
import type { CheckedModel } from '../../compiler/index.js';
import { applyNormalization, type Dataset, fitNormalization, takeRows } from '../data/index.js';
import { lowerModel } from '../model/index.js';
import { evaluate, type Evaluation, HIGHER_IS_BETTER, train } from '../train/index.js';
import { kFolds } from './folds.js';
import { type Setting, withSetting } from './search.js';

/** What cross-validation scores a trained fold by. */
export interface Objective {
  /** As printed: `income.auc`, `marital.loss`, or `validation loss (λ = 1)`. */
  readonly label: string;
  readonly higherIsBetter: boolean;
  read(evaluation: Evaluation): number;
}

export function objectiveOf(model: CheckedModel): Objective {
  const select = model.train.select;
  if (select === undefined) {
    return {
      label: 'validation loss (sum over heads, λ = 1)',
      higherIsBetter: false,
      read: (e) => Object.values(e.taskLoss).reduce((s, l) => s + l, 0),
    };
  }
  if (select.metric === 'loss') return { label: `${select.head}.loss`, higherIsBetter: false, read: (e) => e.taskLoss[select.head] ?? NaN };
  return {
    label: `${select.head}.${select.metric}`,
    higherIsBetter: HIGHER_IS_BETTER.has(select.metric),
    read: (e) => e.metrics[select.head]?.[select.metric] ?? NaN,
  };
}

export interface SettingResult {
  readonly setting: Setting;
  /** The objective on each fold, in fold order. */
  readonly values: readonly number[];
  readonly mean: number;
  /** Sample standard deviation over the folds (k − 1 in the denominator). */
  readonly std: number;
}

export interface TuneResult {
  readonly objective: Objective;
  readonly folds: number;
  readonly results: readonly SettingResult[];
  readonly best: SettingResult;
}

export interface TuneOptions {
  readonly folds: number;
  /** Seeds the fold assignment; default: the model's `train { seed }`. */
  readonly seed?: number;
  /** Overrides `train { epochs }` for every fold. */
  readonly epochs?: number;
  /** Called as each setting finishes, for progress output. */
  readonly onResult?: (result: SettingResult, index: number) => void;
  /** Called as each fold of each setting is scored (indices from 0), for progress output. */
  readonly onFold?: (fold: { readonly setting: number; readonly fold: number; readonly value: number }) => void;
}

export function meanAndStd(values: readonly number[]): { mean: number; std: number } {
  const n = values.length;
  const mean = values.reduce((s, v) => s + v, 0) / n;
  const variance = n > 1 ? values.reduce((s, v) => s + (v - mean) ** 2, 0) / (n - 1) : 0;
  return { mean, std: Math.sqrt(variance) };
}

/** Whether `a` beats `b` under the objective; a NaN mean (a metric that could not be computed) never wins. */
function better(objective: Objective, a: number, b: number): boolean {
  if (Number.isNaN(a)) return false;
  if (Number.isNaN(b)) return true;
  return objective.higherIsBetter ? a > b : a < b;
}

interface Fold {
  readonly train: Dataset;
  readonly validation: Dataset;
}

/** Each fold's training and validation rows, normalized with statistics from its training rows. */
export function foldData(model: CheckedModel, data: Dataset, folds: number, seed: number): Fold[] {
  return kFolds(data.n, folds, seed).map((split) => {
    const trainRows = takeRows(data, split.train);
    const validation = takeRows(data, split.validation);
    const stats = fitNormalization(model, trainRows);
    applyNormalization(trainRows, stats);
    applyNormalization(validation, stats);
    return { train: trainRows, validation };
  });
}

/** Cross-validates every setting on the (raw, unnormalized) data set and picks the best. */
export async function tune(model: CheckedModel, data: Dataset, settings: readonly Setting[], options: TuneOptions): Promise<TuneResult> {
  if (settings.length === 0) throw new RangeError('there is no setting to try');
  const objective = objectiveOf(model);
  const folds = foldData(model, data, options.folds, options.seed ?? model.train.seed);
  const results: SettingResult[] = [];
  let best: SettingResult | undefined;
  for (const [index, setting] of settings.entries()) {
    const weighted = withSetting(model, setting);
    const values: number[] = [];
    for (const [k, fold] of folds.entries()) {
      values.push(await scoreFold(weighted, fold, objective, options.epochs));
      options.onFold?.({ setting: index, fold: k, value: values[k]! });
    }
    const result: SettingResult = { setting, values, ...meanAndStd(values) };
    results.push(result);
    if (best === undefined || better(objective, result.mean, best.mean)) best = result;
    options.onResult?.(result, index);
  }
  return { objective, folds: options.folds, results, best: best! };
}

async function scoreFold(model: CheckedModel, fold: Fold, objective: Objective, epochs: number | undefined): Promise<number> {
  let lowered: tf.LayersModel | undefined;
  try {
    lowered = lowerModel(model);
    // The held-out fold is scored once at the end; the loop needs it every epoch only to stop early
    // or to keep the best epoch by `select`, as a training run would.
    const perEpoch = model.train.earlyStop !== undefined || model.train.select !== undefined;
    const validation = perEpoch ? { validation: fold.validation } : {};
    await train(lowered, model, { train: fold.train, ...validation }, epochs !== undefined ? { epochs } : {});
    return objective.read(await evaluate(lowered, model, fold.validation));
  } finally {
    lowered?.dispose();
  }
}
