/**
 * A compiled training step for models made of dense layers and gate mixtures, on the wasm
 * backend. The tape path (model.apply under optimizer.minimize) spends about a fifth of a wide
 * MLP's step in TensorFlow.js' JavaScript: the engine, the gradient tape, tfjs-layers and a tensor
 * object per intermediate. Here the step is planned once (plan.ts): every buffer (inputs,
 * activations, gradients, the parameters and Adam's moments, each as one flat array) is allocated
 * once in wasm memory, and a step is a fixed list of calls straight into the backend's C functions
 * (XNNPACK matmuls, Softmax, Sigmoid) and into mtl's own kernels
 * (runtime/accel/kernels/train-kernels.c), with the heads' losses and their gradients computed on the
 * host (heads.ts).
 *
 * The step computes the same float32 operations as the tape path with mtl's fused kernels
 * (accel/: fused-dense.ts, masked-loss.ts, fused-adam.ts), so a model of dense layers trains to the same
 * bits (tested); a gate's mixture sums in another order, so gated models agree to float32
 * rounding. The parameters live in this step's buffers while an epoch runs: `load` copies the
 * model's variables and Adam's state in at the start of an epoch (`beginEpoch`), and back at its
 * end (`endEpoch`), before anything (evaluation, checkpoints, early stopping) reads them.
 *
 * Dropout draws its masks from the run's seed, the epoch, the batch and the layer, so that runs
 * (and resumed runs) with dropout repeat exactly; the tape path's dropout is TensorFlow.js',
 * unseeded.
 *
 * Used when the model has float inputs of rank 2; dense layers (relu or linear inside; softmax
 * with categorical or sigmoid with binary cross-entropy, or linear with mean squared error, at the
 * heads); gates as the lowering makes them (expert rows stacked by Reshape and Concatenate, a
 * softmax dense gate, a Dot mixing them); dropout; a fixed weighting, Adam or AdamW and the wasm backend.
 * `compileDenseStep` returns undefined otherwise and the loop takes the tape path.
 */
import * as tf from '@tensorflow/tfjs';
import type { BackendWasm } from '@tensorflow/tfjs-backend-wasm';
import type { HeadNode } from '../../../compiler/index.js';
import {
  type AdamState,
  adamConstants,
  adamMoments,
  backendKernels,
  FusedAdam,
  registerAgain,
  type TrainKernels,
  type WasmModule,
  wasmModule,
} from '../../accel/index.js';
import { headLossAndGradient, softmaxGradient } from './heads.js';
import { type Activation, type HeadLoss, plan, type Plan, type PlanSource } from './plan.js';
import type { Batch } from '../../data/index.js';
import { AdamW, isDecayed } from '../optimizers.js';
import type { EpochTotals, TrainStep } from '../step.js';
import type { WeightingStrategy } from '../weighting/index.js';

/** tfjs-backend-wasm's FusableActivation. */
const LINEAR = 0;
const RELU = 1;

/**
 * A buffer in wasm memory with a tensor id of the backend's. The id is registered anew before
 * each use with the size in use: the C kernels read sizes from the registration, and XNNPACK's
 * operators, cached by the id of their weights and packed when made, are dropped when it is.
 */
interface Buffer {
  readonly offset: number;
  readonly id: number;
  readonly capacity: number;
}

/** A source of the plan with its buffers. */
interface Source extends PlanSource {
  readonly values: Buffer;
  /** `[width, b]`, made once per step for the kernel gradients of the layers that read it. */
  readonly transposed: Buffer;
  /** `[b, width]`: the gradient with respect to it, summed over its readers (node outputs only). */
  readonly grad?: Buffer;
}

interface DenseNode {
  readonly kind: 'dense';
  readonly source: number;
  readonly out: number;
  readonly units: number;
  readonly activation: Activation;
  readonly kernel: Buffer;
  readonly kernelGrad: Buffer;
  readonly bias?: Buffer;
  readonly biasGrad?: Buffer;
  /** `[b, units]` before softmax or sigmoid. */
  readonly logits?: Buffer;
  /** `[b, units]`: the gradient with respect to the pre-activation. */
  readonly grad: Buffer;
  /** `[units, in]`: the kernel transposed, for the input gradient. */
  readonly kernelT?: Buffer;
  readonly head?: { readonly name: string; readonly kind: HeadLoss; readonly index: number };
}

