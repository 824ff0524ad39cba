/**
 * Hover: for a declared name, its kind and shape; for a block, its signature and the shape change at
 * this call; for a layer, task layer, gate, weighting method, optimizer or loss, its signature, shape
 * rule, one-line doc and, for gates and weighting methods, the paper it implements.
 */
import type * as lsp from 'vscode-languageserver/node';
import { formatShape, type SymbolInfo } from '../../compiler/index.js';
import { toRange } from './diagnostics.js';
import { blockSignatureLabel, callableMarkdown, fence, shapeChange } from './library.js';
import { targetAt, type Target } from './resolve.js';
import type { Analysis, Workspace } from './workspace.js';

export function hover(analysis: Analysis, workspace: Workspace, position: lsp.Position): lsp.Hover | null {
  const lines = analysis.result.lines;
  const target = targetAt(analysis, workspace, lines.offset(position));
  if (target === undefined) return null;
  const value = hoverText(target, analysis);
  if (value === undefined) return null;
  return { contents: { kind: 'markdown', value }, range: toRange(lines, target.span) };
}

function hoverText(target: Target, analysis: Analysis): string | undefined {
  switch (target.kind) {
    case 'symbol':
      return symbolText(target.symbol);
    case 'param': {
      const { param, block } = target;
      const text = analysis.result.text;
      const def = param.default === undefined ? '' : ` = ${text.slice(param.default.span.start, param.default.span.end)}`;
      return `${fence(`(parameter) ${param.name.text}: ${param.type.text}${def}`)}\n\nParameter of block \`${block.name.text}\``;
    }
    case 'block': {
      const location = target.location;
      if (location === undefined) return undefined;
      const parts = [fence(`block ${blockSignatureLabel(location.decl, location.text)}`)];
      const body = location.decl.body;
      if (body !== undefined) parts.push(`\`${location.text.slice(body.span.start, body.span.end)}\``);
      const here = shapeChange(target.call);
      if (here !== undefined) parts.push(`Here: \`${here}\``);
      if (location.path !== analysis.path) parts.push(`Imported from \`${location.path}\``);
      return parts.join('\n\n');
    }
    case 'callable':
      return callableMarkdown(target.callable, target.call);
    case 'import':
      return `${fence(`import "${target.file}"`)}\n\nBrings the blocks of this file into scope.`;
  }
}

/** `(trunk) shared: [64]` and what it is: `float input`, `mmoe gate`, `binary head`. */
function symbolText(symbol: SymbolInfo): string {
  const shape = symbol.shape === undefined ? '' : `: ${formatShape(symbol.shape)}`;
  const parts = [fence(`(${symbol.kind}) ${symbol.name}${shape}`)];
  const about: string[] = [];
  if (symbol.detail !== undefined && symbol.detail !== symbol.kind) about.push(symbol.detail);
  if (symbol.model !== undefined) about.push(`in model \`${symbol.model}\``);
  if (about.length > 0) parts.push(capitalise(about.join(' ')));
  return parts.join('\n\n');
}

function capitalise(s: string): string {
  return s[0]!.toUpperCase() + s.slice(1);
}
