/** Signatures of everything callable in `.mtl`: layers, task layers, gates, methods, options. */
import type { ArgValue } from '../ir.js';

export type ArgType =
  | { readonly kind: 'int'; readonly min?: number; readonly max?: number }
  | {
      readonly kind: 'float';
      readonly min?: number;
      readonly max?: number;
      readonly exclusiveMin?: boolean;
      readonly exclusiveMax?: boolean;
    }
  | { readonly kind: 'bool' }
  | { readonly kind: 'string' }
  /** A bare name from a fixed set, such as an activation (`relu`) or a padding (`same`). */
  | { readonly kind: 'enum'; readonly what: string; readonly values: readonly string[] }
  /** A pipeline of layer calls, such as a gate's `expert: dense(32, relu) -> dense(16, relu)`. */
  | { readonly kind: 'layers' }
  /** The data a gate reads: a name, optionally followed by layers (`features -> dense(64)`). */
  | { readonly kind: 'source' };

export interface ParamSpec {
  readonly name: string;
  readonly type: ArgType;
  /** Absent and not `optional`: the argument is required. */
  readonly default?: ArgValue;
  readonly doc: string;
}

export interface Signature {
  readonly name: string;
  readonly params: readonly ParamSpec[];
  /** One line for hover and completion. */
  readonly doc: string;
  /** The paper a method implements, for hover and docs. */
  readonly paper?: string;
}

export function describeType(type: ArgType): string {
  switch (type.kind) {
    case 'int':
      return `an integer${rangeText(type.min, type.max)}`;
    case 'float':
      return `a number${rangeText(type.min, type.max, type.exclusiveMin, type.exclusiveMax)}`;
    case 'bool':
      return 'true or false';
    case 'string':
      return 'a string';
    case 'enum':
      return `${type.what} (${type.values.join(', ')})`;
    case 'layers':
      return 'a layer pipeline';
    case 'source':
      return 'an input or trunk name';
  }
}

function rangeText(min?: number, max?: number, exclusiveMin = false, exclusiveMax = false): string {
  if (min !== undefined && max !== undefined) {
    return ` in ${exclusiveMin ? '(' : '['}${min}, ${max}${exclusiveMax ? ')' : ']'}`;
  }
  if (min !== undefined) return ` ${exclusiveMin ? '>' : '>='} ${min}`;
  if (max !== undefined) return ` ${exclusiveMax ? '<' : '<='} ${max}`;
  return '';
}

/** `dense(units: int, activation: activation = linear)` — for hover and signature help. */
export function formatSignature(sig: Signature): string {
  const params = sig.params.map((p) => {
    const type = p.type.kind === 'enum' ? p.type.what : p.type.kind;
    return p.default === undefined ? `${p.name}: ${type}` : `${p.name}: ${type} = ${p.default}`;
  });
  return `${sig.name}(${params.join(', ')})`;
}

export const ACTIVATIONS = [
  'linear',
  'relu',
  'relu6',
  'elu',
  'selu',
  'gelu',
  'swish',
  'sigmoid',
  'tanh',
  'softplus',
  'softmax',
  'leaky_relu',
] as const;

export const activationType: ArgType = { kind: 'enum', what: 'an activation', values: ACTIVATIONS };
export const positiveInt: ArgType = { kind: 'int', min: 1 };
