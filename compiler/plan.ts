/**
 * The layer plan of a checked model: the network as a list of TensorFlow.js layer calls in
 * topological order — names, configs, inputs, output shapes and parameter counts — with no
 * TensorFlow.js in sight, so that `mtlc summary` never loads it. The TensorFlow.js lowering
 * (runtime/model/lower.ts), the TypeScript emitter (runtime/model/emit-ts.ts) and the summary table
 * (summary-table.ts) all read this same plan, so they agree by construction.
 *
 * Gates follow LANGUAGE.md §4: MMoE (Ma et al., 2018, KDD) gives every reading head its own softmax
 * gate over k shared experts; CGC and PLE (Tang et al., 2020, RecSys) add experts specific to each
 * head, and PLE stacks CGC levels whose inner levels also carry a shared gate over all experts.
 * A mixture is built from standard layers only (reshape, concatenate, dot), so a saved model loads
 * anywhere TensorFlow.js runs: each expert output becomes a row, the rows are stacked into
 * `[k, D]`, and `dot` with the gate's softmax `[k]` gives the weighted sum `[D]`.
 */
import type { Activation, CheckedModel, Flow, GateNode, HeadNode, InputNode, LayerNode, Shape } from './ir.js';
import { LAYERS } from './library/layers.js';

/** The TensorFlow.js layer factories (`tf.layers.<op>`) a plan uses, plus `input` (`tf.input`). */
export type PlanOp =
  | 'input'
  | 'dense'
  | 'dropout'
  | 'batchNormalization'
  | 'layerNormalization'
  | 'activation'
  | 'leakyReLU'
  | 'conv1d'
  | 'conv2d'
  | 'maxPooling1d'
  | 'maxPooling2d'
  | 'averagePooling1d'
  | 'averagePooling2d'
  | 'globalAveragePooling1d'
  | 'globalAveragePooling2d'
  | 'flatten'
  | 'embedding'
  | 'lstm'
  | 'gru'
  | 'concatenate'
  | 'add'
  | 'reshape'
  | 'dot';

export type PlanValue = number | string | boolean | readonly number[];

/** One layer call: `tf.layers[op]({name, ...config}).apply(inputs)`. */
export interface PlanStep {
  /** The layer's name in TensorFlow.js: the IR's `LayerNode.id`, a head's name, or a derived name. */
  readonly name: string;
  readonly op: PlanOp;
  /** The factory's arguments, in TensorFlow.js spelling (`kernelSize`, `returnSequences`…). */
  readonly config: Readonly<Record<string, PlanValue>>;
  /** Names of the steps feeding this one; more than one for merges and mixtures. */
  readonly inputs: readonly string[];
  /** Output shape without the batch dimension. */
  readonly shape: Shape;
  readonly trainable: number;
  readonly nonTrainable: number;
  /** The model member the step belongs to, such as `trunk shared` or `head task1`. */
  readonly group: string;
}

export interface ModelPlan {
  readonly name: string;
  readonly steps: readonly PlanStep[];
  /** The input steps, in declaration order (inputs no head reads are left out). */
  readonly inputs: readonly string[];
  /** One output step per head, in head order; each is named after its head. */
  readonly outputs: readonly string[];
}

/** Keras' LeakyReLU slope; `leaky_relu` is a layer in TensorFlow.js, not an activation name. */
const LEAKY_RELU_ALPHA = 0.3;

function product(shape: Shape): number {
  return shape.reduce((a, b) => a * b, 1);
}

function sameShape(a: Shape, b: Shape): boolean {
  return a.length === b.length && a.every((d, i) => d === b[i]);
}

function last(shape: Shape): number {
  return shape[shape.length - 1]!;
}

/** A tensor flowing through the plan: the step that made it, its shape, and for int ids their vocabulary. */
interface Ref {
  readonly name: string;
  readonly shape: Shape;
  readonly vocab?: number;
}

/** Builds the plan of a checked model; see the file comment for the gate layouts. */
export function planModel(model: CheckedModel): ModelPlan {
  return new Planner(model).run();
}

