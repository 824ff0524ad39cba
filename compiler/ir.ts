/**
 * The checked model: what a model means once every name is resolved, every block inlined, every
 * default filled in and every shape inferred. Lowerings (TensorFlow.js, summary, graph) and the
 * training runtime read only this, never the syntax tree. Shapes exclude the batch dimension.
 */
import type { DataFormat } from './library/data-formats.js';
import type { Span } from './span.js';

export type Shape = readonly number[];

export type Activation =
  | 'linear'
  | 'relu'
  | 'relu6'
  | 'elu'
  | 'selu'
  | 'gelu'
  | 'swish'
  | 'sigmoid'
  | 'tanh'
  | 'softplus'
  | 'softmax'
  | 'leaky_relu';

export type LayerOp =
  | 'dense'
  | 'dropout'
  | 'batchnorm'
  | 'layernorm'
  | 'activation'
  | 'conv1d'
  | 'conv2d'
  | 'maxpool'
  | 'avgpool'
  | 'globalpool'
  | 'flatten'
  | 'embedding'
  | 'lstm'
  | 'gru';

export type ArgValue = number | string | boolean;

/**
 * One layer with all of its arguments resolved (defaults filled in, names as in LANGUAGE.md §5):
 * dense {units, activation}; dropout {rate}; activation {fn}; conv1d/conv2d {filters, kernel,
 * activation, stride, padding}; maxpool/avgpool {size}; embedding {dim, vocab}; lstm/gru {units,
 * sequences}; batchnorm, layernorm, globalpool, flatten {}.
 */
export interface LayerNode {
  readonly op: LayerOp;
  readonly args: Readonly<Record<string, ArgValue>>;
  readonly inShape: Shape;
  readonly outShape: Shape;
  /** Unique within the model and traceable to the source: `shared/dense_1`, `income/tower_1/dropout`. */
  readonly id: string;
  /** The call in the model's source (for a layer inlined from a block: the block call's span). */
  readonly span: Span;
}

/** Where a flow starts. */
export type Source =
  | { readonly kind: 'input'; readonly name: string; readonly shape: Shape }
  | { readonly kind: 'trunk'; readonly name: string; readonly shape: Shape }
  /** The reading head's own gated mixture of the gate's experts (§4). Only heads read gates. */
  | { readonly kind: 'gate'; readonly name: string; readonly shape: Shape }
  | { readonly kind: 'merge'; readonly op: 'concat' | 'add'; readonly parts: readonly Flow[]; readonly shape: Shape };

/** A source followed by layers: the meaning of a pipeline. */
export interface Flow {
  readonly source: Source;
  readonly layers: readonly LayerNode[];
  readonly shape: Shape;
}

export interface InputNode {
  readonly name: string;
  /** The tensor fed to the model: float for numeric and one-hot inputs, int for ids fed to `embedding`. */
  readonly dtype: 'float' | 'int';
  readonly shape: Shape;
  readonly vocab?: number;
  /** For `category(n)` / `category["a", …]` inputs: n and the names, if listed. */
  readonly category?: { readonly count: number; readonly names?: readonly string[] };
  /** True when the category is fed as integer ids to an `embedding` instead of one-hot. */
  readonly categoryAsIds?: boolean;
  readonly normalize: boolean;
  /** The data columns (CSV) this input reads; undefined: the default binding of §7. */
  readonly columns?:
    | { readonly kind: 'range'; readonly first: string; readonly last: string }
    | { readonly kind: 'list'; readonly names: readonly string[] };
  readonly span: Span;
}

export interface TrunkNode {
  readonly name: string;
  readonly flow: Flow;
  readonly span: Span;
}

export type GateKind = 'mmoe' | 'cgc' | 'ple';

/**
 * A mixture of experts. `mmoe`: `experts` shared experts, one softmax gate per reading head.
 * `cgc`: `shared` shared experts plus `specific` experts per reading head. `ple`: `levels` stacked
 * CGC levels; inner levels also have a shared gate over all experts (Tang et al., 2020).
 */
