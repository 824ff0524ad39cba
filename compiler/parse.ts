/**
 * The syntax front end: text → AST plus the diagnostics of lexing and parsing (MTL00xx).
 *
 * Stages: lex → guard (bound the nesting, MTL0012) → parse (recovering) → CST→AST. It never throws
 * on any text, and every diagnostic span lies within the text. One diagnostic per root cause: a
 * syntax error that only follows from an unterminated string or comment, or from tokens dropped
 * for nesting too deep, is not reported again.
 */
import type { IToken, TokenType } from '#chevrotain';
import type { MtlFile } from './ast.js';
import { buildAst } from './build-ast.js';
import { compareDiagnostics, type Diagnostic, Diagnostics, diagnostic } from './diagnostics.js';
import { span } from './span.js';
import { type DroppedRegion, type LexProblem, lex, limitNesting, type MtlToken } from '../grammar/lexer.js';
import { parseTokens } from '../grammar/parser.js';
import { Block, endOf, Import, Model } from '../grammar/tokens.js';
import type { SyntaxProblem } from '../grammar/errors.js';

/** Brackets and unary minus signs nested deeper than this are not parsed (MTL0012). */
export const MAX_NESTING = 100;

export interface ParseResult {
  readonly ast: MtlFile;
  readonly diagnostics: Diagnostic[];
}

export function parse(text: string): ParseResult {
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
  return { ast: built.ast, diagnostics: diagnostics.sort(compareDiagnostics) };
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
