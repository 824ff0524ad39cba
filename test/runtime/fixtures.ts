/**
 * Checked models built by hand, as the compiler would produce them, for the lowering, summary,
 * emitter and training tests. Shapes come from the layer library's rules (LANGUAGE.md §5).
 */
import type {
  ArgValue,
  CheckedModel,
  Flow,
  GateNode,
  HeadNode,
  InputNode,
  LayerNode,
  LayerOp,
  LossSpec,
  Metric,
  Shape,
  Source,
  TaskKind,
  TrunkNode,
  WeightSpec,
} from '../../compiler/ir.js';
import { LAYERS } from '../../compiler/library/layers.js';
import { TRAIN_DEFAULTS } from '../../compiler/library/options.js';

const at = { start: 0, end: 0 };

export function input(name: string, shape: Shape, extra: Partial<InputNode> = {}): InputNode {
  return { name, dtype: 'float', shape, normalize: false, span: at, ...extra };
}

type Call = readonly [LayerOp, Record<string, ArgValue>?];

const DEFAULTS: Partial<Record<LayerOp, Record<string, ArgValue>>> = {
  dense: { activation: 'linear' },
  conv1d: { activation: 'linear', stride: 1, padding: 'same' },
  conv2d: { activation: 'linear', stride: 1, padding: 'same' },
  lstm: { sequences: false },
  gru: { sequences: false },
};

/** Layer nodes for `calls` applied to `inShape`, named `prefix/op_n` as the compiler names them. */
export function layers(
  prefix: string,
  inShape: Shape,
  calls: readonly Call[],
  dtype: 'float' | 'int' = 'float',
  vocab?: number,
): LayerNode[] {
  const counts = new Map<string, number>();
  const nodes: LayerNode[] = [];
  let shape = inShape;
  let info = { shape, dtype, ...(vocab !== undefined ? { vocab } : {}) };
  for (const [op, given] of calls) {
    const args = { ...DEFAULTS[op], ...given };
    const result = LAYERS.get(op)!.infer(info, args);
    if ('error' in result) throw new Error(`fixture ${prefix}: ${result.error}`);
    const n = (counts.get(op) ?? 0) + 1;
    counts.set(op, n);
    nodes.push({ op, args, inShape: shape, outShape: result.shape, id: `${prefix}/${op}_${n}`, span: at });
    shape = result.shape;
    info = { shape, dtype: 'float' };
  }
  return nodes;
}

export function flow(source: Source, layerNodes: readonly LayerNode[] = []): Flow {
  return { source, layers: layerNodes, shape: layerNodes.length > 0 ? layerNodes[layerNodes.length - 1]!.outShape : source.shape };
}

export const src = {
  input: (node: InputNode): Source => ({ kind: 'input', name: node.name, shape: node.shape }),
  trunk: (node: TrunkNode): Source => ({ kind: 'trunk', name: node.name, shape: node.flow.shape }),
  gate: (node: GateNode): Source => ({ kind: 'gate', name: node.name, shape: node.shape }),
  concat: (...parts: Flow[]): Source => ({
    kind: 'merge',
    op: 'concat',
    parts,
    shape: [...parts[0]!.shape.slice(0, -1), parts.reduce((s, p) => s + p.shape[p.shape.length - 1]!, 0)],
  }),
  add: (...parts: Flow[]): Source => ({ kind: 'merge', op: 'add', parts, shape: parts[0]!.shape }),
};

export function trunk(
  name: string,
  source: Source,
  calls: readonly Call[] = [],
  dtype: 'float' | 'int' = 'float',
  vocab?: number,
): TrunkNode {
  return { name, flow: flow(source, layers(name, source.shape, calls, dtype, vocab)), span: at };
}

const TASKS: Record<TaskKind, { activation: 'softmax' | 'sigmoid' | 'linear'; loss: LossSpec; metrics: Metric[] }> = {
  classify: { activation: 'softmax', loss: { kind: 'categorical_crossentropy' }, metrics: ['accuracy'] },
  binary: { activation: 'sigmoid', loss: { kind: 'binary_crossentropy' }, metrics: ['accuracy', 'auc'] },
  multilabel: { activation: 'sigmoid', loss: { kind: 'binary_crossentropy' }, metrics: ['accuracy'] },
  regress: { activation: 'linear', loss: { kind: 'mse' }, metrics: ['mae'] },
  tag: { activation: 'softmax', loss: { kind: 'categorical_crossentropy' }, metrics: ['accuracy'] },
};

