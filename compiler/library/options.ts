/** The options of each section (LANGUAGE.md §4, §6) and what `train {}` holds for an option left out. */
import type { TrainSpec } from '../ir.js';

export const HEAD_OPTIONS = ['label', 'loss', 'metrics', 'classes', 'normalize'] as const;

export const TRAIN_OPTIONS = ['optimizer', 'epochs', 'batch', 'validation', 'early_stop', 'seed', 'shuffle', 'select'] as const;

export const DATA_OPTIONS = ['train', 'validation', 'test', 'format'] as const;

export const TRAIN_DEFAULTS: TrainSpec = {
  optimizer: { kind: 'adam', lr: 0.001, beta1: 0.9, beta2: 0.999 },
  epochs: 10,
  batch: 32,
  validation: 0,
  seed: 42,
  shuffle: true,
};
