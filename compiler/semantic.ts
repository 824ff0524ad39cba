/**
 * What the checker learned about a file, by source position: the facts the editor features need
 * (declarations, references, the shape after each pipeline stage, what each call resolves to).
 */
import type { Shape } from './ir.js';
import type { Span } from './span.js';

export type SymbolKind = 'model' | 'input' | 'trunk' | 'gate' | 'head' | 'block' | 'param';

export interface SymbolInfo {
  readonly name: string;
  readonly kind: SymbolKind;
  /** The span of the declared name. */
  readonly nameSpan: Span;
  /** The span of the whole declaration. */
  readonly span: Span;
  /** The model that owns it (inputs, trunks, gates, heads). */
  readonly model?: string;
  /** The file that declares it, when it is not the compiled file (blocks from imports). */
  readonly uri?: string;
  /** Output shape, when known. */
  shape?: Shape;
  /** A one-line description: the type of an input, the task of a head, the signature of a block. */
  detail?: string;
}

export interface ReferenceInfo {
  readonly span: Span;
  readonly symbol: SymbolInfo;
}

export type CallKind = 'layer' | 'task' | 'block' | 'gate' | 'merge' | 'weighting' | 'optimizer' | 'loss' | 'search';

export interface CallInfo {
  /** The span of the callee name. */
  readonly span: Span;
  /** The span of the whole call, arguments included. */
  readonly callSpan: Span;
  readonly name: string;
  readonly kind: CallKind;
  /** The shape after this call, for pipeline stages whose input shape is known. */
  readonly shape?: Shape;
  /** The shape before this call. */
  readonly inShape?: Shape;
}

export interface SemanticModel {
  readonly symbols: SymbolInfo[];
  readonly references: ReferenceInfo[];
  readonly calls: CallInfo[];
}

export function emptySemanticModel(): SemanticModel {
  return { symbols: [], references: [], calls: [] };
}
