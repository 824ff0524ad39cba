/**
 * Diagnostics as small records a test can compare whole: code, message and a 1-based
 * `line:col-line:col` range (end exclusive), as an editor would show them.
 */
import type { Diagnostic } from '../../compiler/diagnostics.js';
import { LineIndex, type Span } from '../../compiler/span.js';

export interface DiagnosticRecord {
  code: string;
  message: string;
  /** 1-based `line:col-line:col`, end exclusive. */
  range: string;
}

/** The 1-based `line:col-line:col` of a span in `text`. */
export function rangeIn(text: string | LineIndex, span: Span): string {
  const lines = typeof text === 'string' ? new LineIndex(text) : text;
  const start = lines.position(span.start);
  const end = lines.position(span.end);
  return `${start.line + 1}:${start.character + 1}-${end.line + 1}:${end.character + 1}`;
}

/** Each diagnostic as a record, in the order given. */
export function diagnosticRecords(text: string, diagnostics: readonly Diagnostic[]): DiagnosticRecord[] {
  const lines = new LineIndex(text);
  return diagnostics.map((d) => ({ code: d.code, message: d.message, range: rangeIn(lines, d.span) }));
}

/** The diagnostics whose span is not a range inside the text (`0 <= start <= end <= length`). */
export function spansOutOfRange(text: string, diagnostics: readonly Diagnostic[]): Diagnostic[] {
  return diagnostics.filter(
    (d) =>
      !(
        Number.isInteger(d.span.start) &&
        Number.isInteger(d.span.end) &&
        d.span.start >= 0 &&
        d.span.start <= d.span.end &&
        d.span.end <= text.length
      ),
  );
}
