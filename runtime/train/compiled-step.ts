/**
 * A compiled training step for models made only of dense layers, on the wasm backend. The tape
 * path (model.apply under optimizer.minimize) spends about a fifth of a wide MLP's step in
 * TensorFlow.js' JavaScript: the engine, the gradient tape, tfjs-layers and a tensor object per
 * intermediate. Here the step is planned once: every buffer (inputs, activations, gradients, the
 * parameters and Adam's moments, each as one flat array) is allocated once in wasm memory, and a
 * step is a fixed list of calls straight into the backend's C functions (XNNPACK matmuls, Softmax,
 * Sigmoid, Transpose) and into mtl's own kernels (train-kernels.c), with the masked losses
 * computed in JavaScript (fused-loss.ts).
 *
 * The step computes the same float32 operations as the tape path with mtl's fused kernels
 * (fused-dense.ts, fused-loss.ts, fused-adam.ts), so it trains to the same bits (tested). The
 * parameters live in this step's buffers while an epoch runs: `load` copies the model's variables
 * and Adam's state in at the start of an epoch, `store` copies them back at its end, before
 * anything (evaluation, checkpoints, early stopping) reads them.
 *
 * Used when the model has float inputs of rank 2, dense layers (relu or linear inside, softmax
 * with categorical or sigmoid with binary cross-entropy at the heads), a fixed weighting, plain
 * Adam and the wasm backend; `compileDenseStep` returns undefined otherwise and the loop takes the
 * tape path.
 */
import * as tf from '@tensorflow/tfjs';
import type { BackendWasm } from '@tensorflow/tfjs-backend-wasm';
import type { HeadNode } from '../../compiler/ir.js';
import type { Batch } from './dataset.js';
import { type AdamState, adamMoments, constants, FusedAdam } from './fused-adam.js';
import { fusedKind, type Kind, maskedLossGradient, maskedLossSums } from './fused-loss.js';
import { trainKernels, type TrainKernels } from './train-kernels.js';
import type { WeightingStrategy } from './weighting.js';

/** The parts of tfjs-backend-wasm's emscripten module the step calls. */
interface WasmModule {
  readonly HEAPF32: Float32Array;
  readonly HEAP32: Int32Array;
  readonly asm: { readonly memory: WebAssembly.Memory };
  _malloc(bytes: number): number;
  _free(offset: number): void;
  _register_tensor(id: number, size: number, offset: number): void;
  _dispose_data(id: number): void;
  __FusedMatMul(a: number, aShape: number, aRank: number, b: number, bShape: number, bRank: number, transposeA: number, transposeB: number, activation: number, bias: number, prelu: number, alpha: number, out: number): void;
  _BatchMatMul(a: number, aShape: number, aRank: number, b: number, bShape: number, bRank: number, transposeA: number, transposeB: number, out: number): void;
  _Transpose(x: number, shape: number, rank: number, dtype: number, out: number, perm: number, permRank: number): void;
  _Softmax(x: number, out: number, channels: number, batch: number): void;
  _Sigmoid(x: number, out: number): void;
}

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

type Activation = 'relu' | 'linear' | 'softmax' | 'sigmoid';

interface Source {
  /** The model input's name, or the index of the node that makes it. */
  readonly input?: string;
  readonly node?: number;
  readonly width: number;
  /** `[b, width]`: the input's values, or the node's output. */
  readonly values: Buffer;
  /** `[width, b]`, made once per step for the kernel gradients of the layers that read it. */
  readonly transposed: Buffer;
}

interface Node {
  readonly source: number;
  readonly units: number;
  readonly activation: Activation;
  readonly kernel: Buffer;
  readonly kernelGrad: Buffer;
  readonly bias?: Buffer;
  readonly biasGrad?: Buffer;
  /** `[b, units]` before softmax or sigmoid. */
  readonly logits?: Buffer;
  readonly out: Buffer;
  /** `[b, units]`: the gradient with respect to the output, summed over the layers that read it. */
  readonly outGrad: Buffer;
  /** `[b, units]`: the gradient with respect to the pre-activation. */
  readonly grad: Buffer;
  /** `[units, in]`: the kernel transposed, for the input gradient. */
  readonly kernelT?: Buffer;
  readonly head?: { readonly name: string; readonly kind: Kind };
}

export interface CompiledStep {
  /** Copies the variables and Adam's state into the step's buffers: at the start of each epoch. */
  load(): void;
  /** One training step on `batch`; per head, in the order given, Σ mask · loss and Σ mask. */
  run(batch: Batch): { sums: number[]; counts: number[] };
  /** Copies the parameters and Adam's state back into the model and the optimizer. */
  store(): void;
  dispose(): void;
}