/** out = Σ_e gate[:, e] · expert_e: a gate's Dot of its softmax with the stacked experts. */
interface MixNode {
  readonly kind: 'mix';
  readonly gate: number;
  readonly experts: readonly number[];
  readonly out: number;
  readonly width: number;
  /** Arrays in wasm memory of the experts' value and gradient buffers' offsets. */
  readonly expertValues: number;
  readonly expertGrads: number;
}

/** out = x · mask, the mask drawn anew every step from the run's seed, the step and the node. */
interface DropoutNode {
  readonly kind: 'dropout';
  readonly source: number;
  readonly out: number;
  readonly rate: number;
  /** `[b, width]`: 0 for dropped values, 1 / (1 − rate) for kept ones. */
  readonly mask: Buffer;
}

type Node = DenseNode | MixNode | DropoutNode;

/**
 * The compiled step for `model` trained by `optimizer` on `variables` with `strategy`, batches of
 * up to `batchSize` rows; undefined when this model or setup is not one it runs (see above).
 */
export function compileDenseStep(
  model: tf.LayersModel,
  heads: readonly HeadNode[],
  variables: readonly tf.Variable[],
  optimizer: tf.Optimizer,
  strategy: WeightingStrategy,
  batchSize: number,
  seed: number,
): TrainStep | undefined {
  const adam = optimizer.constructor === FusedAdam || optimizer.constructor === AdamW;
  if (tf.getBackend() !== 'wasm' || !adam || strategy.step !== undefined || strategy.combine !== undefined) return undefined;
  const graph = plan(model, heads);
  if (graph === undefined) return undefined;
  // The optimizer updates exactly the dense layers' weights.
  const weights = graph.nodes.flatMap((n) =>
    n.kind === 'dense' ? [n.layer.kernel.read(), ...(n.layer.bias ? [n.layer.bias.read()] : [])] : [],
  );
  if (weights.length !== variables.length || weights.some((w) => !variables.includes(w as tf.Variable))) return undefined;
  const backend = tf.backend() as BackendWasm;
  return new DenseStep(backend, graph, variables, optimizer as FusedAdam, strategy, batchSize, seed);
}

/** The dropout key of node `k` at the `index`th step of `epoch`: a hash of the four, as an unsigned 32-bit integer. */
function dropoutKey(seed: number, epoch: number, index: number, k: number): number {
  let h = 0x811c9dc5;
  for (const v of [seed, epoch, index, k]) h = Math.imul(h ^ (v >>> 0), 0x01000193) ^ (h >>> 13);
  return h >>> 0;
}

/** What one step's backward pass has done so far. */
interface StepState {
  readonly rows: number;
  /** Sources whose transpose is made. */
  readonly transposed: Set<number>;
  /** Sources whose gradient holds a first contribution. */
  readonly written: Set<number>;
}

class DenseStep implements TrainStep {
  private readonly wasm: WasmModule;
  private readonly kernels: TrainKernels;
  private readonly allocated: number[] = [];
  private readonly ids: number[] = [];
  private readonly sources: Source[];
  private readonly nodes: Node[];
  /** Every parameter, gradient, first and second moment, flat, in the order of `variables`. */
  private readonly params: Buffer;
  private readonly grads: Buffer;
  private readonly moments: [Buffer, Buffer];
  /** Where each variable starts in the flat buffers (in floats). */
  private readonly starts: number[];
  private readonly total: number;
  /** Two shapes of rank 3, passed to the C functions by address. */
  private readonly shapes: number;
  /** A `[b, widest]` buffer for input gradients that add to an earlier one. */
  private readonly scratch: Buffer;
  private acc1 = 0;
  private acc2 = 0;

