/**
 * The plan of the compiled training step (step.ts): the lowered model read back as the
 * graph the step runs — sources (`[b, width]` tensors: model inputs, side by side or alone, and
 * node outputs) and nodes (dense layers, dropout and gate mixtures) in the order tfjs-layers runs them —
 * or undefined when a layer, input or head is not one the step implements.
 */
import type * as tf from '@tensorflow/tfjs';
import type { HeadNode } from '../../../compiler/index.js';
import type { MaskedLossKind as Kind } from '../../accel/index.js';
import { fusedKind } from '../losses/index.js';

export type Activation = 'relu' | 'linear' | 'softmax' | 'sigmoid';

/** What a dense layer of tfjs-layers holds (private there). */
export interface DenseLayer {
  readonly units: number;
  readonly kernel: { read(): tf.Tensor };
  readonly bias: { read(): tf.Tensor } | null;
  readonly activation: { getClassName(): string };
  readonly kernelRegularizer?: unknown;
  readonly biasRegularizer?: unknown;
  readonly activityRegularizer?: unknown;
}

/** The losses of the heads the step runs, and the activation each needs. */
export type HeadLoss = Kind | 'mse';
const HEAD_ACTIVATION: Record<HeadLoss, Activation> = {
  categorical_crossentropy: 'softmax',
  binary_crossentropy: 'sigmoid',
  mse: 'linear',
};

const ACTIVATIONS: Record<string, Activation> = { relu: 'relu', linear: 'linear', softmax: 'softmax', sigmoid: 'sigmoid' };

/**
 * The layers in the order tfjs-layers' executor runs them for `model.apply` (a depth-first
 * post-order from each output in turn, a layer's inputs visited last to first), which is not
 * always `model.layers`' order. The step runs its nodes in this order, so that a gradient that
 * several layers add to is summed in the tape path's order, to the same bits.
 */
function executionOrder(model: tf.LayersModel): tf.layers.Layer[] {
  const order: tf.layers.Layer[] = [];
  const done = new Set<tf.layers.Layer>();
  for (const output of model.outputs) {
    const stack: tf.layers.Layer[] = [output.sourceLayer as tf.layers.Layer];
    const expanded: number[] = [];
    while (stack.length > 0) {
      const top = stack[stack.length - 1]!;
      if (done.has(top)) {
        stack.pop();
        continue;
      }
      const inputs = (top.inboundNodes[0]?.inboundLayers ?? []) as tf.layers.Layer[];
      if (inputs.length === 0 || expanded[expanded.length - 1] === stack.length - 1) {
        stack.pop();
        if (inputs.length > 0) expanded.pop();
        order.push(top);
        done.add(top);
      } else {
        expanded.push(stack.length - 1);
        for (const input of inputs) if (!done.has(input)) stack.push(input);
      }
    }
  }
  return order;
}

export type PlanNode =
  | {
      kind: 'dense';
      layer: DenseLayer;
      source: number;
      out: number;
      activation: Activation;
      head?: { name: string; kind: HeadLoss; index: number };
    }
  | { kind: 'mix'; gate: number; experts: number[]; out: number; width: number }
  | { kind: 'dropout'; source: number; out: number; rate: number };

/**
 * The graph of `model` as sources and nodes in the order they run, or undefined when a layer,
 * input or head is not one the step runs.
 */
