/** Hand-built checked models for the runtime tests: just enough IR to bind data and save. */
import type { CheckedModel, HeadNode, InputNode, LossSpec, TaskKind } from '../../compiler/ir.js';

const at = { start: 0, end: 0 };

export function floatInput(name: string, shape: readonly number[], extra: Partial<InputNode> = {}): InputNode {
  return { name, dtype: 'float', shape, normalize: false, span: at, ...extra };
}

export function categoryInput(name: string, count: number, names?: readonly string[], extra: Partial<InputNode> = {}): InputNode {
  return {
    name,
    dtype: 'float',
    shape: [count],
    normalize: false,
    span: at,
    category: names === undefined ? { count } : { count, names },
    ...extra,
  };
}

const defaults: Record<TaskKind, { activation: 'softmax' | 'sigmoid' | 'linear'; loss: LossSpec }> = {
  classify: { activation: 'softmax', loss: { kind: 'categorical_crossentropy' } },
  binary: { activation: 'sigmoid', loss: { kind: 'binary_crossentropy' } },
  multilabel: { activation: 'sigmoid', loss: { kind: 'binary_crossentropy' } },
  regress: { activation: 'linear', loss: { kind: 'mse' } },
  tag: { activation: 'softmax', loss: { kind: 'categorical_crossentropy' } },
};

/** A head whose task reads `label` (default: the head's name); `steps` is t for `tag`. */
export function head(
  name: string,
  kind: TaskKind,
  units: number,
  options: { label?: string; classes?: readonly string[]; steps?: number } = {},
): HeadNode {
  const d = 8;
  const inShape = kind === 'tag' ? [options.steps ?? 1, d] : [d];
  const outShape = kind === 'tag' ? [options.steps ?? 1, units] : [units];
  return {
    name,
    flow: { source: { kind: 'input', name: 'x', shape: inShape }, layers: [], shape: inShape },
    task: {
      kind,
      units,
      ...defaults[kind],
      metrics: [],
      label: options.label ?? name,
      ...(options.classes !== undefined ? { classes: options.classes } : {}),
      inShape,
      outShape,
      span: at,
    },
    span: at,
  };
}

export function model(name: string, inputs: readonly InputNode[], heads: readonly HeadNode[]): CheckedModel {
  return {
    name,
    inputs,
    trunks: [],
    gates: [],
    heads,
    weights: Object.fromEntries(heads.map((h) => [h.name, { kind: 'fixed', value: 1 }])),
    weighting: { method: 'fixed' },
    train: {
      optimizer: { kind: 'adam', lr: 0.001, beta1: 0.9, beta2: 0.999 },
      epochs: 1,
      batch: 32,
      validation: 0.2,
      seed: 42,
      shuffle: true,
    },
    data: {},
    span: at,
  };
}

/** The penguins example: four measurements, the island, and two heads (sex partially labelled). */
export function penguinModel(): CheckedModel {
  return model(
    'Penguins',
    [
      floatInput('measures', [4], { normalize: true, columns: { kind: 'range', first: 'beak_length_mm', last: 'body_mass_kg' } }),
      categoryInput('island', 3, ['Biscoe', 'Dream', 'Torgersen']),
    ],
    [
      head('species', 'classify', 3, { classes: ['Adelie', 'Chinstrap', 'Gentoo'] }),
      head('sex', 'binary', 1, { classes: ['FEMALE', 'MALE'] }),
    ],
  );
}