  constructor(
    private readonly backend: BackendWasm,
    graph: Plan,
    private readonly variables: readonly tf.Variable[],
    private readonly optimizer: FusedAdam,
    private readonly strategy: WeightingStrategy,
    batchSize: number,
    private readonly seed: number,
  ) {
    this.wasm = wasmModule(backend);
    this.kernels = backendKernels(backend);
    this.starts = [];
    let total = 0;
    for (const v of variables) {
      this.starts.push(total);
      total += v.size;
    }
    this.total = total;
    this.params = this.buffer(total);
    this.grads = this.buffer(total);
    this.moments = [this.buffer(total), this.buffer(total)];
    this.shapes = this.allocate(8 * 4);
    const b = batchSize;
    this.sources = graph.sources.map((s) => ({
      ...s,
      values: this.buffer(b * s.width),
      transposed: this.buffer(b * s.width),
      ...(s.node !== undefined ? { grad: this.buffer(b * s.width) } : {}),
    }));
    const slot = (w: tf.Tensor, buffer: Buffer): Buffer => this.view(buffer, this.starts[variables.indexOf(w as tf.Variable)]!, w.size);
    this.nodes = graph.nodes.map((n): Node => {
      if (n.kind === 'mix') {
        const offsets = (pick: (s: Source) => Buffer): number => {
          const at = this.allocate(4 * n.experts.length);
          this.wasm.HEAP32.set(
            n.experts.map((e) => pick(this.sources[e]!).offset),
            at / 4,
          );
          return at;
        };
        return { ...n, expertValues: offsets((s) => s.values), expertGrads: offsets((s) => s.grad!) };
      }
      if (n.kind === 'dropout') return { ...n, mask: this.buffer(b * graph.sources[n.out]!.width) };
      const kernel = n.layer.kernel.read();
      const bias = n.layer.bias?.read();
      const units = n.layer.units;
      return {
        kind: 'dense',
        source: n.source,
        out: n.out,
        units,
        activation: n.activation,
        kernel: slot(kernel, this.params),
        kernelGrad: slot(kernel, this.grads),
        ...(bias ? { bias: slot(bias, this.params), biasGrad: slot(bias, this.grads) } : {}),
        ...(n.activation === 'softmax' || n.activation === 'sigmoid' ? { logits: this.buffer(b * units) } : {}),
        ...(n.head ? { head: n.head } : {}),
        // A linear layer's gradient before and after its activation is the same.
        grad: n.activation === 'linear' ? this.sources[n.out]!.grad! : this.buffer(b * units),
        ...(graph.sources[n.source]!.node !== undefined ? { kernelT: this.buffer(graph.sources[n.source]!.width * units) } : {}),
      };
    });
    this.scratch = this.buffer(b * Math.max(...graph.sources.map((s) => s.width)));
  }

  /** Σ mask · loss per head in the order of the model's outputs, then Σ mask per head: the epoch's so far, in float32. */
  private sums = new Float32Array(0);

  beginEpoch(): void {
    this.load();
    this.sums = new Float32Array(2 * this.nodes.filter((n) => n.kind === 'dense' && n.head !== undefined).length);
  }

  /** The first batch whose loss was not finite and its head, or the last batch run. */
  private diverged: { batch: number; head?: number } | undefined;
  private lastBatch = 0;

  run(batch: Batch, epoch: number, index: number): void {
    const values = this.step(batch, epoch, index);
    values.forEach((value, i) => (this.sums[i]! += value));
    const head = values.slice(0, values.length / 2).findIndex((value) => !Number.isFinite(value));
    if (head >= 0 && this.diverged === undefined) this.diverged = { batch: index + 1, head };
    this.lastBatch = index + 1;
  }

  async endEpoch(): Promise<EpochTotals> {
    this.store();
    const diverged = this.diverged ?? (this.paramsFinite() ? undefined : { batch: this.lastBatch });
    this.diverged = undefined;
    return { sums: Array.from(this.sums), ...(diverged !== undefined ? { diverged } : {}) };
  }

  /** Whether every parameter is finite, read on the host from the step's own buffer. */
  private paramsFinite(): boolean {
    const from = this.params.offset / 4;
    const values = this.wasm.HEAPF32.subarray(from, from + this.params.capacity);
    for (let i = 0; i < values.length; i++) if (!Number.isFinite(values[i]!)) return false;
    return true;
  }