/** What a dense layer of tfjs-layers holds (private there). */
interface DenseLayer {
  readonly units: number;
  readonly kernel: { read(): tf.Tensor };
  readonly bias: { read(): tf.Tensor } | null;
  readonly activation: { getClassName(): string };
  readonly kernelRegularizer?: unknown;
  readonly biasRegularizer?: unknown;
  readonly activityRegularizer?: unknown;
}

const ACTIVATIONS: Record<string, Activation> = { relu: 'relu', linear: 'linear', softmax: 'softmax', sigmoid: 'sigmoid' };

/** The dense graph of `model`, or undefined when a layer, input or head is not one the step runs. */
function denseGraph(model: tf.LayersModel, heads: readonly HeadNode[]) {
  const sources: { input?: string; node?: number; width: number }[] = [];
  const nodes: { name: string; layer: DenseLayer; source: number; activation: Activation; head?: { name: string; kind: Kind } }[] = [];
  const sourceOf = new Map<string, number>();
  for (const input of model.inputs) {
    if (input.dtype !== 'float32' || input.shape.length !== 2) return undefined;
    sourceOf.set(input.sourceLayer.name, sources.length);
    sources.push({ input: input.sourceLayer.name, width: input.shape[1]! });
  }
  const readers = new Map<string, number>();
  for (const layer of model.layers) {
    if (layer.getClassName() === 'InputLayer') continue;
    const dense = layer as unknown as DenseLayer;
    const activation = ACTIVATIONS[dense.activation?.getClassName()];
    const inbound = layer.inboundNodes;
    if (layer.getClassName() !== 'Dense' || activation === undefined || inbound.length !== 1 || inbound[0]!.inboundLayers.length !== 1) return undefined;
    if (dense.kernelRegularizer != null || dense.biasRegularizer != null || dense.activityRegularizer != null) return undefined;
    const from = inbound[0]!.inboundLayers[0]!.name;
    const source = sourceOf.get(from);
    if (source === undefined) return undefined;
    readers.set(from, (readers.get(from) ?? 0) + 1);
    sourceOf.set(layer.name, sources.length);
    sources.push({ node: nodes.length, width: dense.units });
    nodes.push({ name: layer.name, layer: dense, source, activation });
  }
  // Every head is a dense layer that nothing reads, ending in the activation its cross-entropy expects.
  if (model.outputs.length !== heads.length) return undefined;
  for (const [i, output] of model.outputs.entries()) {
    const head = heads[i]!;
    const index = sources[sourceOf.get(output.sourceLayer.name) ?? -1]?.node;
    const kind = fusedKind(head.task.loss);
    if (index === undefined || kind === undefined || head.task.kind === 'tag' || readers.has(output.sourceLayer.name)) return undefined;
    const node = nodes[index]!;
    if (node.activation !== (kind === 'categorical_crossentropy' ? 'softmax' : 'sigmoid')) return undefined;
    node.head = { name: head.name, kind };
  }
  // Softmax and sigmoid only at the heads; every layer leads to a head.
  if (nodes.some((n) => n.head === undefined && (n.activation === 'softmax' || n.activation === 'sigmoid' || !readers.has(n.name)))) return undefined;
  return { sources, nodes };
}

/**
 * The compiled step for `model` trained by `optimizer` on `variables` with `strategy`, batches of
 * up to `batchSize` rows; undefined when this model or setup is not one it runs (see above).
 */
export function compileDenseStep(
  model: tf.LayersModel, heads: readonly HeadNode[], variables: readonly tf.Variable[],
  optimizer: tf.Optimizer, strategy: WeightingStrategy, batchSize: number,
): CompiledStep | undefined {
  if (tf.getBackend() !== 'wasm' || optimizer.constructor !== FusedAdam || strategy.step !== undefined || strategy.combine !== undefined) return undefined;
  const graph = denseGraph(model, heads);
  if (graph === undefined) return undefined;
  // The optimizer updates exactly the dense layers' weights, in the order of `variables`.
  const weights = graph.nodes.flatMap((n) => [n.layer.kernel.read(), ...(n.layer.bias ? [n.layer.bias.read()] : [])]);
  if (weights.length !== variables.length || weights.some((w) => !variables.includes(w as tf.Variable))) return undefined;
  const backend = tf.backend() as BackendWasm;
  return new DenseStep(backend, graph, variables, optimizer as FusedAdam, strategy, batchSize);
}

class DenseStep implements CompiledStep {
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
  /** Two shapes of rank 3 and a permutation, passed to the C functions by address. */
  private readonly shapes: number;
  /** A `[b, widest]` buffer for input gradients that add to an earlier one. */
  private readonly scratch: Buffer;
  private acc1 = 0;
  private acc2 = 0;