class Planner {
  private readonly steps: PlanStep[] = [];
  private readonly used = new Set<string>();
  private readonly inputs = new Map<string, Ref>();
  private readonly trunks = new Map<string, Ref>();
  /** gate name → reading head → that head's mixture. */
  private readonly gates = new Map<string, Map<string, Ref>>();
  /** Derived steps (rows, flattened gate inputs) made once per tensor. */
  private readonly derived = new Map<string, Ref>();
  private readonly merges = new Map<string, number>();

  constructor(private readonly model: CheckedModel) {}

  run(): ModelPlan {
    const outputs = this.model.heads.map((head) => this.head(head));
    const inputs = this.model.inputs.filter((i) => this.inputs.has(i.name)).map((i) => i.name);
    // Input steps sit first, in declaration order, whatever order the heads reached them in.
    const inputSteps = inputs.map((name) => this.steps.find((s) => s.name === name)!);
    const rest = this.steps.filter((s) => s.op !== 'input');
    return { name: this.model.name, steps: [...inputSteps, ...rest], inputs, outputs };
  }

  private add(step: Omit<PlanStep, 'trainable' | 'nonTrainable'> & { trainable?: number; nonTrainable?: number }, vocab?: number): Ref {
    let name = step.name;
    // Names derived from the IR are unique by construction; this guards the unlikely clash of a
    // head named like a derived step.
    for (let n = 2; this.used.has(name); n++) name = `${step.name}_${n}`;
    this.used.add(name);
    this.steps.push({ ...step, name, trainable: step.trainable ?? 0, nonTrainable: step.nonTrainable ?? 0 });
    return { name, shape: step.shape, ...(vocab !== undefined ? { vocab } : {}) };
  }

  // ── members ───────────────────────────────────────────────────────────────────────────────
  private head(head: HeadNode): string {
    const group = `head ${head.name}`;
    const x = this.flow(head.flow, head.name, group);
    const task = head.task;
    const units = task.units;
    const out = this.add({
      name: head.name,
      op: 'dense',
      group,
      inputs: [x.name],
      shape: task.outShape,
      config: { units, activation: task.activation },
      trainable: last(x.shape) * units + units,
    });
    return out.name;
  }

  private input(name: string): Ref {
    const known = this.inputs.get(name);
    if (known) return known;
    const node = this.model.inputs.find((i) => i.name === name);
    if (node === undefined) throw new Error(`planModel: unknown input "${name}"`);
    const shape = inputShape(node);
    const vocab = node.vocab ?? node.category?.count;
    const ref = this.add(
      {
        name,
        op: 'input',
        group: 'inputs',
        inputs: [],
        shape,
        config: { shape: [...shape], dtype: inputIsInt(node) ? 'int32' : 'float32' },
      },
      vocab,
    );
    this.inputs.set(name, ref);
    return ref;
  }

  private trunk(name: string): Ref {
    const known = this.trunks.get(name);
    if (known) return known;
    const node = this.model.trunks.find((t) => t.name === name);
    if (node === undefined) throw new Error(`planModel: unknown trunk "${name}"`);
    const ref = this.flow(node.flow, name, `trunk ${name}`);
    this.trunks.set(name, ref);
    return ref;
  }

  private gateFor(name: string, head: string): Ref {
    let mixtures = this.gates.get(name);
    if (mixtures === undefined) {
      const gate = this.model.gates.find((g) => g.name === name);
      if (gate === undefined) throw new Error(`planModel: unknown gate "${name}"`);
      mixtures = this.gate(gate);
      this.gates.set(name, mixtures);
    }
    const ref = mixtures.get(head);
    if (ref === undefined) throw new Error(`planModel: head "${head}" is not a reader of gate "${name}"`);
    return ref;
  }

  // ── flows ─────────────────────────────────────────────────────────────────────────────────
  private flow(flow: Flow, owner: string, group: string): Ref {
    let x = this.source(flow.source, owner, group);
    for (const layer of flow.layers) x = this.layer(layer, x, layer.id, group);
    return x;
  }