  /** Copies the variables and Adam's state into the step's buffers: at the start of each epoch. */
  private load(): void {
    const heap = () => this.wasm.HEAPF32;
    const into = (buffer: Buffer, k: number, t: tf.Tensor) =>
      heap().set(this.backend.typedArrayFromHeap(t) as Float32Array, buffer.offset / 4 + this.starts[k]!);
    this.variables.forEach((v, k) => {
      const [m, s] = adamMoments(this.optimizer, k, v);
      into(this.params, k, v);
      into(this.moments[0], k, m);
      into(this.moments[1], k, s);
    });
    const state = this.optimizer as unknown as AdamState;
    this.acc1 = (this.backend.typedArrayFromHeap(state.accBeta1) as Float32Array)[0]!;
    this.acc2 = (this.backend.typedArrayFromHeap(state.accBeta2) as Float32Array)[0]!;
  }

  /** Copies the parameters and Adam's state back into the model and the optimizer. */
  private store(): void {
    const state = this.optimizer as unknown as AdamState;
    tf.tidy(() => {
      const slice = (buffer: Buffer, k: number, v: tf.Variable) => {
        const from = buffer.offset / 4 + this.starts[k]!;
        return tf.tensor(this.wasm.HEAPF32.slice(from, from + v.size), v.shape, 'float32');
      };
      this.variables.forEach((v, k) => {
        const [m, s] = adamMoments(this.optimizer, k, v);
        v.assign(slice(this.params, k, v));
        m.assign(slice(this.moments[0], k, v));
        s.assign(slice(this.moments[1], k, v));
      });
      state.accBeta1.assign(tf.scalar(this.acc1));
      state.accBeta2.assign(tf.scalar(this.acc2));
    });
  }

  /**
   * One training step on `batch`, the `index`th of `epoch` (which, with the seed, draws the
   * dropout masks). Returns, as the tape step's stats: Σ mask · loss per head in the order of the
   * model's outputs, then Σ mask per head, in float32.
   */
  private step(batch: Batch, epoch: number, index: number): number[] {
    const b = batch.size;
    for (const source of this.sources) if (source.inputs) this.fill(source, batch);
    this.nodes.forEach((node, k) => {
      if (node.kind === 'dense') this.forward(node, b);
      else if (node.kind === 'mix')
        this.kernels.mixture(
          this.sources[node.gate]!.values.offset,
          node.expertValues,
          this.sources[node.out]!.values.offset,
          b,
          node.experts.length,
          node.width,
        );
      else this.dropout(node, b, dropoutKey(this.seed, epoch, index, k));
    });
    const heads = this.nodes.filter((n) => n.kind === 'dense' && n.head !== undefined).length;
    const stats = new Array<number>(2 * heads);
    const lambdas = this.strategy.lambdas();
    for (const node of this.nodes) {
      if (node.kind !== 'dense' || node.head === undefined) continue;
      const { sum, count } = this.headGradient(node, batch, lambdas[node.head.name] ?? 1);
      stats[node.head.index] = sum;
      stats[heads + node.head.index] = count;
    }
    const step: StepState = { rows: b, transposed: new Set(), written: new Set() };
    for (let i = this.nodes.length - 1; i >= 0; i--) {
      const node = this.nodes[i]!;
      if (node.kind === 'dense') this.backward(node, step);
      else if (node.kind === 'mix') this.mixBackward(node, step);
      else this.dropoutBackward(node, step);
    }
    this.adamUpdate();
    return stats;
  }

  dispose(): void {
    for (const id of this.ids) this.wasm._dispose_data(id);
    for (const offset of this.allocated) this.wasm._free(offset);
    this.ids.length = 0;
    this.allocated.length = 0;
  }

  private forward(node: DenseNode, b: number): void {
    const source = this.sources[node.source]!;
    const out = this.sources[node.out]!.values;
    const into = node.logits ?? out;
    this.bind(source.values, b * source.width);
    this.bind(node.kernel, node.kernel.capacity);
    if (node.bias) this.bind(node.bias, node.units);
    this.bind(into, b * node.units);
    const shapes = this.setShapes([1, b, source.width], [1, source.width, node.units]);
    this.wasm.__FusedMatMul(
      source.values.id,
      shapes,
      3,
      node.kernel.id,
      shapes + 12,
      3,
      0,
      0,
      node.activation === 'relu' ? RELU : LINEAR,
      node.bias?.id ?? 0,
      0,
      0,
      into.id,
    );
    if (node.logits === undefined) return;
    this.bind(out, b * node.units);
    if (node.activation === 'softmax') this.wasm._Softmax(node.logits.id, out.id, node.units, b);
    else this.wasm._Sigmoid(node.logits.id, out.id);
  }