  constructor(
    private readonly backend: BackendWasm,
    graph: NonNullable<ReturnType<typeof denseGraph>>,
    private readonly variables: readonly tf.Variable[],
    private readonly optimizer: FusedAdam,
    private readonly strategy: WeightingStrategy,
    batchSize: number,
  ) {
    this.wasm = backend.wasm as unknown as WasmModule;
    this.kernels = trainKernels(this.wasm.asm.memory);
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
    this.sources = graph.sources.map((s) => ({ ...s, values: this.buffer(b * s.width), transposed: this.buffer(b * s.width) }));
    const slot = (w: tf.Tensor, buffer: Buffer): Buffer => this.view(buffer, this.starts[variables.indexOf(w as tf.Variable)]!, w.size);
    this.nodes = graph.nodes.map((n) => {
      const kernel = n.layer.kernel.read();
      const bias = n.layer.bias?.read();
      const inWidth = graph.sources[n.source]!.width;
      const out = this.sources.find((s) => s.node === graph.nodes.indexOf(n))!.values;
      const outGrad = this.buffer(b * n.layer.units);
      const needsInputGrad = graph.sources[n.source]!.node !== undefined;
      return {
        source: n.source, units: n.layer.units, activation: n.activation, out, outGrad,
        kernel: slot(kernel, this.params), kernelGrad: slot(kernel, this.grads),
        ...(bias ? { bias: slot(bias, this.params), biasGrad: slot(bias, this.grads) } : {}),
        ...(n.head ? { logits: this.buffer(b * n.layer.units), head: n.head } : {}),
        // A linear layer's gradient before and after its activation is the same.
        grad: n.activation === 'linear' ? outGrad : this.buffer(b * n.layer.units),
        ...(needsInputGrad ? { kernelT: this.buffer(inWidth * n.layer.units) } : {}),
      };
    });
    this.scratch = this.buffer(b * Math.max(...graph.sources.map((s) => s.width)));
  }

