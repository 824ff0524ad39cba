/** The layers of LANGUAGE.md §5: signatures, one-line docs, and shape rules. */
import type { ArgValue, LayerOp, Shape } from '../ir.js';
import { activationType, positiveInt, type Signature } from './signature.js';

/** What flows into a layer: a shape (without batch), its element type, and the vocabulary of int ids. */
export interface TensorInfo {
  readonly shape: Shape;
  readonly dtype: 'float' | 'int';
  readonly vocab?: number;
}

export type ShapeResult = { readonly shape: Shape } | { readonly error: string; readonly hint?: string };

export interface LayerSpec extends Signature {
  readonly name: LayerOp;
  /** The rule as the docs print it. */
  readonly rule: string;
  readonly infer: (input: TensorInfo, args: Readonly<Record<string, ArgValue>>) => ShapeResult;
}

export function formatShape(shape: Shape): string {
  return `[${shape.join(', ')}]`;
}

const paddingType = { kind: 'enum', what: 'a padding', values: ['same', 'valid'] } as const;

function keep(input: TensorInfo): ShapeResult {
  return { shape: input.shape };
}

function convolved(size: number, kernel: number, stride: number, padding: ArgValue): number {
  return padding === 'valid' ? Math.floor((size - kernel) / stride) + 1 : Math.ceil(size / stride);
}

function needRank(layer: string, input: TensorInfo, rank: number, form: string, hint?: string): ShapeResult | undefined {
  if (input.shape.length === rank) return undefined;
  return { error: `${layer} expects a ${form} input, got ${formatShape(input.shape)}`, ...(hint ? { hint } : {}) };
}

function sequenceHint(input: TensorInfo): string | undefined {
  if (input.dtype === 'int' && input.vocab !== undefined) return 'add an embedding first: -> embedding(32)';
  if (input.shape.length === 1) return `a sequence has a step axis: declare the input as float[t, f], or use dense on a flat vector`;
  return undefined;
}

const LAYER_LIST: LayerSpec[] = [
  {
    name: 'dense',
    doc: 'A fully connected layer on the last dimension.',
    rule: '[…, d] → […, units]',
    params: [
      { name: 'units', type: positiveInt, doc: 'output size' },
      { name: 'activation', type: activationType, default: 'linear', doc: 'applied to the output' },
    ],
    infer: (input, args) => ({ shape: [...input.shape.slice(0, -1), args.units as number] }),
  },
  {
    name: 'dropout',
    doc: 'Randomly zeroes a fraction of the values while training.',
    rule: 'shape kept',
    params: [{ name: 'rate', type: { kind: 'float', min: 0, max: 1, exclusiveMax: true }, doc: 'fraction dropped' }],
    infer: keep,
  },
  { name: 'batchnorm', doc: 'Batch normalization of the last dimension.', rule: 'shape kept', params: [], infer: keep },
  { name: 'layernorm', doc: 'Layer normalization of the last dimension.', rule: 'shape kept', params: [], infer: keep },
  {
    name: 'activation',
    doc: 'Applies an activation function.',
    rule: 'shape kept',
    params: [{ name: 'fn', type: activationType, doc: 'the function' }],
    infer: keep,
  },
  {
    name: 'conv1d',
    doc: 'A 1-D convolution over time steps.',
    rule: "[t, c] → [t', filters]",
    params: [
      { name: 'filters', type: positiveInt, doc: 'output channels' },
      { name: 'kernel', type: positiveInt, doc: 'window length' },
      { name: 'activation', type: activationType, default: 'linear', doc: 'applied to the output' },
      { name: 'stride', type: positiveInt, default: 1, doc: 'step between windows' },
      { name: 'padding', type: paddingType, default: 'same', doc: 'same keeps t/stride steps; valid only full windows' },
    ],
    infer: (input, args) => {
      const wrong = needRank('conv1d', input, 2, '[t, c]', sequenceHint(input));
      if (wrong) return wrong;
      const t = convolved(input.shape[0]!, args.kernel as number, args.stride as number, args.padding!);
      if (t < 1) return { error: `conv1d kernel ${args.kernel} is longer than the input ${formatShape(input.shape)}` };
      return { shape: [t, args.filters as number] };
    },
  },
  {
    name: 'conv2d',
    doc: 'A 2-D convolution over height and width.',
    rule: "[h, w, c] → [h', w', filters]",
    params: [
      { name: 'filters', type: positiveInt, doc: 'output channels' },
      { name: 'kernel', type: positiveInt, doc: 'square window size' },
      { name: 'activation', type: activationType, default: 'linear', doc: 'applied to the output' },
      { name: 'stride', type: positiveInt, default: 1, doc: 'step between windows' },
      { name: 'padding', type: paddingType, default: 'same', doc: 'same keeps size/stride; valid only full windows' },
    ],
    infer: (input, args) => {
      const wrong = needRank(
        'conv2d',
        input,
        3,
        '[h, w, c]',
        input.shape.length === 2 ? 'declare the channels: float[h, w, 1]' : undefined,
      );
      if (wrong) return wrong;
      const [h, w] = input.shape as [number, number, number];
      const k = args.kernel as number;
      const s = args.stride as number;
      const outH = convolved(h, k, s, args.padding!);
      const outW = convolved(w, k, s, args.padding!);
      if (outH < 1 || outW < 1) return { error: `conv2d kernel ${k} is larger than the input ${formatShape(input.shape)}` };
      return { shape: [outH, outW, args.filters as number] };
    },
  },
  poolLayer('maxpool', 'Takes the maximum over non-overlapping windows.'),
  poolLayer('avgpool', 'Takes the mean over non-overlapping windows.'),
  {
    name: 'globalpool',
    doc: 'Averages over every position, keeping channels.',
    rule: '[…, c] → [c]',
    params: [],
    infer: (input) => {
      if (input.shape.length < 2)
        return {
          error: `globalpool expects a [t, c] or [h, w, c] input, got ${formatShape(input.shape)}`,
          hint: 'it has nothing to pool: remove it',
        };
      return { shape: [input.shape[input.shape.length - 1]!] };
    },
  },
  {
    name: 'flatten',
    doc: 'Flattens all dimensions into one.',
    rule: '[d1, …, dn] → [d1·…·dn]',
    params: [],
    infer: (input) => ({ shape: [input.shape.reduce((a, b) => a * b, 1)] }),
  },
  {
    name: 'embedding',
    doc: 'Maps integer ids to learned vectors.',
    rule: 'int[t] vocab V → [t, dim]',
    params: [{ name: 'dim', type: positiveInt, doc: 'vector size' }],
    infer: (input, args) => {
      if (input.dtype !== 'int' || input.vocab === undefined) {
        const got = `${input.dtype}${formatShape(input.shape)}${input.dtype === 'int' ? ' without a vocabulary' : ''}`;
        return {
          error: `embedding expects integer ids with a vocabulary, got ${got}`,
          hint: 'declare the input as int[t] vocab V, or as category(n)',
        };
      }
      return { shape: [...input.shape, args.dim as number] };
    },
  },
  recurrentLayer('lstm', 'A long short-term memory recurrent layer.'),
  recurrentLayer('gru', 'A gated recurrent unit layer.'),
];

