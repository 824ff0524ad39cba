/** Formatting: the same layout as `mtlc fmt` (compiler/format.ts); a file with syntax errors is left alone. */
import type * as lsp from 'vscode-languageserver/node';
import { formatFile } from '../../compiler/index.js';
import type { Analysis } from './workspace.js';

export function formatting(analysis: Analysis): lsp.TextEdit[] {
  const { text, lines } = analysis.result;
  const formatted = formatFile(text);
  if (formatted === undefined || formatted === text) return [];
  return [{ range: { start: { line: 0, character: 0 }, end: lines.position(text.length) }, newText: formatted }];
}
