/**
 * What the name under the cursor is: a declared member, a block, a block parameter, one of the
 * language's callables, or an import. The checker's semantic facts come first (references, symbols,
 * calls); the syntax tree fills in what the checker did not record (parameters, optimizers, calls it
 * could not resolve). Shared by hover, definition, references and rename.
 */
import {
  contains,
  nodePathAt,
  paramReferences,
  type BlockDecl,
  type Call,
  type CallInfo,
  type LineIndex,
  type Name,
  type Node,
  type Param,
  type Span,
  type SymbolInfo,
} from '../../compiler/index.js';
import * as path from 'node:path';
import { lookupCallable, type Callable, type CallSite } from './library.js';
import type { Analysis, Workspace } from './workspace.js';

export interface BlockLocation {
  readonly decl: BlockDecl;
  readonly path: string;
  readonly uri: string;
  readonly lines: LineIndex;
  readonly text: string;
}

export type Target =
  | { readonly kind: 'symbol'; readonly symbol: SymbolInfo; readonly span: Span }
  | {
      readonly kind: 'block';
      readonly name: string;
      readonly span: Span;
      readonly location: BlockLocation | undefined;
      readonly call?: CallInfo;
    }
  | { readonly kind: 'param'; readonly block: BlockDecl; readonly param: Param; readonly span: Span }
  | { readonly kind: 'callable'; readonly callable: Callable; readonly span: Span; readonly call?: CallInfo }
  | { readonly kind: 'import'; readonly file: string; readonly span: Span };

export function targetAt(analysis: Analysis, workspace: Workspace, offset: number): Target | undefined {
  const { semantic, ast } = analysis.result;
  const reference = semantic.references.find((r) => contains(r.span, offset));
  if (reference !== undefined) return { kind: 'symbol', symbol: reference.symbol, span: reference.span };
  const declared = semantic.symbols.find((s) => s.kind !== 'block' && s.uri === undefined && contains(s.nameSpan, offset));
  if (declared !== undefined) return { kind: 'symbol', symbol: declared, span: declared.nameSpan };

  const nodes = nodePathAt(ast, offset);
  const node = nodes[nodes.length - 1]!;
  const parent = nodes[nodes.length - 2];
  if (node.kind === 'String' && parent?.kind === 'Import') {
    return { kind: 'import', file: path.resolve(path.dirname(analysis.path), node.value), span: node.span };
  }
  if (node.kind !== 'Name' || parent === undefined) return undefined;
  const block = nodes.find((n): n is BlockDecl => n.kind === 'Block');
  if (parent.kind === 'Block' && parent.name === node) {
    return { kind: 'block', name: node.text, span: node.span, location: findBlock(analysis, workspace, node.text) };
  }
  if (parent.kind === 'Param' && parent.name === node && block !== undefined)
    return { kind: 'param', block, param: parent, span: node.span };
  if (parent.kind !== 'Call' || parent.callee !== node) return undefined;

  if (block !== undefined && parent.args === undefined) {
    for (const [param, names] of paramReferences(block)) {
      if (names.includes(node)) return { kind: 'param', block, param, span: node.span };
    }
  }
  const call = semantic.calls.find((c) => c.span.start === node.span.start && c.span.end === node.span.end);
  if (
    call?.kind === 'block' ||
    (call === undefined && findBlock(analysis, workspace, node.text) !== undefined && callSite(nodes, parent) === 'pipeline')
  ) {
    return {
      kind: 'block',
      name: node.text,
      span: node.span,
      location: findBlock(analysis, workspace, node.text),
      ...(call ? { call } : {}),
    };
  }
  const callable = lookupCallable(node.text, call !== undefined ? siteOfKind(call.kind) : callSite(nodes, parent));
  return callable && { kind: 'callable', callable, span: node.span, ...(call ? { call } : {}) };
}

function siteOfKind(kind: CallInfo['kind']): CallSite {
  switch (kind) {
    case 'layer':
    case 'task':
    case 'merge':
    case 'block':
      return 'pipeline';
    case 'search':
      return 'weights';
    default:
      return kind;
  }
}

/** Which table a call's name belongs to, from where it is written. */
function callSite(nodes: readonly Node[], call: Call): CallSite {
  const index = nodes.indexOf(call);
  const owner = nodes[index - 1];
  const option = [...nodes.slice(0, index)].reverse().find((n) => n.kind === 'Option');
  const member = nodes.find(
    (n) => n.kind === 'Gate' || n.kind === 'Weighting' || n.kind === 'Train' || n.kind === 'Head' || n.kind === 'Weights',
  );
  if (member?.kind === 'Gate' && owner === member) return 'gate';
  if (member?.kind === 'Weighting') return 'weighting';
  if (option?.kind === 'Option' && member?.kind === 'Train' && option.name.text === 'optimizer') return 'optimizer';
  if (option?.kind === 'Option' && member?.kind === 'Head' && option.name.text === 'loss') return 'loss';
  if (member?.kind === 'Weights') return 'weights';
  return 'pipeline';
}

/** A block by name as the compiler resolves it: the file's own first, then the imports in order. */
export function findBlock(analysis: Analysis, workspace: Workspace, name: string): BlockLocation | undefined {
  const { result } = analysis;
  const local = result.ast.blocks.find((b) => b.name.text === name);
  if (local !== undefined) return { decl: local, path: analysis.path, uri: analysis.uri, lines: result.lines, text: result.text };
  for (const file of result.imports) {
    const parsed = workspace.parsedFile(file);
    const decl = parsed?.ast.blocks.find((b) => b.name.text === name);
    if (parsed !== undefined && decl !== undefined)
      return { decl, path: parsed.path, uri: parsed.uri, lines: parsed.lines, text: parsed.text };
  }
  return undefined;
}

/** Every place a target's name is written in the document, declaration first when asked. */
export function occurrencesInDocument(analysis: Analysis, target: Target, includeDeclaration: boolean): Span[] {
  const spans: Span[] = [];
  const { semantic, ast } = analysis.result;
  switch (target.kind) {
    case 'symbol': {
      const same = (s: SymbolInfo) =>
        s.kind === target.symbol.kind && s.nameSpan.start === target.symbol.nameSpan.start && s.name === target.symbol.name;
      if (includeDeclaration && target.symbol.uri === undefined) spans.push(target.symbol.nameSpan);
      for (const r of semantic.references) if (same(r.symbol)) spans.push(r.span);
      break;
    }
    case 'param': {
      if (includeDeclaration) spans.push(target.param.name.span);
      spans.push(...(paramReferences(target.block).get(target.param) ?? []).map((n: Name) => n.span));
      break;
    }
    case 'block': {
      const declaredHere = target.location?.path === analysis.path;
      if (includeDeclaration && declaredHere) spans.push(target.location!.decl.name.span);
      // A file's own block of the same name hides an imported one.
      if (declaredHere || !ast.blocks.some((b) => b.name.text === target.name)) {
        for (const c of semantic.calls) if (c.kind === 'block' && c.name === target.name) spans.push(c.span);
      }
      break;
    }
    default:
      break;
  }
  return dedupeSpans(spans);
}

function dedupeSpans(spans: readonly Span[]): Span[] {
  const seen = new Set<string>();
  return spans.filter((s) => {
    const key = `${s.start}:${s.end}`;
    if (seen.has(key)) return false;
    seen.add(key);
    return true;
  });
}
