/**
 * Document symbols: blocks with their parameters, and each model with its inputs, trunks, gates and
 * heads, the shape of each as its detail. Built from the syntax tree, so an outline survives errors.
 */
import * as lsp from 'vscode-languageserver/node';
import { formatShape, type Name, type NamedMember, type Span } from '../../compiler/index.js';
import { toRange } from './diagnostics.js';
import type { Analysis } from './workspace.js';

const MEMBER_KINDS: Record<NamedMember['kind'], lsp.SymbolKind> = {
  Input: lsp.SymbolKind.Variable,
  Trunk: lsp.SymbolKind.Function,
  Gate: lsp.SymbolKind.Struct,
  Head: lsp.SymbolKind.Event,
};

export function documentSymbols(analysis: Analysis): lsp.DocumentSymbol[] {
  const { ast, lines, semantic } = analysis.result;
  const symbol = (name: Name, span: Span, kind: lsp.SymbolKind, detail?: string, children?: lsp.DocumentSymbol[]): lsp.DocumentSymbol => ({
    name: name.text,
    kind,
    range: toRange(lines, { start: Math.min(span.start, name.span.start), end: Math.max(span.end, name.span.end) }),
    selectionRange: toRange(lines, name.span),
    ...(detail !== undefined ? { detail } : {}),
    ...(children !== undefined ? { children } : {}),
  });
  const shapeOf = (name: Name) => {
    const info = semantic.symbols.find((s) => s.nameSpan.start === name.span.start && s.name === name.text);
    return info?.shape === undefined ? undefined : formatShape(info.shape);
  };
  const top: { start: number; symbol: lsp.DocumentSymbol }[] = [];
  for (const block of ast.blocks) {
    if (block.name.text === '') continue;
    const params = block.params
      .filter((p) => p.name.text !== '')
      .map((p) => symbol(p.name, p.span, lsp.SymbolKind.TypeParameter, p.type.text));
    top.push({ start: block.span.start, symbol: symbol(block.name, block.span, lsp.SymbolKind.Function, 'block', params) });
  }
  for (const model of ast.models) {
    if (model.name.text === '') continue;
    const children: lsp.DocumentSymbol[] = [];
    for (const m of model.members) {
      if (m.kind !== 'Input' && m.kind !== 'Trunk' && m.kind !== 'Gate' && m.kind !== 'Head') continue;
      if (m.name.text === '') continue;
      children.push(symbol(m.name, m.span, MEMBER_KINDS[m.kind], [m.kind.toLowerCase(), shapeOf(m.name)].filter(Boolean).join(' ')));
    }
    top.push({ start: model.span.start, symbol: symbol(model.name, model.span, lsp.SymbolKind.Class, 'model', children) });
  }
  return top.sort((a, b) => a.start - b.start).map((t) => t.symbol);
}
