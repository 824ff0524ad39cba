/**
 * The syntax front end: text → AST plus the diagnostics of lexing and parsing (MTL00xx).
 *
 * Stages: lex → guard (bound the nesting, MTL0012) → parse (recovering) → CST→AST. It never throws
 * on any text, and every diagnostic span lies within the text. One diagnostic per root cause: a
 * syntax error that only follows from an unterminated string or comment, or from tokens dropped
 * for nesting too deep, is not reported again.
 */
import type { IToken, TokenType } from '#chevrotain';
import type { BlockDecl, ImportDecl, ModelDecl, MtlFile } from './ast.js';
import { buildAst, commentsOf } from './build-ast.js';
import { compareDiagnostics, type Diagnostic, Diagnostics, diagnostic } from './diagnostics.js';
import { relocate } from './relocate.js';
import { span } from './span.js';
import { type DroppedRegion, type LexProblem, type LexResult, lex, limitNesting, type MtlToken } from '../grammar/lexer.js';
import { parseTokens } from '../grammar/parser.js';
import { Block, closingBrackets, endOf, Import, Model, openingBrackets } from '../grammar/tokens.js';
import type { SyntaxProblem } from '../grammar/errors.js';

/** Brackets and unary minus signs nested deeper than this are not parsed (MTL0012). */
export const MAX_NESTING = 100;

export interface ParseResult {
  readonly ast: MtlFile;
  readonly diagnostics: Diagnostic[];
  /**
   * Each declaration with the tokens it was parsed from, when the file parsed without a syntax error:
   * the next parse of an edited text reuses those whose tokens did not change.
   */
  readonly declarations?: readonly ParsedDeclaration[];
}

export interface ParsedDeclaration {
  readonly tokens: readonly MtlToken[];
  readonly decl: Declaration;
  /** What building its syntax tree reported (MTL0011), in order. */
  readonly diagnostics: readonly Diagnostic[];
}

type Declaration = ImportDecl | BlockDecl | ModelDecl;

/**
 * Parses a text. With `previous`, the parse of an earlier text, declarations whose tokens are the
 * same (perhaps moved) are not parsed again; the result is the same either way.
 */
export function parse(text: string, previous?: ParseResult): ParseResult {
  const lexed = lex(text);
  const guarded = limitNesting(lexed.tokens, MAX_NESTING);
  const pieces = guarded.dropped.length === 0 ? declarationTokens(guarded.tokens) : undefined;
  const reparsed = previous?.declarations !== undefined && pieces !== undefined ? reparse(text, lexed, pieces, previous.declarations) : undefined;
  if (reparsed !== undefined) return reparsed;
  const parsed = parseTokens(guarded.tokens, text);
  const built = buildAst(parsed.cst, lexed.comments, text);
  const diagnostics = [
    ...lexed.problems.map(lexDiagnostic),
    ...guarded.dropped.map((region) => diagnostic(Diagnostics.nestingTooDeep, span(region.start, region.start + 1), [MAX_NESTING])),
    ...syntaxDiagnostics(parsed.problems, guarded.tokens, lexed.problems, guarded.dropped),
    ...built.diagnostics,
  ];
  const declarations = pieces !== undefined && parsed.problems.length === 0 ? declarationsOf(pieces, built.ast, built.diagnostics) : undefined;
  return { ast: built.ast, diagnostics: diagnostics.sort(compareDiagnostics), ...(declarations ? { declarations } : {}) };
}

// ── Reparsing an edited text ──────────────────────────────────────────────────────────────────
//
// A declaration that parses without a syntax error parses the same way, to the same tree, wherever
// it stands: no rule looks past a declaration's last token except for a "->" or "(" that would
// continue it, and neither starts a declaration. So once the tokens are known, a file that parses
// cleanly is its declarations parsed one by one, and those whose tokens did not change need not be
// parsed again. The reuse holds only while every part parses cleanly; otherwise recovery may cross
// declarations, and the whole file is parsed.

/** The tokens split before each `model`, `block` and `import` outside brackets: the declarations, if the file is sound. */
function declarationTokens(tokens: readonly MtlToken[]): MtlToken[][] {
  const pieces: MtlToken[][] = [];
  let depth = 0;
  let start = 0;
  for (let i = 0; i < tokens.length; i++) {
    const type = tokens[i]!.tokenType;
    if (openingBrackets.includes(type)) depth++;
    else if (closingBrackets.includes(type)) depth--;
    else if (depth === 0 && i > start && declarationStarts.includes(type)) {
      pieces.push(tokens.slice(start, i));
      start = i;
    }
  }
  if (start < tokens.length) pieces.push(tokens.slice(start));
  return pieces;
}

