/** Small helpers shared by the grammar tests. */
import type { MtlFile } from '../../compiler/ast.js';
import type { Span } from '../../compiler/span.js';
import { parse } from '../../compiler/parse.js';
import { type DiagnosticRecord, diagnosticRecords } from '../helpers/diagnostics.js';

/** The diagnostics of parsing `text`, as records. */
export function diagnosticsOf(text: string): DiagnosticRecord[] {
  return diagnosticRecords(text, parse(text).diagnostics);
}

/** The AST of a text that must parse without any diagnostic. */
export function astOf(text: string): MtlFile {
  const { ast, diagnostics } = parse(text);
  if (diagnostics.length > 0) throw new Error(`unexpected diagnostics: ${JSON.stringify(diagnosticRecords(text, diagnostics))}`);
  return ast;
}

/** A deep copy without `span` properties, to compare structure alone. */
export function withoutSpans<T>(value: T): T {
  return JSON.parse(JSON.stringify(value, (key, v: unknown) => (key === 'span' ? undefined : v))) as T;
}

/** The source text a span covers. */
export function textAt(text: string, span: Span): string {
  return text.slice(span.start, span.end);
}

/** `model M { … }` around some members. */
export function model(members: string): string {
  return `model M {\n${members}\n}\n`;
}
