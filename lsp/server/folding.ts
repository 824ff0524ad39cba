/**
 * Folding ranges: models, blocks and members over several lines, option lists, calls and lists
 * that span lines (a gate's arguments), block comments, and runs of line comments or imports.
 */
import * as lsp from 'vscode-languageserver/node';
import { walk, type Node, type Span } from '../../compiler/index.js';
import type { Analysis } from './workspace.js';

const FOLDABLE = new Set<Node['kind']>([
  'Model',
  'Block',
  'Input',
  'Trunk',
  'Gate',
  'Head',
  'Weights',
  'Weighting',
  'Train',
  'Data',
  'Call',
  'List',
]);

export function foldingRanges(analysis: Analysis): lsp.FoldingRange[] {
  const { ast, lines, text } = analysis.result;
  const ranges: lsp.FoldingRange[] = [];
  const add = (span: Span, kind?: lsp.FoldingRangeKind) => {
    const startLine = lines.position(span.start).line;
    const end = lines.position(span.end);
    // Keep a closing bracket that starts its line visible.
    const closer =
      /[)\]}]/.test(text[span.end - 1] ?? '') &&
      lines
        .lineText(end.line)
        .slice(0, Math.max(0, end.character - 1))
        .trim() === '';
    const endLine = closer ? end.line - 1 : end.line;
    if (endLine <= startLine || ranges.some((r) => r.startLine === startLine)) return;
    ranges.push({ startLine, endLine, ...(kind ? { kind } : {}) });
  };
  walk(ast, (node) => {
    if (FOLDABLE.has(node.kind)) add(node.span);
  });
  // Runs of consecutive line comments, and block comments.
  let run: Span | undefined;
  let runLine = -2;
  const flush = () => {
    if (run !== undefined) add(run, lsp.FoldingRangeKind.Comment);
    run = undefined;
  };
  for (const comment of ast.comments) {
    const line = lines.position(comment.span.start).line;
    if (comment.text.startsWith('/*')) {
      flush();
      add(comment.span, lsp.FoldingRangeKind.Comment);
      continue;
    }
    const ownLine = lines.lineText(line).trimStart().startsWith('//');
    if (ownLine && run !== undefined && line === runLine + 1) run = { start: run.start, end: comment.span.end };
    else {
      flush();
      if (ownLine) run = comment.span;
    }
    runLine = line;
  }
  flush();
  if (ast.imports.length > 1)
    add({ start: ast.imports[0]!.span.start, end: ast.imports[ast.imports.length - 1]!.span.end }, lsp.FoldingRangeKind.Imports);
  return ranges.sort((a, b) => a.startLine - b.startLine);
}