export function head(
  name: string,
  source: Source,
  calls: readonly Call[],
  kind: TaskKind,
  units: number,
  options: { loss?: LossSpec; metrics?: Metric[] } = {},
): HeadNode {
  const f = flow(source, layers(name, source.shape, calls));
  const outShape = kind === 'tag' ? [f.shape[0]!, units] : [units];
  const t = TASKS[kind];
  return {
    name,
    flow: f,
    task: {
      kind,
      units,
      activation: t.activation,
      loss: options.loss ?? t.loss,
      metrics: options.metrics ?? t.metrics,
      label: name,
      inShape: f.shape,
      outShape,
      span: at,
    },
    span: at,
  };
}

export function gate(
  name: string,
  kind: GateNode['kind'],
  source: Source,
  expert: readonly Call[],
  readers: readonly string[],
  counts: { experts?: number; shared?: number; specific?: number; levels?: number } = {},
): GateNode {
  const expertLayers = layers(`${name}/expert`, source.shape, expert);
  return {
    name,
    kind,
    input: flow(source),
    expert: expertLayers,
    experts: counts.experts ?? 0,
    shared: counts.shared ?? 0,
    specific: counts.specific ?? 0,
    levels: counts.levels ?? 1,
    shape: expertLayers[expertLayers.length - 1]!.outShape,
    readers,
    span: at,
  };
}

export function model(
  name: string,
  members: { inputs: InputNode[]; trunks?: TrunkNode[]; gates?: GateNode[]; heads: HeadNode[]; weights?: Record<string, number> },
): CheckedModel {
  const weights: Record<string, WeightSpec> = {};
  for (const h of members.heads) weights[h.name] = { kind: 'fixed', value: members.weights?.[h.name] ?? 1 };
  return {
    name,
    inputs: members.inputs,
    trunks: members.trunks ?? [],
    gates: members.gates ?? [],
    heads: members.heads,
    weights,
    weighting: { method: 'fixed' },
    train: TRAIN_DEFAULTS,
    data: {},
    span: at,
  };
}

/** LANGUAGE.md §1: x float[100] → dense(64, relu) → classify(10) and classify(5); 7,439 parameters. */
export function seedModel(): CheckedModel {
  const x = input('x', [100]);
  const shared = trunk('shared', src.input(x), [['dense', { units: 64, activation: 'relu' }]]);
  return model('Seed', {
    inputs: [x],
    trunks: [shared],
    heads: [head('task1', src.trunk(shared), [], 'classify', 10), head('task2', src.trunk(shared), [], 'classify', 5)],
  });
}

const EXPERT: Call[] = [
  ['dense', { units: 32, activation: 'relu' }],
  ['dense', { units: 16, activation: 'relu' }],
];
const TOWER: Call[] = [
  ['dense', { units: 16, activation: 'relu' }],
  ['dropout', { rate: 0.1 }],
];

function gatedModel(name: string, kind: GateNode['kind'], counts: Parameters<typeof gate>[5], expert: Call[] = EXPERT): CheckedModel {
  const features = input('features', [64]);
  const moe = gate('moe', kind, src.input(features), expert, ['income', 'marital'], counts);
  return model(name, {
    inputs: [features],
    gates: [moe],
    heads: [head('income', src.gate(moe), TOWER, 'binary', 1), head('marital', src.gate(moe), TOWER, 'classify', 7)],
  });
}

/** LANGUAGE.md §1's Census model: four shared experts, a softmax gate per head. */
export function mmoeModel(): CheckedModel {
  return gatedModel('Census', 'mmoe', { experts: 4 });
}

export function cgcModel(): CheckedModel {
  return gatedModel('CensusCgc', 'cgc', { shared: 2, specific: 1 });
}

