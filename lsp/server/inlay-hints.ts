/**
 * Inlay hints: the shape that comes out of each pipeline stage, written after the stage —
 * `x -> dense(64, relu)`: [64]` — for every layer, block and task layer whose input shape is known.
 */
import * as lsp from 'vscode-languageserver/node';
import { formatShape } from '../../compiler/index.js';
import type { Analysis } from './workspace.js';

const STAGE_KINDS = new Set(['layer', 'block', 'task']);

export function inlayHints(analysis: Analysis, range: lsp.Range): lsp.InlayHint[] {
  const { semantic, lines } = analysis.result;
  const from = lines.offset(range.start);
  const to = lines.offset(range.end);
  const seen = new Set<number>();
  const hints: lsp.InlayHint[] = [];
  const stages = semantic.calls
    .filter((c) => STAGE_KINDS.has(c.kind) && c.shape !== undefined && c.callSpan.end >= from && c.callSpan.end <= to)
    .sort((a, b) => a.callSpan.end - b.callSpan.end);
  for (const call of stages) {
    if (seen.has(call.callSpan.end)) continue;
    seen.add(call.callSpan.end);
    const hint: lsp.InlayHint = {
      position: lines.position(call.callSpan.end),
      label: `: ${formatShape(call.shape!)}`,
      kind: lsp.InlayHintKind.Type,
    };
    if (call.inShape !== undefined) hint.tooltip = `${call.name}: ${formatShape(call.inShape)} → ${formatShape(call.shape!)}`;
    hints.push(hint);
  }
  return hints;
}
