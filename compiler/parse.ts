/**
 * The syntax front end: text → AST plus the diagnostics of lexing and parsing (MTL00xx).
 *
 * Stages: lex → guard (bound the nesting, MTL0012) → parse (recovering) → CST→AST. It never throws
 * on any text, and every diagnostic span lies within the text. One diagnostic per root cause: a
 * syntax error that only follows from an unterminated string or comment, or from tokens dropped
 * for nesting too deep, is not reported again. Given the parse of an earlier text, only the stretch
 * an edit touched is lexed and parsed again (see "Reparsing an edited text").
 */
import type { IToken, TokenType } from '#chevrotain';
import type { BlockDecl, Comment, ImportDecl, ModelDecl, MtlFile } from './ast.js';
import { buildAst } from './build-ast.js';
import { compareDiagnostics, type Diagnostic, Diagnostics, diagnostic } from './diagnostics.js';
import { relocate } from './relocate.js';
import { span, type Span } from './span.js';
import { type DroppedRegion, type LexProblem, lex, limitNesting, type MtlToken } from '../grammar/lexer.js';
import { parseTokens } from '../grammar/parser.js';
import { Block, endOf, Import, Model } from '../grammar/tokens.js';
import type { SyntaxProblem } from '../grammar/errors.js';

/** Brackets and unary minus signs nested deeper than this are not parsed (MTL0012). */
const MAX_NESTING = 100;

export interface ParseResult {
  readonly ast: MtlFile;
  readonly diagnostics: Diagnostic[];
  /** When the text lexed and parsed without a problem: what the next parse of an edited text reuses. */
  readonly reusable?: { readonly text: string; readonly pieces: readonly Piece[] };
}

/**
 * A stretch of a text that lexes and parses on its own, without a problem, to what a parse of the
 * whole text gives there. The pieces of a text cover it; each but the last ends with a line break.
 */
export interface Piece {
  readonly span: Span;
  readonly decls: readonly Declaration[];
  readonly comments: readonly Comment[];
  /** What building the declarations' syntax trees reported (MTL0011). */
  readonly diagnostics: readonly Diagnostic[];
}

type Declaration = ImportDecl | BlockDecl | ModelDecl;

/**
 * Parses a text. With `previous`, the parse of an earlier text, the stretches of text that did not
 * change are not lexed or parsed again, only moved; the result is the same either way.
 */
export function parse(text: string, previous?: ParseResult): ParseResult {
  const reparsed = previous?.reusable === undefined ? undefined : reparse(text, previous.reusable.text, previous.reusable.pieces);
  if (reparsed !== undefined) return reparsed;
  const lexed = lex(text);
  const guarded = limitNesting(lexed.tokens, MAX_NESTING);
  const parsed = parseTokens(guarded.tokens, text);
  const built = buildAst(parsed.cst, lexed.comments, text);
  const diagnostics = [
    ...lexed.problems.map(lexDiagnostic),
    ...guarded.dropped.map((region) => diagnostic(Diagnostics.nestingTooDeep, span(region.start, region.start + 1), [MAX_NESTING])),
    ...syntaxDiagnostics(parsed.problems, guarded.tokens, lexed.problems, guarded.dropped),
    ...built.diagnostics,
  ];
  const clean = lexed.problems.length === 0 && guarded.dropped.length === 0 && parsed.problems.length === 0;
  const reusable = clean ? { text, pieces: piecesOf(text, 0, text.length, built.ast, built.ast.comments, built.diagnostics) } : undefined;
  return { ast: built.ast, diagnostics: diagnostics.sort(compareDiagnostics), ...(reusable ? { reusable } : {}) };
}

// ── Reparsing an edited text ──────────────────────────────────────────────────────────────────
//
// A text that lexes and parses without a problem is the concatenation of its pieces, each lexed and
// parsed alone, when every piece but the last ends with a line break and every piece but the first
// starts with a declaration. Lexing: a piece without a problem closes each comment and string it
// opens, so its final line break is plain whitespace, and what follows cannot change a token before
// it. Parsing: no rule looks past a declaration's last token except for a "->" or "(" that would
// continue it, and neither starts a declaration. So after an edit only the text between the pieces
// it left untouched is lexed and parsed, and only if that has no problem either: with a syntax error,
// recovery may cross declarations, and the whole text is parsed again.