export function plan(model: tf.LayersModel, heads: readonly HeadNode[]): Plan | undefined {
  const sources: PlanSource[] = [];
  const nodes: PlanNode[] = [];
  /** The source each layer's output is. */
  const sourceOf = new Map<string, number>();
  /** Reshape rows `[b, 1, d]` of sources, and their stacks `[b, n, d]` (Concatenate on axis 1). */
  const rows = new Map<string, number>();
  const stacks = new Map<string, number[]>();
  /** How each source is read: by dense layers and as experts, or as the gate of a mixture. */
  const readers = new Map<number, { plain: number; gate: number }>();
  const read = (source: number, as: 'plain' | 'gate') => {
    const r = readers.get(source) ?? { plain: 0, gate: 0 };
    r[as]++;
    readers.set(source, r);
  };
  const produce = (name: string, width: number): number => {
    sourceOf.set(name, sources.length);
    sources.push({ node: nodes.length, width });
    return sources.length - 1;
  };
  for (const input of model.inputs) {
    if (input.dtype !== 'float32' || input.shape.length !== 2) return undefined;
    sourceOf.set(input.sourceLayer.name, sources.length);
    sources.push({ inputs: [{ name: input.sourceLayer.name, width: input.shape[1]! }], width: input.shape[1]! });
  }
  for (const layer of executionOrder(model)) {
    const kind = layer.getClassName();
    if (kind === 'InputLayer') continue;
    if (layer.inboundNodes.length !== 1) return undefined;
    const from = layer.inboundNodes[0]!.inboundLayers.map((l) => l.name);
    const config = layer.getConfig();
    if (kind === 'Dense' && from.length === 1) {
      const dense = layer as unknown as DenseLayer;
      const activation = ACTIVATIONS[dense.activation.getClassName()];
      const source = sourceOf.get(from[0]!);
      if (activation === undefined || source === undefined) return undefined;
      if (dense.kernelRegularizer != null || dense.biasRegularizer != null || dense.activityRegularizer != null) return undefined;
      read(source, 'plain');
      nodes.push({ kind: 'dense', layer: dense, source, activation, out: produce(layer.name, dense.units) });
    } else if (kind === 'Dropout' && from.length === 1 && sourceOf.has(from[0]!) && config['noiseShape'] == null) {
      const source = sourceOf.get(from[0]!)!;
      const rate = config['rate'] as number;
      // tfjs-layers passes the input through unless 0 < rate < 1.
      if (rate > 0 && rate < 1) {
        read(source, 'plain');
        nodes.push({ kind: 'dropout', source, rate, out: produce(layer.name, sources[source]!.width) });
      } else {
        sourceOf.set(layer.name, source);
      }
    } else if (kind === 'Reshape' && from.length === 1 && sourceOf.has(from[0]!)) {
      // A row of a stack: the same buffer as its source.
      const source = sourceOf.get(from[0]!)!;
      const target = config['targetShape'] as number[];
      if (target.length !== 2 || target[0] !== 1 || target[1] !== sources[source]!.width) return undefined;
      rows.set(layer.name, source);
    } else if (kind === 'Concatenate' && config['axis'] === 1 && from.every((name) => rows.has(name))) {
      stacks.set(
        layer.name,
        from.map((name) => rows.get(name)!),
      );
    } else if (
      kind === 'Concatenate' &&
      (config['axis'] === -1 || config['axis'] === 1) &&
      from.every((name) => sources[sourceOf.get(name) ?? -1]?.inputs)
    ) {
      // Model inputs side by side: filled so from the batch.
      const inputs = from.flatMap((name) => sources[sourceOf.get(name)!]!.inputs!);
      sourceOf.set(layer.name, sources.length);
      sources.push({ inputs, width: inputs.reduce((sum, i) => sum + i.width, 0) });
    } else if (kind === 'Dot' && from.length === 2 && JSON.stringify(config['axes']) === '[1,1]') {
      const gate = sourceOf.get(from[0]!);
      const experts = stacks.get(from[1]!);
      if (gate === undefined || experts === undefined || sources[gate]!.width !== experts.length) return undefined;
      const width = sources[experts[0]!]!.width;
      if (experts.some((e) => sources[e]!.width !== width)) return undefined;
      read(gate, 'gate');
      for (const e of experts) read(e, 'plain');
      nodes.push({ kind: 'mix', gate, experts, width, out: produce(layer.name, width) });
    } else {
      return undefined;
    }
  }
  // Every head is a dense layer that nothing reads, ending in the activation its cross-entropy expects.
  if (model.outputs.length !== heads.length) return undefined;
  for (const [i, output] of model.outputs.entries()) {
    const head = heads[i]!;
    const source = sourceOf.get(output.sourceLayer.name);
    const node = source === undefined ? undefined : nodes[sources[source]!.node ?? -1];
    const kind = head.task.loss.kind === 'mse' ? 'mse' : fusedKind(head.task.loss);
    if (node?.kind !== 'dense' || kind === undefined || head.task.kind === 'tag' || readers.has(source!)) return undefined;
    if (node.activation !== HEAD_ACTIVATION[kind]) return undefined;
    node.head = { name: head.name, kind, index: i };
  }
  // Every other node is read; softmax only in heads and in gates (read once, as a gate), sigmoid only in heads.
  for (const node of nodes) {
    if (node.kind === 'dense' && node.head !== undefined) continue;
    const r = readers.get(node.out);
    if (r === undefined) return undefined;
    const activation = node.kind === 'dense' ? node.activation : 'linear';
    if (activation === 'sigmoid' || (activation === 'softmax') !== r.gate > 0 || (r.gate > 0 && (r.gate !== 1 || r.plain > 0)))
      return undefined;
  }
  return { sources, nodes };
}

export interface Plan {
  readonly sources: readonly PlanSource[];
  readonly nodes: readonly PlanNode[];
}

/** A `[b, width]` tensor of the step: model inputs side by side (one, or a concatenation), or the output of node `node`. */
export interface PlanSource {
  readonly inputs?: readonly { readonly name: string; readonly width: number }[];
  readonly node?: number;
  readonly width: number;
}