  load(): void {
    const heap = () => this.wasm.HEAPF32;
    const into = (buffer: Buffer, k: number, t: tf.Tensor) => heap().set(this.backend.typedArrayFromHeap(t) as Float32Array, buffer.offset / 4 + this.starts[k]!);
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

  store(): void {
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

  run(batch: Batch): { sums: number[]; counts: number[] } {
    const b = batch.size;
    for (const source of this.sources) {
      if (source.input === undefined) continue;
      const values = batch.inputs[source.input];
      if (values === undefined) throw new Error(`the data has no values for input "${source.input}"`);
      this.wasm.HEAPF32.set(values, source.values.offset / 4);
    }
    for (const node of this.nodes) this.forward(node, b);
    const sums: number[] = [];
    const counts: number[] = [];
    const lambdas = this.strategy.lambdas();
    for (const node of this.nodes) {
      if (node.head === undefined) continue;
      const { sum, count } = this.headGradient(node, batch, lambdas[node.head.name] ?? 1);
      sums.push(sum);
      counts.push(count);
    }
    const transposed = new Set<number>();
    const gradWritten = new Set<number>();
    for (let i = this.nodes.length - 1; i >= 0; i--) this.backward(this.nodes[i]!, b, transposed, gradWritten);
    this.adamUpdate();
    return { sums, counts };
  }

  dispose(): void {
    for (const id of this.ids) this.wasm._dispose_data(id);
    for (const offset of this.allocated) this.wasm._free(offset);
    this.ids.length = 0;
    this.allocated.length = 0;
  }

  private forward(node: Node, b: number): void {
    const source = this.sources[node.source]!;
    const into = node.logits ?? node.out;
    this.bind(source.values, b * source.width);
    this.bind(node.kernel, node.kernel.capacity);
    if (node.bias) this.bind(node.bias, node.units);
    this.bind(into, b * node.units);
    const shapes = this.setShapes([1, b, source.width], [1, source.width, node.units]);
    this.wasm.__FusedMatMul(source.values.id, shapes, 3, node.kernel.id, shapes + 12, 3, 0, 0, node.activation === 'relu' ? RELU : LINEAR, node.bias?.id ?? 0, 0, 0, into.id);
    if (node.logits === undefined) return;
    this.bind(node.out, b * node.units);
    if (node.activation === 'softmax') this.wasm._Softmax(node.logits.id, node.out.id, node.units, b);
    else this.wasm._Sigmoid(node.logits.id, node.out.id);
  }

  /**
   * The head's masked loss sums, and in `grad` the gradient of λ · mean loss with respect to the
   * logits: the loss gradient of fused-loss.ts (per row λ / max(count, 1)), then softmax's or
   * sigmoid's gradient as tfjs-core computes it, in float32.
   */
  private headGradient(node: Node, batch: Batch, lambda: number): { sum: number; count: number } {
    const b = batch.size;
    const n = b * node.units;
    const label = batch.labels[node.head!.name];
    const y = label?.values ?? new Float32Array(n);
    const mask = label?.mask ?? new Uint8Array(b);
    const heap = this.wasm.HEAPF32;
    const p = heap.subarray(node.out.offset / 4, node.out.offset / 4 + n);
    const { sum, count } = maskedLossSums(node.head!.kind, y, p, mask);
    const dp = heap.subarray(node.grad.offset / 4, node.grad.offset / 4 + n);
    maskedLossGradient(node.head!.kind, y, p, mask, Math.fround(lambda) / Math.max(Math.fround(count), 1), dp);
    const f = Math.fround;
    if (node.activation === 'softmax') {
      // dx = dy·y − Σ(dy·y)·y, row by row.
      for (let r = 0; r < n; r += node.units) {
        let total = 0;
        for (let u = r; u < r + node.units; u++) {
          dp[u] = f(dp[u]! * p[u]!);
          total = f(total + dp[u]!);
        }
        for (let u = r; u < r + node.units; u++) dp[u] = f(dp[u]! - f(total * p[u]!));
      }
    } else {
      for (let u = 0; u < n; u++) dp[u] = f(dp[u]! * f(p[u]! * f(1 - p[u]!)));
    }
    return { sum: f(sum), count: f(count) };
  }

  private backward(node: Node, b: number, transposed: Set<number>, gradWritten: Set<number>): void {
    const k = this.kernels;
    const rows = b;
    if (node.activation === 'relu') {
      k.relu_grad_bias(node.outGrad.offset, node.out.offset, node.grad.offset, (node.biasGrad ?? this.scratch).offset, rows, node.units);
    } else if (node.biasGrad) {
      k.bias_grad(node.grad.offset, node.biasGrad.offset, rows, node.units);
    }
    const source = this.sources[node.source]!;
    // Kernel gradient: xᵀ · grad, with xᵀ made once per step per input.
    if (!transposed.has(node.source)) {
      this.transpose(source.values, source.transposed, b, source.width);
      transposed.add(node.source);
    }
    this.bind(source.transposed, b * source.width);
    this.bind(node.grad, b * node.units);
    this.bind(node.kernelGrad, node.kernelGrad.capacity);
    let shapes = this.setShapes([1, source.width, b], [1, b, node.units]);
    this.wasm._BatchMatMul(source.transposed.id, shapes, 3, node.grad.id, shapes + 12, 3, 0, 0, node.kernelGrad.id);
    if (node.kernelT === undefined || source.node === undefined) return;
    // Input gradient: grad · kernelᵀ, into the source's output gradient (or added to it).
    const target = this.nodes[source.node]!.outGrad;
    const first = !gradWritten.has(source.node);
    const into = first ? target : this.scratch;
    this.transpose(node.kernel, node.kernelT, source.width, node.units);
    this.bind(node.grad, b * node.units);
    this.bind(node.kernelT, node.kernelT.capacity);
    this.bind(into, b * source.width);
    shapes = this.setShapes([1, b, node.units], [1, node.units, source.width]);
    this.wasm._BatchMatMul(node.grad.id, shapes, 3, node.kernelT.id, shapes + 12, 3, 0, 0, into.id);
    if (first) gradWritten.add(source.node);
    else k.add_into(target.offset, this.scratch.offset, b * source.width);
  }

  private adamUpdate(): void {
    const o = this.optimizer;
    const c = constants(o.attrs(this.variables.length), this.acc1, this.acc2);
    this.kernels.adam(this.params.offset, this.grads.offset, this.moments[0].offset, this.moments[1].offset, this.total, c.b1, c.c1, c.b2, c.c2, c.d1, c.d2, c.eps, c.step);
    this.acc1 = c.acc1;
    this.acc2 = c.acc2;
    (o as unknown as { incrementIterations(): void }).incrementIterations();
  }

  /** `to` = `from`ᵀ for a `[rows, cols]` matrix, with the backend's Transpose. */
  private transpose(from: Buffer, to: Buffer, rows: number, cols: number): void {
    this.bind(from, rows * cols);
    this.bind(to, rows * cols);
    const shapes = this.setShapes([rows, cols, 0], [1, 0, 0]);
    this.wasm._Transpose(from.id, shapes, 2, 0, to.id, shapes + 12, 2);
  }

  private setShapes(a: readonly number[], b: readonly number[]): number {
    const heap = this.wasm.HEAP32;
    heap.set(a, this.shapes / 4);
    heap.set(b, this.shapes / 4 + 3);
    return this.shapes;
  }

  private bind(buffer: Buffer, size: number): void {
    this.wasm._dispose_data(buffer.id);
    this.wasm._register_tensor(buffer.id, size, buffer.offset);
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
