/**
 * Error baselines in the style of TypeScript's `.errors.txt`: the list of diagnostics, then the
 * source echoed with line numbers, `~~~` under each span (`^` where the span is empty: a place where
 * something is missing), and the diagnostic under its last line.
 */
import * as path from 'node:path';
import type { CompileResult } from '../../compiler/compile.js';
import type { Diagnostic } from '../../compiler/diagnostics.js';

function where(result: CompileResult, d: Diagnostic): string {
  const p = result.lines.position(d.span.start);
  return `(${p.line + 1},${p.character + 1})`;
}

function messageLines(result: CompileResult, d: Diagnostic): string[] {
  const out = [`!!! ${d.severity} ${d.code}: ${d.message}`];
  if (d.hint !== undefined) out.push(`!!!     hint: ${d.hint}`);
  for (const r of d.related ?? []) {
    const p = result.lines.position(r.span.start);
    const file = r.uri !== undefined ? `${path.basename(r.uri)}:` : '';
    out.push(`!!!     related: ${r.message} (${file}${p.line + 1}:${p.character + 1})`);
  }
  return out;
}

export function renderBaseline(name: string, result: CompileResult): string {
  const own = result.diagnostics.filter((d) => d.uri === undefined);
  const errors = result.diagnostics.filter((d) => d.severity === 'error').length;
  const warnings = result.diagnostics.length - errors;
  const out: string[] = [];
  for (const d of result.diagnostics) {
    const file = d.uri !== undefined ? path.basename(d.uri) : name;
    out.push(`${file}${d.uri === undefined ? where(result, d) : ''}: ${d.severity} ${d.code}: ${d.message}`);
  }
  out.push('', '', `==== ${name} (${errors} error${errors === 1 ? '' : 's'}, ${warnings} warning${warnings === 1 ? '' : 's'}) ====`);
  const gutter = String(result.lines.lineCount).length;
  for (let line = 0; line < result.lines.lineCount; line++) {
    const text = result.lines.lineText(line);
    if (line === result.lines.lineCount - 1 && text === '') break;
    out.push(`${String(line + 1).padStart(gutter)} | ${text}`.trimEnd());
    for (const d of own) {
      const start = result.lines.position(d.span.start);
      const end = result.lines.position(d.span.end);
      if (line < start.line || line > end.line) continue;
      const from = line === start.line ? start.character : 0;
      const to = line === end.line ? end.character : text.length;
      const pad = text.slice(0, from).replace(/[^\t]/g, ' ');
      const marks = d.span.start === d.span.end ? '^' : '~'.repeat(Math.max(1, to - from));
      out.push(`${' '.repeat(gutter)} | ${pad}${marks}`);
      if (line === end.line) out.push(...messageLines(result, d));
    }
  }
  return `${out.join('\n')}\n`;
}