/** `from`–`to` of `text` in pieces, split before each declaration that starts a line. */
function piecesOf(
  text: string,
  from: number,
  to: number,
  ast: MtlFile,
  comments: readonly Comment[],
  built: readonly Diagnostic[],
): Piece[] {
  const bySpan = (a: { span: Span }, b: { span: Span }) => a.span.start - b.span.start;
  const decls: Declaration[] = [...ast.imports, ...ast.blocks, ...ast.models].sort(bySpan);
  const starts = [
    from,
    ...decls
      .slice(1)
      .map((d) => d.span.start)
      .filter((at) => isLineBreak(text.charCodeAt(at - 1))),
  ];
  // Each list is in source order: each piece takes the items that start before the next piece.
  const split = <T extends { span: Span }>(items: readonly T[]): T[][] => {
    let next = 0;
    return starts.map((_, i) => {
      const part: T[] = [];
      while (next < items.length && (i === starts.length - 1 || items[next]!.span.start < starts[i + 1]!)) part.push(items[next++]!);
      return part;
    });
  };
  const declsOf = split(decls);
  const commentsOf = split(comments);
  const diagnosticsOf = split([...built].sort(bySpan));
  return starts.map((start, i) => ({
    span: span(start, starts[i + 1] ?? to),
    decls: declsOf[i]!,
    comments: commentsOf[i]!,
    diagnostics: diagnosticsOf[i]!,
  }));
}

function isLineBreak(code: number): boolean {
  return code === 10 || code === 13;
}

/** The parse of `text` from the pieces of `before` it repeats and what lies between them; undefined if that has a problem. */
function reparse(text: string, before: string, pieces: readonly Piece[]): ParseResult | undefined {
  const prefix = commonPrefix(before, text);
  const suffix = commonSuffix(before, text, Math.min(text.length, before.length) - prefix);
  const delta = text.length - before.length;
  let head = 0;
  while (head < pieces.length && pieces[head]!.span.end <= prefix && isLineBreak(before.charCodeAt(pieces[head]!.span.end - 1))) head++;
  let tail = 0;
  while (tail < pieces.length - head && pieces[pieces.length - 1 - tail]!.span.start >= before.length - suffix) tail++;
  const from = head === 0 ? 0 : pieces[head - 1]!.span.end;
  const to = tail === 0 ? text.length : pieces[pieces.length - tail]!.span.start + delta;
  let middle: Piece[] = [];
  if (from < to) {
    if (to < text.length && !isLineBreak(text.charCodeAt(to - 1))) return undefined;
    const parsed = parseStretch(text, from, to);
    if (parsed === undefined) return undefined;
    middle = parsed;
  }
  const all = [...pieces.slice(0, head), ...middle, ...pieces.slice(pieces.length - tail).map((piece) => move(piece, delta))];
  const decls = all.flatMap((piece) => piece.decls);
  const ast: MtlFile = {
    kind: 'File',
    imports: decls.filter((d) => d.kind === 'Import'),
    blocks: decls.filter((d) => d.kind === 'Block'),
    models: decls.filter((d) => d.kind === 'Model'),
    comments: all.flatMap((piece) => piece.comments),
    span: span(0, text.length),
  };
  return { ast, diagnostics: all.flatMap((piece) => piece.diagnostics).sort(compareDiagnostics), reusable: { text, pieces: all } };
}

/** A piece moved by `delta`, each declaration on its own (so the checker can tell that it only moved). */
function move(piece: Piece, delta: number): Piece {
  return {
    span: relocate(piece.span, delta),
    decls: piece.decls.map((decl) => relocate(decl, delta)),
    comments: relocate(piece.comments, delta),
    diagnostics: relocate(piece.diagnostics, delta),
  };
}

// Texts are compared a slice at a time (4,096 characters, then 256, 16 and 1): comparing two slices
// is a comparison of memory, much faster than a loop over characters.

/** The length of the longest start that `a` and `b` share. */
function commonPrefix(a: string, b: string): number {
  const max = Math.min(a.length, b.length);
  let same = 0;
  for (let n = 4096; n >= 1; n >>= 4) while (same + n <= max && a.slice(same, same + n) === b.slice(same, same + n)) same += n;
  return same;
}

/** The length of the longest end, at most `max`, that `a` and `b` share. */
function commonSuffix(a: string, b: string, max: number): number {
  let same = 0;
  for (let n = 4096; n >= 1; n >>= 4) {
    while (same + n <= max && a.slice(a.length - same - n, a.length - same) === b.slice(b.length - same - n, b.length - same)) same += n;
  }
  return same;
}

/** `from`–`to` of `text`, lexed and parsed on its own, in pieces; undefined if it has a problem. */
function parseStretch(text: string, from: number, to: number): Piece[] | undefined {
  const lexed = lex(text.slice(from, to));
  if (lexed.problems.length > 0) return undefined;
  // The lexer counts from the start of the stretch; its tokens are new, so they are moved in place.
  for (const token of [...lexed.tokens, ...lexed.comments]) {
    token.startOffset += from;
    if (token.endOffset !== undefined) token.endOffset += from;
  }
  const guarded = limitNesting(lexed.tokens, MAX_NESTING);
  if (guarded.dropped.length > 0) return undefined;
  const parsed = parseTokens(guarded.tokens, text);
  if (parsed.problems.length > 0) return undefined;
  const built = buildAst(parsed.cst, lexed.comments, text);
  return piecesOf(text, from, to, built.ast, built.ast.comments, built.diagnostics);
}