  /** The head's masked loss sums; its gradient with respect to the logits into `grad`. */
  private headGradient(node: DenseNode, batch: Batch, lambda: number): { sum: number; count: number } {
    const n = batch.size * node.units;
    const label = batch.labels[node.head!.name];
    const y = label?.values ?? new Float32Array(n);
    const mask = label?.mask ?? new Uint8Array(batch.size);
    return headLossAndGradient(
      node.head!.kind,
      y,
      this.floats(this.sources[node.out]!.values, n),
      mask,
      lambda,
      this.floats(node.grad, n),
      node.units,
    );
  }

  private backward(node: DenseNode, step: StepState): void {
    const k = this.kernels;
    const b = step.rows;
    const out = this.sources[node.out]!;
    if (node.head === undefined && node.activation === 'relu') {
      k.relu_grad_bias(out.grad!.offset, out.values.offset, node.grad.offset, (node.biasGrad ?? this.scratch).offset, b, node.units);
    } else {
      // A gate's softmax; a head's gradient is already in `grad`, a linear layer's is its output's.
      if (node.head === undefined && node.activation === 'softmax') {
        softmaxGradient(
          this.floats(out.grad!, b * node.units),
          this.floats(out.values, b * node.units),
          this.floats(node.grad, b * node.units),
          node.units,
        );
      }
      if (node.biasGrad) k.bias_grad(node.grad.offset, node.biasGrad.offset, b, node.units);
    }
    const source = this.sources[node.source]!;
    // Kernel gradient: xᵀ · grad, with xᵀ made once per step per input.
    if (!step.transposed.has(node.source)) {
      this.transpose(source.values, source.transposed, b, source.width);
      step.transposed.add(node.source);
    }
    this.bind(source.transposed, b * source.width);
    this.bind(node.grad, b * node.units);
    this.bind(node.kernelGrad, node.kernelGrad.capacity);
    let shapes = this.setShapes([1, source.width, b], [1, b, node.units]);
    this.wasm._BatchMatMul(source.transposed.id, shapes, 3, node.grad.id, shapes + 12, 3, 0, 0, node.kernelGrad.id);
    if (node.kernelT === undefined) return;
    // Input gradient: grad · kernelᵀ, into the source's gradient (or added to it).
    const target = source.grad!;
    const first = !step.written.has(node.source);
    const into = first ? target : this.scratch;
    this.transpose(node.kernel, node.kernelT, source.width, node.units);
    this.bind(node.grad, b * node.units);
    this.bind(node.kernelT, node.kernelT.capacity);
    this.bind(into, b * source.width);
    shapes = this.setShapes([1, b, node.units], [1, node.units, source.width]);
    this.wasm._BatchMatMul(node.grad.id, shapes, 3, node.kernelT.id, shapes + 12, 3, 0, 0, into.id);
    if (first) step.written.add(node.source);
    else k.add_into(target.offset, this.scratch.offset, b * source.width);
  }

  /** The gate's gradient (into its output's, which only this mixture reads) and the experts' (added). */
  private mixBackward(node: MixNode, step: StepState): void {
    const b = step.rows;
    for (const e of node.experts) {
      if (step.written.has(e)) continue;
      this.floats(this.sources[e]!.grad!, b * node.width).fill(0);
      step.written.add(e);
    }
    const gate = this.sources[node.gate]!;
    this.kernels.mixture_grad(
      gate.values.offset,
      node.expertValues,
      this.sources[node.out]!.grad!.offset,
      gate.grad!.offset,
      node.expertGrads,
      b,
      node.experts.length,
      node.width,
    );
    step.written.add(node.gate);
  }

  /** out = x · mask, with a mask drawn for this step (probability of keeping 1 − rate, kept values scaled as tfjs does). */
  private dropout(node: DropoutNode, b: number, key: number): void {
    const source = this.sources[node.source]!;
    const threshold = Math.min(Math.round(node.rate * 2 ** 32), 2 ** 32 - 1);
    const scale = Math.fround(1 / Math.fround(1 - node.rate));
    this.kernels.dropout(
      source.values.offset,
      this.sources[node.out]!.values.offset,
      node.mask.offset,
      b * source.width,
      threshold >>> 0,
      scale,
      key,
    );
  }