function poolLayer(name: 'maxpool' | 'avgpool', doc: string): LayerSpec {
  return {
    name,
    doc,
    rule: '[t, c] → [t/size, c] or [h, w, c] → [h/size, w/size, c] (valid)',
    params: [{ name: 'size', type: positiveInt, doc: 'window size and stride' }],
    infer: (input, args) => {
      const size = args.size as number;
      if (input.shape.length !== 2 && input.shape.length !== 3) {
        return { error: `${name} expects a [t, c] or [h, w, c] input, got ${formatShape(input.shape)}` };
      }
      const spatial = input.shape.slice(0, -1).map((d) => Math.floor(d / size));
      if (spatial.some((d) => d < 1)) return { error: `${name} size ${size} is larger than the input ${formatShape(input.shape)}` };
      return { shape: [...spatial, input.shape[input.shape.length - 1]!] };
    },
  };
}

function recurrentLayer(name: 'lstm' | 'gru', doc: string): LayerSpec {
  return {
    name,
    doc,
    rule: '[t, f] → [units], or [t, units] with sequences: true',
    params: [
      { name: 'units', type: positiveInt, doc: 'state size' },
      { name: 'sequences', type: { kind: 'bool' }, default: false, doc: 'return every step, not only the last' },
    ],
    infer: (input, args) => {
      const wrong = needRank(name, input, 2, '[t, f] sequence', sequenceHint(input));
      if (wrong) return wrong;
      return { shape: args.sequences ? [input.shape[0]!, args.units as number] : [args.units as number] };
    },
  };
}

export const LAYERS: ReadonlyMap<string, LayerSpec> = new Map(LAYER_LIST.map((l) => [l.name, l]));

/** `concat` and `add`, which merge several sources at the start of a pipeline. */
export const MERGES: ReadonlyMap<string, Signature> = new Map([
  ['concat', { name: 'concat', params: [], doc: 'Joins sources along the last dimension: leading dims equal, last dims add.' }],
  ['add', { name: 'add', params: [], doc: 'Adds sources element-wise: all shapes equal.' }],
]);