function lexDiagnostic(problem: LexProblem): Diagnostic {
  switch (problem.kind) {
    case 'unexpectedCharacters':
      return diagnostic(Diagnostics.unexpectedCharacter, span(problem.start, problem.end), [describeCharacters(problem.text)]);
    case 'unterminatedString':
      return diagnostic(Diagnostics.unterminatedString, span(problem.start, problem.end), []);
    case 'hashComment': {
      const hash = span(problem.start, problem.start + 1);
      return diagnostic(Diagnostics.unexpectedCharacter, hash, ['"#"'], {
        hint: 'comments start with //; the rest of this line was skipped',
        suggestion: { span: hash, newText: '//' },
      });
    }
    case 'unterminatedComment':
      // The comment runs to the end of the file; pointing at its opening is enough.
      return diagnostic(Diagnostics.unterminatedComment, span(problem.start, problem.start + 2), []);
  }
}

/** `"#"`, `U+0000` for what does not print, and `"#" (and 4 more)` for a run. */
function describeCharacters(run: string): string {
  const chars = [...run.replace(/\s+/g, '')];
  const first = chars[0] ?? run[0] ?? '';
  const code = first.codePointAt(0) ?? 0;
  const printable = code > 0x20 && code !== 0x7f && !(code >= 0x80 && code < 0xa0) && code !== 0xfffd;
  const shown = printable ? `"${first}"` : `U+${code.toString(16).toUpperCase().padStart(4, '0')}`;
  return chars.length > 1 ? `${shown} (and ${chars.length - 1} more)` : shown;
}

function syntaxDiagnostics(
  problems: readonly SyntaxProblem[],
  tokens: readonly MtlToken[],
  lexProblems: readonly LexProblem[],
  dropped: readonly DroppedRegion[],
): Diagnostic[] {
  const openComment = lexProblems.find((p) => p.kind === 'unterminatedComment');
  const resumes = new Set(dropped.map((region) => region.resume?.startOffset ?? Infinity));
  const endOfText = dropped.some((region) => region.resume === undefined);
  const lastEnd = tokens.length === 0 ? 0 : endOf(tokens[tokens.length - 1]!);
  const unbalanced = bracketsSwallowedByStrings(tokens);
  return problems
    .filter((problem) => {
      // An unterminated comment swallows the rest of the file: what is missing at the end follows from it.
      if (openComment !== undefined && problem.start >= Math.min(openComment.start, lastEnd)) return false;
      if (resumes.has(problem.start) || (endOfText && problem.start >= lastEnd)) return false;
      if (unbalanced.some((range) => problem.start > range.start && problem.start <= range.end)) return false;
      return tokenBefore(tokens, problem.start)?.unterminated !== true;
    })
    .map((problem) => diagnostic(Diagnostics.syntaxError, span(problem.start, problem.end), [problem.message]));
}

/**
 * An unterminated string that swallowed a closing bracket (`{ label: "x }`) leaves the brackets
 * after it unbalanced up to the end of its declaration: the ranges from such a string to the next
 * `model`, `block` or `import` (or the end), where syntax errors are its consequences.
 */
function bracketsSwallowedByStrings(tokens: readonly MtlToken[]): { start: number; end: number }[] {
  const ranges: { start: number; end: number }[] = [];
  for (let i = 0; i < tokens.length; i++) {
    const token = tokens[i]!;
    if (token.unterminated !== true || !/[)\]}]/.test(token.image)) continue;
    let j = i + 1;
    while (j < tokens.length && !declarationStarts.includes(tokens[j]!.tokenType)) j++;
    ranges.push({ start: token.startOffset, end: tokens[j]?.startOffset ?? Infinity });
    i = j - 1;
  }
  return ranges;
}

const declarationStarts: readonly TokenType[] = [Model, Block, Import];

/** The last token that starts before `offset`. */
function tokenBefore(tokens: readonly MtlToken[], offset: number): MtlToken | undefined {
  let lo = 0;
  let hi = tokens.length - 1;
  let found: IToken | undefined;
  while (lo <= hi) {
    const mid = (lo + hi) >> 1;
    if (tokens[mid]!.startOffset < offset) {
      found = tokens[mid];
      lo = mid + 1;
    } else {
      hi = mid - 1;
    }
  }
  return found;
}