  private source(source: Flow['source'], owner: string, group: string): Ref {
    switch (source.kind) {
      case 'input':
        return this.input(source.name);
      case 'trunk':
        return this.trunk(source.name);
      case 'gate':
        return this.gateFor(source.name, owner);
      case 'merge': {
        const parts = source.parts.map((part) => this.flow(part, owner, group));
        if (parts.length === 1) return parts[0]!;
        const n = (this.merges.get(owner) ?? 0) + 1;
        this.merges.set(owner, n);
        return this.add({
          name: `${owner}/${source.op}_${n}`,
          op: source.op === 'concat' ? 'concatenate' : 'add',
          group,
          inputs: parts.map((p) => p.name),
          shape: source.shape,
          config: source.op === 'concat' ? { axis: -1 } : {},
        });
      }
    }
  }

  /** One IR layer: usually one step, two for a `leaky_relu` activation, none for a no-op flatten. */
  private layer(node: LayerNode, x: Ref, name: string, group: string): Ref {
    const a = node.args;
    const inputs = [x.name];
    const shape = node.outShape;
    const inShape = x.shape;
    switch (node.op) {
      case 'dense': {
        const units = a.units as number;
        return this.activated(node, name, group, a.activation as Activation, (activation) =>
          this.add({
            name,
            op: 'dense',
            group,
            inputs,
            shape,
            config: { units, activation },
            trainable: last(inShape) * units + units,
          }),
        );
      }
      case 'conv1d':
      case 'conv2d': {
        const filters = a.filters as number;
        const kernel = a.kernel as number;
        const op = node.op;
        const window = op === 'conv1d' ? kernel : kernel * kernel;
        return this.activated(node, name, group, a.activation as Activation, (activation) =>
          this.add({
            name,
            op,
            group,
            inputs,
            shape,
            config: { filters, kernelSize: kernel, strides: a.stride as number, padding: a.padding as string, activation },
            trainable: window * last(inShape) * filters + filters,
          }),
        );
      }
      case 'dropout':
        return this.add({ name, op: 'dropout', group, inputs, shape, config: { rate: a.rate as number } });
      case 'batchnorm':
        return this.add({
          name,
          op: 'batchNormalization',
          group,
          inputs,
          shape,
          config: { axis: -1 },
          trainable: 2 * last(inShape),
          nonTrainable: 2 * last(inShape),
        });
      case 'layernorm':
        return this.add({ name, op: 'layerNormalization', group, inputs, shape, config: { axis: -1 }, trainable: 2 * last(inShape) });
      case 'activation': {
        const fn = a.fn as Activation;
        if (fn === 'leaky_relu') return this.add({ name, op: 'leakyReLU', group, inputs, shape, config: { alpha: LEAKY_RELU_ALPHA } });
        return this.add({ name, op: 'activation', group, inputs, shape, config: { activation: fn } });
      }
      case 'maxpool':
      case 'avgpool': {
        const size = a.size as number;
        const op =
          node.op === 'maxpool'
            ? inShape.length === 2
              ? 'maxPooling1d'
              : 'maxPooling2d'
            : inShape.length === 2
              ? 'averagePooling1d'
              : 'averagePooling2d';
        const poolSize = inShape.length === 2 ? size : [size, size];
        return this.add({ name, op, group, inputs, shape, config: { poolSize, strides: poolSize, padding: 'valid' } });
      }
      case 'globalpool': {
        if (inShape.length === 3) return this.add({ name, op: 'globalAveragePooling2d', group, inputs, shape, config: {} });
        let seq = x;
        if (inShape.length > 3) {
          // Higher ranks pool as one long sequence of positions.
          const steps: Shape = [product(inShape.slice(0, -1)), last(inShape)];
          seq = this.add({ name: `${name}/positions`, op: 'reshape', group, inputs, shape: steps, config: { targetShape: [...steps] } });
        }
        return this.add({ name, op: 'globalAveragePooling1d', group, inputs: [seq.name], shape, config: {} });
      }
      case 'flatten':
        // TensorFlow.js' Flatten wants rank >= 2 (without batch); a vector is flat already.
        if (inShape.length < 2) return x;
        return this.add({ name, op: 'flatten', group, inputs, shape, config: {} });
      case 'embedding': {
        const vocab = (a.vocab as number | undefined) ?? x.vocab;
        if (vocab === undefined) throw new Error(`planModel: embedding ${node.id} has no vocabulary`);
        const dim = a.dim as number;
        return this.add({
          name,
          op: 'embedding',
          group,
          inputs,
          shape,
          config: { inputDim: vocab, outputDim: dim },
          trainable: vocab * dim,
        });
      }
      case 'lstm':
      case 'gru': {
        const units = a.units as number;
        // TensorFlow.js' GRU has one bias per gate (Keras' reset_after: false).
        const op = node.op;
        const gates = op === 'lstm' ? 4 : 3;
        return this.add({
          name,
          op,
          group,
          inputs,
          shape,
          config: { units, returnSequences: a.sequences === true },
          trainable: gates * (units * (last(inShape) + units) + units),
        });
      }
    }
  }

