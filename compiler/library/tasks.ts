/** The task layers of LANGUAGE.md §6: the last call of every head. */
import type { Metric, Shape, TaskKind } from '../ir.js';
import { formatShape, type ShapeResult } from './layers.js';
import { positiveInt, type Signature } from './signature.js';

export type LossName = 'categorical_crossentropy' | 'binary_crossentropy' | 'mse' | 'mae' | 'huber';

export interface TaskSpec extends Signature {
  readonly name: TaskKind;
  readonly activation: 'softmax' | 'sigmoid' | 'linear';
  readonly rule: string;
  readonly defaultLoss: LossName;
  readonly losses: readonly LossName[];
  readonly metrics: readonly Metric[];
  readonly defaultMetrics: readonly Metric[];
  readonly label: string;
  readonly infer: (input: Shape, units: number) => ShapeResult;
}

const CLASSIFICATION_METRICS: readonly Metric[] = ['accuracy', 'auc', 'precision', 'recall', 'f1'];
const REGRESSION_METRICS: readonly Metric[] = ['mse', 'mae', 'rmse', 'r2'];

function flatInput(task: string, input: Shape, units: number): ShapeResult {
  if (input.length === 1) return { shape: [units] };
  return {
    error: `${task} expects a [d] input, got ${formatShape(input)}`,
    hint: input.length === 2 ? 'reduce the steps first: -> globalpool() or -> flatten()' : 'flatten first: -> flatten()',
  };
}

const TASK_LIST: TaskSpec[] = [
  {
    name: 'classify',
    doc: 'Single-label classification into n classes (softmax).',
    rule: '[d] → [n]',
    params: [{ name: 'n', type: { kind: 'int', min: 2 }, doc: 'number of classes' }],
    activation: 'softmax',
    defaultLoss: 'categorical_crossentropy',
    losses: ['categorical_crossentropy'],
    metrics: CLASSIFICATION_METRICS,
    defaultMetrics: ['accuracy'],
    label: 'a class id 0…n-1, or a class name listed in classes: [...]',
    infer: (input, n) => flatInput('classify', input, n),
  },
  {
    name: 'binary',
    doc: 'Binary classification (one sigmoid unit).',
    rule: '[d] → [1]',
    params: [],
    activation: 'sigmoid',
    defaultLoss: 'binary_crossentropy',
    losses: ['binary_crossentropy'],
    metrics: CLASSIFICATION_METRICS,
    defaultMetrics: ['accuracy'],
    label: '0/1 or true/false',
    infer: (input) => flatInput('binary', input, 1),
  },
  {
    name: 'multilabel',
    doc: 'Independent yes/no for each of n labels (sigmoid per label).',
    rule: '[d] → [n]',
    params: [{ name: 'n', type: positiveInt, doc: 'number of labels' }],
    activation: 'sigmoid',
    defaultLoss: 'binary_crossentropy',
    losses: ['binary_crossentropy'],
    metrics: CLASSIFICATION_METRICS,
    defaultMetrics: ['accuracy'],
    label: 'a list of label ids',
    infer: (input, n) => flatInput('multilabel', input, n),
  },
  {
    name: 'regress',
    doc: 'Regression of n numbers (linear output).',
    rule: '[d] → [n]',
    params: [{ name: 'n', type: positiveInt, default: 1, doc: 'number of outputs' }],
    activation: 'linear',
    defaultLoss: 'mse',
    losses: ['mse', 'mae', 'huber'],
    metrics: REGRESSION_METRICS,
    defaultMetrics: ['mae'],
    label: 'a number, or n numbers',
    infer: (input, n) => flatInput('regress', input, n),
  },
  {
    name: 'tag',
    doc: 'Sequence tagging: one of n classes per time step (softmax per step).',
    rule: '[t, d] → [t, n]',
    params: [{ name: 'n', type: { kind: 'int', min: 2 }, doc: 'number of tags' }],
    activation: 'softmax',
    defaultLoss: 'categorical_crossentropy',
    losses: ['categorical_crossentropy'],
    metrics: ['accuracy'],
    defaultMetrics: ['accuracy'],
    label: 'a list of tag ids, one per step',
    infer: (input, n) =>
      input.length === 2
        ? { shape: [input[0]!, n] }
        : { error: `tag expects a [t, d] sequence, got ${formatShape(input)}`, hint: 'keep the steps: lstm(units, sequences: true)' },
  },
];

export const TASKS: ReadonlyMap<string, TaskSpec> = new Map(TASK_LIST.map((t) => [t.name, t]));