export interface GateNode {
  readonly name: string;
  readonly kind: GateKind;
  readonly input: Flow;
  /** The layers of one expert, applied to the gate's input; every expert has this shape. */
  readonly expert: readonly LayerNode[];
  readonly experts: number;
  readonly shared: number;
  readonly specific: number;
  readonly levels: number;
  readonly shape: Shape;
  /** The heads that read this gate, in declaration order. */
  readonly readers: readonly string[];
  readonly span: Span;
}

export type TaskKind = 'classify' | 'binary' | 'multilabel' | 'regress' | 'tag';

export type LossSpec =
  | { readonly kind: 'categorical_crossentropy' }
  | { readonly kind: 'binary_crossentropy' }
  | { readonly kind: 'mse' }
  | { readonly kind: 'mae' }
  | { readonly kind: 'huber'; readonly delta: number };

export type Metric = 'accuracy' | 'auc' | 'precision' | 'recall' | 'f1' | 'mse' | 'mae' | 'rmse' | 'r2';

export interface TaskNode {
  readonly kind: TaskKind;
  /** Output units: n for classify/multilabel/regress/tag, 1 for binary. */
  readonly units: number;
  readonly activation: 'softmax' | 'sigmoid' | 'linear';
  readonly loss: LossSpec;
  readonly metrics: readonly Metric[];
  /** The data column or field holding this task's label. */
  readonly label: string;
  /** Class names in id order (for binary: the names read as 0 and 1). */
  readonly classes?: readonly string[];
  /** Regress only, when written: `normalize: false` trains on the raw targets (default: standardized). */
  readonly normalize?: boolean;
  readonly inShape: Shape;
  readonly outShape: Shape;
  readonly span: Span;
}

export interface HeadNode {
  readonly name: string;
  /** The pipeline up to, not including, the task layer. */
  readonly flow: Flow;
  readonly task: TaskNode;
  readonly span: Span;
}

export type WeightSpec =
  | { readonly kind: 'fixed'; readonly value: number }
  | { readonly kind: 'search'; readonly values: readonly number[] };

export type WeightingSpec =
  | { readonly method: 'fixed' }
  | { readonly method: 'uncertainty' }
  | { readonly method: 'gradnorm'; readonly alpha: number }
  | { readonly method: 'dwa'; readonly temperature: number }
  | { readonly method: 'pcgrad' }
  | { readonly method: 'mgda' };

export type OptimizerSpec =
  | { readonly kind: 'adam'; readonly lr: number; readonly beta1: number; readonly beta2: number }
  | { readonly kind: 'adamw'; readonly lr: number; readonly decay: number }
  | { readonly kind: 'sgd'; readonly lr: number; readonly momentum: number }
  | { readonly kind: 'rmsprop'; readonly lr: number };

export interface TrainSpec {
  readonly optimizer: OptimizerSpec;
  readonly epochs: number;
  readonly batch: number;
  /** A fraction of the training rows held out, or a path (relative to the .mtl file); 0: none. */
  readonly validation: number | string;
  /** Patience in epochs; undefined: no early stopping. */
  readonly earlyStop?: number;
  readonly seed: number;
  readonly shuffle: boolean;
  /** The validation metric that picks the best epoch; undefined: the total validation loss. */
  readonly select?: { readonly head: string; readonly metric: Metric | 'loss' };
}

export interface DataSpec {
  readonly train?: string;
  readonly validation?: string;
  readonly test?: string;
  readonly format?: DataFormat;
}

export interface CheckedModel {
  readonly name: string;
  readonly inputs: readonly InputNode[];
  readonly trunks: readonly TrunkNode[];
  readonly gates: readonly GateNode[];
  readonly heads: readonly HeadNode[];
  /** One entry per head, in head order; heads missing from `weights {}` get 1.0. */
  readonly weights: Readonly<Record<string, WeightSpec>>;
  readonly weighting: WeightingSpec;
  readonly train: TrainSpec;
  readonly data: DataSpec;
  readonly span: Span;
}