  /** A layer with a built-in activation, or linear plus a LeakyReLU layer for `leaky_relu`. */
  private activated(node: LayerNode, name: string, group: string, activation: Activation, make: (activation: string) => Ref): Ref {
    if (activation !== 'leaky_relu') return make(activation);
    const linear = make('linear');
    return this.add({
      name: `${name}/leaky_relu`,
      op: 'leakyReLU',
      group,
      inputs: [linear.name],
      shape: node.outShape,
      config: { alpha: LEAKY_RELU_ALPHA },
    });
  }

  // ── gates ─────────────────────────────────────────────────────────────────────────────────
  private gate(gate: GateNode): Map<string, Ref> {
    const group = `gate ${gate.name}`;
    const x = this.flow(gate.input, gate.name, group);
    const mixtures = new Map<string, Ref>();
    if (gate.kind === 'mmoe') {
      const experts = Array.from({ length: gate.experts }, (_, i) => this.expert(gate, x, `${gate.name}/expert_${i + 1}`, group));
      const stack = this.stack(experts, `${gate.name}/experts`, group);
      for (const head of gate.readers) {
        mixtures.set(head, this.mixture(gate, stack, x, `${gate.name}/${head}`, group));
      }
      return mixtures;
    }
    const levels = gate.kind === 'cgc' ? 1 : Math.max(1, gate.levels);
    let taskIn = new Map(gate.readers.map((head) => [head, x]));
    let sharedIn = x;
    for (let level = 1; level <= levels; level++) {
      const prefix = levels > 1 ? `${gate.name}/level_${level}` : gate.name;
      const shared = Array.from({ length: gate.shared }, (_, i) => this.expert(gate, sharedIn, `${prefix}/shared_expert_${i + 1}`, group));
      const specific = new Map(
        gate.readers.map((head) => [
          head,
          Array.from({ length: gate.specific }, (_, i) => this.expert(gate, taskIn.get(head)!, `${prefix}/${head}/expert_${i + 1}`, group)),
        ]),
      );
      const next = new Map<string, Ref>();
      for (const head of gate.readers) {
        const stack = this.stack([...specific.get(head)!, ...shared], `${prefix}/${head}/experts`, group);
        next.set(head, this.mixture(gate, stack, taskIn.get(head)!, `${prefix}/${head}`, group));
      }
      if (level < levels) {
        const all = [...gate.readers.flatMap((head) => specific.get(head)!), ...shared];
        const stack = this.stack(all, `${prefix}/shared/experts`, group);
        sharedIn = this.mixture(gate, stack, sharedIn, `${prefix}/shared`, group);
      }
      taskIn = next;
    }
    for (const head of gate.readers) mixtures.set(head, taskIn.get(head)!);
    return mixtures;
  }

  /** One expert: the gate's expert layers, renamed under `prefix` (`moe/expert/dense_1` → `moe/expert_2/dense_1`). */
  private expert(gate: GateNode, x: Ref, prefix: string, group: string): Ref {
    const template = `${gate.name}/expert/`;
    let y = x;
    for (const layer of gate.expert) {
      const local = layer.id.startsWith(template) ? layer.id.slice(template.length) : layer.id;
      // At inner PLE levels the expert reads its own output shape; the IR's shapes are level 1's.
      const inShape = y.shape;
      const node: LayerNode = sameShape(inShape, layer.inShape) ? layer : { ...layer, inShape, outShape: reshapeLike(layer, inShape) };
      y = this.layer(node, y, `${prefix}/${local}`, group);
    }
    return y;
  }

