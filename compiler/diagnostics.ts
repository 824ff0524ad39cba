/**
 * The one catalogue of diagnostics. Every code the compiler can report is declared here with its
 * severity, its message, and the documentation that `mtlc explain` prints and docs/diagnostics.md is
 * generated from: a failing example (which the tests compile to prove it reports this code) and its fix.
 *
 * Codes by phase: MTL00xx lexing and parsing, MTL01xx names and scope, MTL02xx calls and arguments,
 * MTL03xx shapes, MTL04xx gates and heads, MTL05xx weights, training and data options,
 * MTL09xx warnings about unused or suspicious parts.
 */
import type { Span } from './span.js';

export type Severity = 'error' | 'warning';

export interface RelatedInfo {
  readonly span: Span;
  readonly message: string;
  /** Set when the related place is in another file (an import). */
  readonly uri?: string;
}

/** A machine-applicable fix: replace the text of `span` by `newText`. */
export interface Suggestion {
  readonly span: Span;
  readonly newText: string;
}

export interface Diagnostic {
  readonly code: string;
  readonly severity: Severity;
  readonly message: string;
  readonly span: Span;
  readonly hint?: string;
  readonly related?: readonly RelatedInfo[];
  readonly suggestion?: Suggestion;
  /** Set when the diagnostic belongs to another file than the one compiled (an import). */
  readonly uri?: string;
}

export interface DiagnosticDoc {
  /** One paragraph: what is wrong and why it matters. */
  readonly explanation: string;
  /** A complete `.mtl` text that reports this code. */
  readonly example: string;
  /** The same text corrected, which reports nothing of this code. */
  readonly fixed: string;
}

export interface DiagnosticKind<A extends unknown[]> {
  readonly code: string;
  readonly severity: Severity;
  readonly title: string;
  readonly format: (...args: A) => string;
  readonly doc: DiagnosticDoc;
}

export interface DiagnosticExtras {
  readonly hint?: string;
  readonly related?: readonly RelatedInfo[];
  readonly suggestion?: Suggestion;
}

export function diagnostic<A extends unknown[]>(
  kind: DiagnosticKind<A>,
  span: Span,
  args: A,
  extras: DiagnosticExtras = {},
): Diagnostic {
  return { code: kind.code, severity: kind.severity, message: kind.format(...args), span, ...extras };
}

function kind<A extends unknown[]>(
  code: string,
  severity: Severity,
  title: string,
  format: (...args: A) => string,
  doc: DiagnosticDoc,
): DiagnosticKind<A> {
  return { code, severity, title, format, doc };
}

const SEED = `model Seed {
  input x: float[100]
  trunk shared = x -> dense(64, relu)
  head task1 = shared -> classify(10)
  head task2 = shared -> classify(5)
}
`;

/** The catalogue, keyed by a name the code uses; codes are what users see. */
export const Diagnostics = {
  // ── MTL00xx: lexing and parsing ────────────────────────────────────────────────────────────
  unexpectedCharacter: kind('MTL0001', 'error', 'unexpected character',
    (ch: string) => `unexpected character ${ch}`, {
      explanation: 'The text contains a character that is not part of the language, outside a string or comment.',
      example: SEED.replace('dense(64, relu)', 'dense(64, relu) #'),
      fixed: SEED,
    }),
  unterminatedString: kind('MTL0002', 'error', 'unterminated string',
    () => 'unterminated string: a string must close with " on the same line', {
      explanation: 'A double-quoted string runs to the end of its line without a closing quote.',
      example: SEED.replace('classify(10)', 'classify(10) { label: "task1 }'),
      fixed: SEED.replace('classify(10)', 'classify(10) { label: "task1" }'),
    }),
  unterminatedComment: kind('MTL0003', 'error', 'unterminated comment',
    () => 'unterminated comment: /* is never closed by */', {
      explanation: 'A block comment opened with /* runs to the end of the file.',
      example: `/* the seed model\n${SEED}`,
      fixed: `/* the seed model */\n${SEED}`,
    }),
  syntaxError: kind('MTL0010', 'error', 'syntax error',
    (message: string) => message, {
      explanation: 'The parser expected something else at this point. The message says what it expected and after what; the parser then skips ahead and keeps reading, so later errors are reported too.',
      example: SEED.replace('dense(64, relu)', 'dense(64, relu) dense(32)'),
      fixed: SEED.replace('dense(64, relu)', 'dense(64, relu) -> dense(32)'),
    }),
  reservedWord: kind('MTL0011', 'error', 'keyword used as a name',
    (word: string) => `"${word}" is a keyword and cannot be used as a name`, {
      explanation: 'Keywords (model block input trunk gate head weights weighting train data import true false) are reserved; pick another name.',
      example: SEED.replace('trunk shared', 'trunk train').replace(/= shared/g, '= train'),
      fixed: SEED,
    }),
  nestingTooDeep: kind('MTL0012', 'error', 'nesting too deep',
    (limit: number) => `expression nested more than ${limit} levels deep`, {
      explanation: 'Parentheses or lists are nested deeper than the parser follows. No real model needs this; the rest of the file is still checked.',
      example: SEED.replace('dense(64, relu)', `dense(${'('.repeat(300)}64${')'.repeat(300)}, relu)`),
      fixed: SEED,
    }),
} as const;

export type DiagnosticName = keyof typeof Diagnostics;

export function allDiagnosticKinds(): DiagnosticKind<never[]>[] {
  return Object.values(Diagnostics) as unknown as DiagnosticKind<never[]>[];
}

export function findDiagnosticKind(code: string): DiagnosticKind<never[]> | undefined {
  return allDiagnosticKinds().find((k) => k.code === code.toUpperCase());
}

export function compareDiagnostics(a: Diagnostic, b: Diagnostic): number {
  return a.span.start - b.span.start || a.span.end - b.span.end || a.code.localeCompare(b.code);
}
