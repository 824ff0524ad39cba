/**
 * The compiler's diagnostics as LSP diagnostics: the stable code, the severity, the message with its
 * hint on a second line, related locations (every other copy of a duplicate, possibly in an imported
 * file), and the did-you-mean replacement kept in `data` for the code actions.
 */
import * as lsp from 'vscode-languageserver/node';
import type { Diagnostic, LineIndex, Span } from '../../compiler/index.js';
import type { Analysis, Workspace } from './workspace.js';

export const SOURCE = 'mtl';

export function toRange(lines: LineIndex, span: Span): lsp.Range {
  return { start: lines.position(span.start), end: lines.position(span.end) };
}

/** The diagnostics of the compiled document itself (those that belong to an import are left out). */
export function documentDiagnostics(analysis: Analysis, workspace: Workspace): lsp.Diagnostic[] {
  return analysis.result.diagnostics
    .filter((d) => d.uri === undefined || d.uri === analysis.path)
    .map((d) => toLspDiagnostic(d, analysis, workspace));
}

/** Why a document is not analysed (limits.ts), as one warning at its start. */
export function limitDiagnostic(reason: string): lsp.Diagnostic {
  const start = { line: 0, character: 0 };
  return { range: { start, end: start }, severity: lsp.DiagnosticSeverity.Warning, source: SOURCE, message: reason };
}

export function toLspDiagnostic(d: Diagnostic, analysis: Analysis, workspace: Workspace): lsp.Diagnostic {
  const lines = analysis.result.lines;
  const result: lsp.Diagnostic = {
    range: toRange(lines, d.span),
    severity: d.severity === 'error' ? lsp.DiagnosticSeverity.Error : lsp.DiagnosticSeverity.Warning,
    code: d.code,
    source: SOURCE,
    message: d.hint === undefined ? d.message : `${d.message}\n${d.hint}`,
  };
  if (d.related !== undefined && d.related.length > 0) {
    result.relatedInformation = d.related.map((r) => {
      const elsewhere = r.uri !== undefined && r.uri !== analysis.path;
      const relatedLines = elsewhere ? workspace.linesOf(r.uri!) : lines;
      const range = relatedLines ? toRange(relatedLines, r.span) : { start: { line: 0, character: 0 }, end: { line: 0, character: 0 } };
      return { location: { uri: elsewhere ? workspace.uriOf(r.uri!) : analysis.uri, range }, message: r.message };
    });
  }
  if (d.code === 'MTL0901') result.tags = [lsp.DiagnosticTag.Unnecessary];
  if (d.suggestion !== undefined) result.data = { replacement: d.suggestion.newText };
  return result;
}