/** The declarations of a cleanly parsed file, paired with the pieces of tokens; undefined if they do not pair up. */
function declarationsOf(pieces: readonly MtlToken[][], ast: MtlFile, built: readonly Diagnostic[]): ParsedDeclaration[] | undefined {
  const decls: Declaration[] = [...ast.imports, ...ast.blocks, ...ast.models].sort((a, b) => a.span.start - b.span.start);
  if (decls.length !== pieces.length || decls.some((decl, i) => decl.span.start !== pieces[i]![0]!.startOffset)) return undefined;
  const paired = decls.map((decl, i) => {
    const next = decls[i + 1]?.span.start ?? Infinity;
    return { tokens: pieces[i]!, decl, diagnostics: built.filter((d) => d.span.start >= decl.span.start && d.span.start < next) };
  });
  return paired.reduce((n, d) => n + d.diagnostics.length, 0) === built.length ? paired : undefined;
}

/** The parse of `text` from its pieces, reusing the earlier declarations they repeat; undefined when a piece parsed now has a syntax error. */
function reparse(text: string, lexed: LexResult, pieces: readonly MtlToken[][], earlier: readonly ParsedDeclaration[]): ParseResult | undefined {
  let head = 0;
  while (head < pieces.length && head < earlier.length && sameTokens(earlier[head]!.tokens, pieces[head]!)) head++;
  let tail = 0;
  while (tail < pieces.length - head && tail < earlier.length - head && sameTokens(earlier[earlier.length - 1 - tail]!.tokens, pieces[pieces.length - 1 - tail]!)) tail++;
  const changed = pieces.slice(head, pieces.length - tail);
  let fresh: ParsedDeclaration[] = [];
  if (changed.length > 0) {
    const parsed = parseTokens(changed.flat(), text);
    if (parsed.problems.length > 0) return undefined;
    const built = buildAst(parsed.cst, [], text);
    const paired = declarationsOf(changed, built.ast, built.diagnostics);
    if (paired === undefined) return undefined;
    fresh = paired;
  }
  const declarations = [
    ...earlier.slice(0, head).map((d, i) => moved(d, pieces[i]!)),
    ...fresh,
    ...earlier.slice(earlier.length - tail).map((d, i) => moved(d, pieces[pieces.length - tail + i]!)),
  ];
  const ofKind = <K extends Declaration['kind']>(kind: K) => declarations.filter((d) => d.decl.kind === kind);
  const imports = ofKind('Import');
  const blocks = ofKind('Block');
  const models = ofKind('Model');
  const ast: MtlFile = {
    kind: 'File',
    imports: imports.map((d) => d.decl as ImportDecl),
    blocks: blocks.map((d) => d.decl as BlockDecl),
    models: models.map((d) => d.decl as ModelDecl),
    comments: commentsOf(lexed.comments),
    span: span(0, text.length),
  };
  // The order of a fresh parse: the builder reports imports, then blocks, then models.
  const built = [...imports, ...blocks, ...models].flatMap((d) => d.diagnostics);
  return { ast, diagnostics: [...lexed.problems.map(lexDiagnostic), ...built].sort(compareDiagnostics), declarations };
}

/** The same tokens, perhaps all moved by the same distance. */
function sameTokens(before: readonly MtlToken[], now: readonly MtlToken[]): boolean {
  if (before.length !== now.length) return false;
  const delta = now[0]!.startOffset - before[0]!.startOffset;
  for (let i = 0; i < now.length; i++) {
    const a = before[i]!;
    const b = now[i]!;
    if (a.tokenType !== b.tokenType || a.image !== b.image || a.startOffset + delta !== b.startOffset || a.unterminated !== b.unterminated) return false;
  }
  return true;
}

/** An earlier declaration, moved to where its tokens are now. */
function moved(earlier: ParsedDeclaration, tokens: readonly MtlToken[]): ParsedDeclaration {
  const delta = tokens[0]!.startOffset - earlier.tokens[0]!.startOffset;
  return { tokens, decl: relocate(earlier.decl, delta), diagnostics: relocate(earlier.diagnostics, delta) };
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