  /** The source's gradient through the same mask (when the source is a node's output). */
  private dropoutBackward(node: DropoutNode, step: StepState): void {
    const source = this.sources[node.source]!;
    if (source.grad === undefined) return;
    const first = !step.written.has(node.source);
    this.kernels.dropout_grad(
      this.sources[node.out]!.grad!.offset,
      node.mask.offset,
      source.grad.offset,
      step.rows * source.width,
      first ? 0 : 1,
    );
    step.written.add(node.source);
  }

  /** Adam over all parameters, then AdamW's decay of the kernels, as optimizers.ts' AdamW does it. */
  private adamUpdate(): void {
    const o = this.optimizer;
    const attrs = o.attrs(this.variables.length);
    const c = adamConstants(attrs, this.acc1, this.acc2);
    this.kernels.adam(
      this.params.offset,
      this.grads.offset,
      this.moments[0].offset,
      this.moments[1].offset,
      this.total,
      c.b1,
      c.c1,
      c.b2,
      c.c2,
      c.d1,
      c.d2,
      c.eps,
      c.step,
    );
    this.acc1 = c.acc1;
    this.acc2 = c.acc2;
    // By constructor: tfjs' optimizer classes answer `instanceof` by duck typing (Symbol.hasInstance),
    // so every Adam is `instanceof AdamW`.
    if (o.constructor === AdamW && (o as AdamW).decay !== 0) {
      const keep = Math.fround(1 - attrs.learningRate * (o as AdamW).decay);
      this.variables.forEach((v, k) => {
        if (isDecayed(v.name)) this.kernels.scale(this.params.offset + 4 * this.starts[k]!, v.size, keep);
      });
    }
    (o as unknown as { incrementIterations(): void }).incrementIterations();
  }

  /** Copies the source's inputs from the batch, side by side. */
  private fill(source: Source, batch: Batch): void {
    const heap = this.wasm.HEAPF32;
    const start = source.values.offset / 4;
    let column = 0;
    for (const input of source.inputs!) {
      const values = batch.inputs[input.name];
      if (values === undefined) throw new Error(`the data has no values for input "${input.name}"`);
      if (input.width === source.width) {
        heap.set(values, start);
        continue;
      }
      for (let r = 0; r < batch.size; r++)
        heap.set(values.subarray(r * input.width, (r + 1) * input.width), start + r * source.width + column);
      column += input.width;
    }
  }

  /** The first `n` floats of `buffer`, a view of wasm memory (which a later allocation may move). */
  private floats(buffer: Buffer, n: number): Float32Array {
    return this.wasm.HEAPF32.subarray(buffer.offset / 4, buffer.offset / 4 + n);
  }

  /** `to` = `from`ᵀ for a `[rows, cols]` matrix. */
  private transpose(from: Buffer, to: Buffer, rows: number, cols: number): void {
    this.kernels.transpose(from.offset, to.offset, rows, cols);
  }

  private setShapes(a: readonly number[], b: readonly number[]): number {
    const heap = this.wasm.HEAP32;
    heap.set(a, this.shapes / 4);
    heap.set(b, this.shapes / 4 + 3);
    return this.shapes;
  }

  private bind(buffer: Buffer, size: number): void {
    registerAgain(this.wasm, buffer.id, size, buffer.offset);
  }

  private allocate(bytes: number): number {
    const offset = this.wasm._malloc(Math.max(bytes, 4)) >>> 0;
    this.allocated.push(offset);
    return offset;
  }

  private newId(): number {
    const holder = this.backend as unknown as { dataIdNextNumber: number };
    const id = holder.dataIdNextNumber++;
    this.ids.push(id);
    return id;
  }

  private buffer(floats: number): Buffer {
    return { offset: this.allocate(floats * 4), id: this.newId(), capacity: floats };
  }

  /** A part of `buffer` under an id of its own. */
  private view(buffer: Buffer, start: number, floats: number): Buffer {
    return { offset: buffer.offset + start * 4, id: this.newId(), capacity: floats };
  }
}
