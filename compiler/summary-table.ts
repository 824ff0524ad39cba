/** The Keras-style summary of a model's layer plan: a row per layer, parameter totals, and the table `mtlc summary` prints. */
import type { CheckedModel, Shape } from './ir.js';
import { planModel, type PlanOp } from './plan.js';

export interface SummaryRow {
  readonly name: string;
  /** The Keras class name: `Dense`, `Conv2D`, `InputLayer`… */
  readonly type: string;
  readonly shape: Shape;
  readonly params: number;
  readonly inputs: readonly string[];
}

export interface ModelSummary {
  readonly name: string;
  readonly rows: readonly SummaryRow[];
  readonly total: number;
  readonly trainable: number;
  readonly nonTrainable: number;
}

const CLASS_NAMES: Readonly<Record<PlanOp, string>> = {
  input: 'InputLayer',
  dense: 'Dense',
  dropout: 'Dropout',
  batchNormalization: 'BatchNormalization',
  layerNormalization: 'LayerNormalization',
  activation: 'Activation',
  leakyReLU: 'LeakyReLU',
  conv1d: 'Conv1D',
  conv2d: 'Conv2D',
  maxPooling1d: 'MaxPooling1D',
  maxPooling2d: 'MaxPooling2D',
  averagePooling1d: 'AveragePooling1D',
  averagePooling2d: 'AveragePooling2D',
  globalAveragePooling1d: 'GlobalAveragePooling1D',
  globalAveragePooling2d: 'GlobalAveragePooling2D',
  flatten: 'Flatten',
  embedding: 'Embedding',
  lstm: 'LSTM',
  gru: 'GRU',
  concatenate: 'Concatenate',
  add: 'Add',
  reshape: 'Reshape',
  dot: 'Dot',
};

/** Rows and parameter totals of a model, as Keras' `model.summary()` reports them. */
export function summarize(model: CheckedModel): ModelSummary {
  const plan = planModel(model);
  const rows = plan.steps.map((s) => ({
    name: s.name,
    type: CLASS_NAMES[s.op],
    shape: s.shape,
    params: s.trainable + s.nonTrainable,
    inputs: s.inputs,
  }));
  const trainable = plan.steps.reduce((sum, s) => sum + s.trainable, 0);
  const nonTrainable = plan.steps.reduce((sum, s) => sum + s.nonTrainable, 0);
  return { name: model.name, rows, total: trainable + nonTrainable, trainable, nonTrainable };
}

function formatCount(n: number): string {
  return n.toLocaleString('en-US');
}

function formatBatchShape(shape: Shape): string {
  return `(None, ${shape.join(', ')})`;
}

/** A Keras-style table: layer (type), output shape, parameters, and what each layer reads. */
export function formatSummary(summary: ModelSummary): string {
  const header = ['Layer (type)', 'Output Shape', 'Param #', 'Connected to'];
  const cells = summary.rows.map((r) => [`${r.name} (${r.type})`, formatBatchShape(r.shape), formatCount(r.params), r.inputs.join(', ')]);
  const widths = header.map((h, i) => Math.max(h.length, ...cells.map((c) => c[i]!.length)));
  const line = (c: readonly string[]) =>
    c
      .map((v, i) => (i === 2 ? v.padStart(widths[i]!) : v.padEnd(widths[i]!)))
      .join('   ')
      .trimEnd();
  const width = line(header.map((h, i) => h.padEnd(widths[i]!))).length;
  const out = [
    `Model: "${summary.name}"`,
    '─'.repeat(width),
    line(header),
    '═'.repeat(width),
    ...cells.map(line),
    '═'.repeat(width),
    `Total params: ${formatCount(summary.total)}`,
    `Trainable params: ${formatCount(summary.trainable)}`,
    `Non-trainable params: ${formatCount(summary.nonTrainable)}`,
  ];
  return out.join('\n');
}
