/**
 * What the editor says about the language's own callables — layers, task layers, gates, merges,
 * weighting methods, optimizers, losses — straight from the compiler's library tables, so hover,
 * completion and signature help agree with `mtlc explain` and with the checker.
 */
import {
  describeType,
  formatShape,
  formatSignature,
  GATES,
  LAYERS,
  LOSSES,
  MERGES,
  OPTIMIZERS,
  SEARCH,
  TASKS,
  WEIGHTINGS,
  type BlockDecl,
  type ParamSpec,
  type Shape,
  type Signature,
} from '../../compiler/index.js';

export type CallableKind = 'layer' | 'task' | 'gate' | 'merge' | 'weighting' | 'optimizer' | 'loss' | 'search';

export interface Callable {
  readonly kind: CallableKind;
  readonly sig: Signature;
  /** The shape rule, for layers and task layers. */
  readonly rule?: string;
}

const KIND_WORDS: Record<CallableKind, string> = {
  layer: 'layer',
  task: 'task layer',
  gate: 'gate',
  merge: 'merge',
  weighting: 'weighting method',
  optimizer: 'optimizer',
  loss: 'loss',
  search: 'weight search space',
};

/** Where a call is written decides which table its name is looked up in first. */
export type CallSite = 'pipeline' | 'gate' | 'weighting' | 'optimizer' | 'loss' | 'weights' | 'any';

export function lookupCallable(name: string, site: CallSite = 'any'): Callable | undefined {
  const bySite: Record<CallSite, CallableKind[]> = {
    pipeline: ['layer', 'task', 'merge', 'gate'],
    gate: ['gate'],
    weighting: ['weighting'],
    optimizer: ['optimizer'],
    loss: ['loss'],
    weights: ['search'],
    any: ['layer', 'task', 'merge', 'gate', 'weighting', 'optimizer', 'loss', 'search'],
  };
  for (const kind of bySite[site]) {
    const found = callableOf(kind, name);
    if (found) return found;
  }
  return undefined;
}

function callableOf(kind: CallableKind, name: string): Callable | undefined {
  switch (kind) {
    case 'layer': {
      const spec = LAYERS.get(name);
      return spec && { kind, sig: spec, rule: spec.rule };
    }
    case 'task': {
      const spec = TASKS.get(name);
      return spec && { kind, sig: spec, rule: spec.rule };
    }
    case 'gate': {
      const sig = GATES.get(name as never);
      return sig && { kind, sig };
    }
    case 'merge': {
      const sig = MERGES.get(name);
      return sig && { kind, sig };
    }
    case 'weighting': {
      const sig = WEIGHTINGS.get(name);
      return sig && { kind, sig };
    }
    case 'optimizer': {
      const sig = OPTIMIZERS.get(name);
      return sig && { kind, sig };
    }
    case 'loss': {
      const sig = LOSSES.get(name);
      return sig && { kind, sig };
    }
    case 'search':
      return name === SEARCH.name ? { kind, sig: SEARCH } : undefined;
  }
}

/** The signature line: `dense(units: int, activation: an activation = linear)`; merges take sources. */
export function signatureLabel(callable: Callable): string {
  if (callable.kind === 'merge') return `${callable.sig.name}(source, source, …)`;
  if (callable.kind === 'search') return `${callable.sig.name}(weight, weight, …)`;
  return formatSignature(callable.sig);
}

/** Hover and completion documentation of a callable, in Markdown. */
export function callableMarkdown(callable: Callable, shapes?: { readonly inShape?: Shape; readonly shape?: Shape }): string {
  const parts = [fence(signatureLabel(callable)), `${capitalise(KIND_WORDS[callable.kind])}: ${callable.sig.doc}`];
  if (callable.rule !== undefined) parts.push(`Shape: \`${callable.rule}\``);
  const here = shapeChange(shapes);
  if (here !== undefined) parts.push(`Here: \`${here}\``);
  const task = callable.kind === 'task' ? TASKS.get(callable.sig.name) : undefined;
  if (task !== undefined) parts.push(`Output activation ${task.activation}; default loss ${task.defaultLoss}; label: ${task.label}.`);
  const params = callable.sig.params.map(paramLine);
  if (params.length > 0) parts.push(params.join('\n'));
  if (callable.sig.paper !== undefined) parts.push(`Paper: ${callable.sig.paper}`);
  return parts.join('\n\n');
}

export function paramLine(p: ParamSpec): string {
  return `- \`${p.name}\`: ${describeType(p.type)}${p.default !== undefined ? `, default ${String(p.default)}` : ''} — ${p.doc}`;
}

/** `[64] → [32]`, or just the output when the input is unknown. */
export function shapeChange(shapes?: { readonly inShape?: Shape; readonly shape?: Shape }): string | undefined {
  if (shapes?.shape === undefined) return undefined;
  return shapes.inShape === undefined ? formatShape(shapes.shape) : `${formatShape(shapes.inShape)} → ${formatShape(shapes.shape)}`;
}

/** A block's signature as written: `tower(units: int, p: float = 0.1)`. */
export function blockSignatureLabel(block: BlockDecl, text: string): string {
  return `${block.name.text}(${blockParamLabels(block, text).join(', ')})`;
}

export function blockParamLabels(block: BlockDecl, text: string): string[] {
  return block.params.map((p) => {
    const def = p.default === undefined ? '' : ` = ${text.slice(p.default.span.start, p.default.span.end)}`;
    return `${p.name.text}: ${p.type.text}${def}`;
  });
}

export function fence(code: string): string {
  return `\`\`\`mtl\n${code}\n\`\`\``;
}

function capitalise(s: string): string {
  return s[0]!.toUpperCase() + s.slice(1);
}
