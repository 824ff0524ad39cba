/** Code actions: a quick fix for each diagnostic in range that carries a did-you-mean replacement. */
import * as lsp from 'vscode-languageserver/node';
import { toLspDiagnostic } from './diagnostics.js';
import type { Analysis, Workspace } from './workspace.js';

export function codeActions(analysis: Analysis, workspace: Workspace, params: lsp.CodeActionParams): lsp.CodeAction[] {
  const only = params.context.only;
  if (only !== undefined && !only.some((kind) => lsp.CodeActionKind.QuickFix.startsWith(kind))) return [];
  const { lines, diagnostics, text } = analysis.result;
  const from = lines.offset(params.range.start);
  const to = lines.offset(params.range.end);
  const actions: lsp.CodeAction[] = [];
  for (const d of diagnostics) {
    if (d.suggestion === undefined || d.uri !== undefined || d.span.end < from || d.span.start > to) continue;
    const { span, newText } = d.suggestion;
    actions.push({
      title: `Change "${text.slice(span.start, span.end)}" to "${newText}"`,
      kind: lsp.CodeActionKind.QuickFix,
      diagnostics: [toLspDiagnostic(d, analysis, workspace)],
      isPreferred: true,
      edit: { changes: { [analysis.uri]: [{ range: { start: lines.position(span.start), end: lines.position(span.end) }, newText }] } },
    });
  }
  return actions;
}