/** Two PLE levels; the expert maps [16] to [16] as well as [64] to [16], so level 2 can read level 1. */
export function pleModel(): CheckedModel {
  return gatedModel('CensusPle', 'ple', { shared: 2, specific: 1, levels: 2 }, [['dense', { units: 16, activation: 'relu' }]]);
}

/** An image through a small CNN, concatenated with a table of numbers. */
export function multiInputModel(): CheckedModel {
  const image = input('image', [28, 28, 1]);
  const table = input('table', [10]);
  const vision = trunk('vision', src.input(image), [
    ['conv2d', { filters: 8, kernel: 3, activation: 'relu' }],
    ['maxpool', { size: 2 }],
    ['flatten', {}],
  ]);
  const joint = trunk('joint', src.concat(flow(src.trunk(vision)), flow(src.input(table))), [['dense', { units: 32, activation: 'relu' }]]);
  return model('Digits', {
    inputs: [image, table],
    trunks: [vision, joint],
    heads: [
      head('digit', src.trunk(joint), [], 'classify', 10),
      head('size', src.trunk(joint), [], 'regress', 2),
      head('marks', src.concat(flow(src.trunk(vision)), flow(src.input(table))), [], 'multilabel', 3),
    ],
  });
}

/** Token ids through an embedding: one LSTM reads the whole text, another tags every step. */
export function textModel(): CheckedModel {
  const tokens = input('tokens', [20], { dtype: 'int', vocab: 1000 });
  const embed = trunk('embed', src.input(tokens), [['embedding', { dim: 16, vocab: 1000 }]], 'int', 1000);
  return model('Text', {
    inputs: [tokens],
    trunks: [embed],
    heads: [
      head('topic', src.trunk(embed), [['lstm', { units: 32 }]], 'classify', 4),
      head('pos', src.trunk(embed), [['lstm', { units: 32, sequences: true }]], 'tag', 5),
    ],
  });
}

/** Every other layer of §5: conv1d, pools, globalpool, gru, norms, leaky_relu, add, category ids. */
export function zooModel(): CheckedModel {
  const signal = input('signal', [32, 3]);
  const picture = input('picture', [16, 16, 2]);
  const city = input('city', [5], { category: { count: 5 }, categoryAsIds: true });
  const wave = trunk('wave', src.input(signal), [
    ['conv1d', { filters: 6, kernel: 5, activation: 'leaky_relu', stride: 2, padding: 'valid' }],
    ['avgpool', { size: 2 }],
    ['maxpool', { size: 2 }],
    ['batchnorm', {}],
    ['gru', { units: 8 }],
  ]);
  const pic = trunk('pic', src.input(picture), [
    ['conv2d', { filters: 4, kernel: 3, stride: 2 }],
    ['avgpool', { size: 2 }],
    ['activation', { fn: 'gelu' }],
    ['globalpool', {}],
    ['dense', { units: 8, activation: 'swish' }],
  ]);
  const cityIds = { ...src.input(city), shape: [1] } as Source;
  const place = trunk(
    'place',
    cityIds,
    [
      ['embedding', { dim: 4, vocab: 5 }],
      ['flatten', {}],
      ['dense', { units: 8 }],
    ],
    'int',
    5,
  );
  const seqs = trunk('seqs', src.input(signal), [
    ['conv1d', { filters: 4, kernel: 3 }],
    ['layernorm', {}],
    ['globalpool', {}],
    ['dense', { units: 8 }],
  ]);
  return model('Zoo', {
    inputs: [signal, picture, city],
    trunks: [wave, pic, place, seqs],
    heads: [
      head(
        'kind',
        src.add(flow(src.trunk(wave)), flow(src.trunk(pic)), flow(src.trunk(place))),
        [['activation', { fn: 'leaky_relu' }]],
        'classify',
        3,
      ),
      head('score', src.trunk(seqs), [['dense', { units: 4, activation: 'elu' }]], 'regress', 1, { loss: { kind: 'huber', delta: 1 } }),
    ],
  });
}

export const FIXTURES: Readonly<Record<string, () => CheckedModel>> = {
  seed: seedModel,
  mmoe: mmoeModel,
  cgc: cgcModel,
  ple: pleModel,
  multiInput: multiInputModel,
  text: textModel,
  zoo: zooModel,
};
