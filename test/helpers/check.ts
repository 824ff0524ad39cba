/** Compiles inline sources and shows diagnostics as compact, comparable records. */
import { compile, type CompileHost, type CompileResult } from '../../compiler/compile.js';
import type { Diagnostic } from '../../compiler/diagnostics.js';
import type { LineIndex } from '../../compiler/span.js';

export interface Shown {
  code: string;
  /** 1-based `line:col-line:col`, end exclusive. */
  range: string;
  message: string;
  hint?: string;
}

export function rangeOf(lines: LineIndex, span: { start: number; end: number }): string {
  const s = lines.position(span.start);
  const e = lines.position(span.end);
  return `${s.line + 1}:${s.character + 1}-${e.line + 1}:${e.character + 1}`;
}

export function show(result: CompileResult, d: Diagnostic): Shown {
  return { code: d.code, range: rangeOf(result.lines, d.span), message: d.message, ...(d.hint ? { hint: d.hint } : {}) };
}

/** Every diagnostic of a source, in order. */
export function check(text: string, files: Record<string, string> = {}): Shown[] {
  const result = compileText(text, files);
  return result.diagnostics.map((d) => show(result, d));
}

export function compileText(text: string, files: Record<string, string> = {}): CompileResult {
  const host: CompileHost = { readFile: (path) => files[path] };
  return compile('/project/main.mtl', text, host);
}

/** The seed model with `body` in place of its members' tail, for small focused cases. */
export function model(body: string): string {
  return `model M {\n${body}\n}\n`;
}