  /** Expert outputs as rows of one `[k, D]` tensor. */
  private stack(experts: readonly Ref[], name: string, group: string): { ref: Ref; k: number; shape: Shape } {
    const shape = experts[0]!.shape;
    const rows = experts.map((e) => this.derive(e, 'row', group, [1, product(shape)]));
    if (rows.length === 1) return { ref: rows[0]!, k: 1, shape };
    const ref = this.add({
      name,
      op: 'concatenate',
      group,
      inputs: rows.map((r) => r.name),
      shape: [rows.length, product(shape)],
      config: { axis: 1 },
    });
    return { ref, k: rows.length, shape };
  }

  /** `softmax(W·x) · [E_1 … E_k]`: a gate dense over the flattened gate input, then `dot`. */
  private mixture(_gate: GateNode, stack: { ref: Ref; k: number; shape: Shape }, x: Ref, prefix: string, group: string): Ref {
    const flat = x.shape.length > 1 ? this.derive(x, 'flat', group, [product(x.shape)]) : x;
    const weights = this.add({
      name: `${prefix}/gate`,
      op: 'dense',
      group,
      inputs: [flat.name],
      shape: [stack.k],
      config: { units: stack.k, activation: 'softmax' },
      trainable: last(flat.shape) * stack.k + stack.k,
    });
    const mixed = this.add({
      name: `${prefix}/mix`,
      op: 'dot',
      group,
      inputs: [weights.name, stack.ref.name],
      shape: [product(stack.shape)],
      config: { axes: [1, 1] },
    });
    if (stack.shape.length === 1) return mixed;
    return this.add({
      name: `${prefix}/mix_shape`,
      op: 'reshape',
      group,
      inputs: [mixed.name],
      shape: stack.shape,
      config: { targetShape: [...stack.shape] },
    });
  }

  /** A reshape of `x` made once however many mixtures read it: `row` is `[1, D]`, `flat` is `[D]`. */
  private derive(x: Ref, what: 'row' | 'flat', group: string, shape: Shape): Ref {
    const key = `${x.name}/${what}`;
    const known = this.derived.get(key);
    if (known) return known;
    const ref =
      what === 'flat'
        ? this.add({ name: key, op: 'flatten', group, inputs: [x.name], shape, config: {} })
        : this.add({ name: key, op: 'reshape', group, inputs: [x.name], shape, config: { targetShape: [...shape] } });
    this.derived.set(key, ref);
    return ref;
  }
}

/** The output shape of an expert layer applied to its own output at an inner PLE level. */
function reshapeLike(layer: LayerNode, inShape: Shape): Shape {
  // The checker proved at level 2 that the expert accepts its own output; this re-derives the shapes.
  const result = LAYERS.get(layer.op)?.infer({ shape: inShape, dtype: 'float' }, layer.args);
  if (result === undefined || 'error' in result)
    throw new Error(`planModel: expert layer ${layer.id} cannot read ${JSON.stringify(inShape)}`);
  return result.shape;
}

function inputIsInt(node: InputNode): boolean {
  return node.dtype === 'int' || node.categoryAsIds === true;
}

/** The tensor shape an input is fed as: category ids fed to an embedding are one id, `[1]`. */
export function inputShape(node: InputNode): Shape {
  return node.categoryAsIds === true ? [1] : node.shape;
}

/**
 * For each plan step (a layer of either lowering), the heads whose outputs depend on it. Layers that more than
 * one head depends on hold the shared parameters (trunks, shared experts); the others belong to one task.
 */
export function layerHeads(plan: ModelPlan, heads: readonly string[]): Map<string, Set<string>> {
  const byName = new Map(plan.steps.map((s) => [s.name, s]));
  const result = new Map<string, Set<string>>();
  plan.outputs.forEach((output, i) => {
    const head = heads[i]!;
    const stack = [output];
    while (stack.length > 0) {
      const name = stack.pop()!;
      const seen = result.get(name) ?? new Set<string>();
      if (seen.has(head)) continue;
      seen.add(head);
      result.set(name, seen);
      stack.push(...(byName.get(name)?.inputs ?? []));
    }
  });
  return result;
}
