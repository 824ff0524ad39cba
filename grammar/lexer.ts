/**
 * The lexer, and the guard that keeps the parser's recursion bounded.
 *
 * Lexing never fails: characters outside the language, unterminated strings and unterminated
 * comments come back as `LexProblem`s (the compiler turns them into MTL0001–MTL0003), and the token
 * vector is still complete enough to parse.
 */
import { Lexer, type IToken } from '#chevrotain';
import {
  allTokens,
  endOf,
  closingBrackets,
  HashComment,
  Minus,
  openingBrackets,
  StringLiteral,
  UnterminatedComment,
  UnterminatedString,
} from './tokens.js';

export const mtlLexer = new Lexer(allTokens, {
  positionTracking: 'onlyOffset',
  ensureOptimizations: true,
});

/** A token as the parser receives it; an unterminated string is passed on as a string, marked. */
export interface MtlToken extends IToken {
  readonly unterminated?: true;
}

/** Offsets are UTF-16 indexes into the text, `end` exclusive. */
export type LexProblem =
  | { readonly kind: 'unexpectedCharacters'; readonly start: number; readonly end: number; readonly text: string }
  | { readonly kind: 'unterminatedString'; readonly start: number; readonly end: number }
  | { readonly kind: 'unterminatedComment'; readonly start: number; readonly end: number }
  | { readonly kind: 'hashComment'; readonly start: number; readonly end: number };

export interface LexResult {
  readonly tokens: MtlToken[];
  readonly comments: IToken[];
  readonly problems: LexProblem[];
}

export function lex(text: string): LexResult {
  const result = mtlLexer.tokenize(text);
  const problems: LexProblem[] = unexpectedCharacterRuns(text, result.errors);
  const tokens: MtlToken[] = result.tokens.map((token) => {
    if (token.tokenType !== UnterminatedString) return token;
    problems.push({ kind: 'unterminatedString', start: token.startOffset, end: endOf(token) });
    return { ...token, tokenType: StringLiteral, tokenTypeIdx: StringLiteral.tokenTypeIdx!, unterminated: true };
  });
  const comments = result.groups['comments'] ?? [];
  for (const comment of comments) {
    if (comment.tokenType === UnterminatedComment) {
      problems.push({ kind: 'unterminatedComment', start: comment.startOffset, end: endOf(comment) });
    } else if (comment.tokenType === HashComment) {
      problems.push({ kind: 'hashComment', start: comment.startOffset, end: endOf(comment) });
    }
  }
  return { tokens, comments, problems };
}

/**
 * Chevrotain already reports a run of unmatched characters as one error; runs separated only by
 * whitespace (binary garbage is full of it) are merged too, so garbage gives one diagnostic per run.
 */
function unexpectedCharacterRuns(text: string, errors: readonly { offset: number; length: number }[]): LexProblem[] {
  const runs: { start: number; end: number }[] = [];
  for (const error of errors) {
    const start = error.offset;
    const end = Math.min(text.length, error.offset + Math.max(1, error.length));
    const last = runs[runs.length - 1];
    if (last !== undefined && /^\s*$/.test(text.slice(last.end, start))) last.end = end;
    else runs.push({ start, end });
  }
  return runs.map((run) => ({ kind: 'unexpectedCharacters', ...run, text: text.slice(run.start, run.end) }));
}

/** Tokens removed because they were nested too deep; `resume` is the first token kept after them. */
export interface DroppedRegion {
  readonly start: number;
  readonly end: number;
  readonly resume: IToken | undefined;
}

/**
 * The parser descends once per bracket and the AST builder once per node, so nesting must be
 * bounded before parsing. Tokens inside a bracket opened at depth `limit` are dropped (with that
 * bracket and its match), and so are unary minus signs past `limit` in a row. Each dropped region
 * is reported once, at its first token.
 */
export function limitNesting(
  tokens: readonly MtlToken[],
  limit: number,
): {
  tokens: readonly MtlToken[];
  dropped: DroppedRegion[];
} {
  // Most files nest nowhere near the limit: the vector is copied only from the first drop on.
  let kept: MtlToken[] | undefined;
  const dropped: DroppedRegion[] = [];
  let depth = 0;
  let minusRun = 0;
  let i = 0;
  const closeRegion = (start: number, end: number): void => {
    dropped.push({ start, end, resume: tokens[i] });
  };
  const startDropping = (): void => {
    kept ??= tokens.slice(0, i);
  };
  while (i < tokens.length) {
    const token = tokens[i]!;
    const type = token.tokenType;
    if (openingBrackets.includes(type)) {
      minusRun = 0;
      if (depth >= limit) {
        startDropping();
        const start = token.startOffset;
        let inner = 0;
        let end = endOf(token);
        for (; i < tokens.length; i++) {
          const skipped = tokens[i]!;
          end = endOf(skipped);
          if (openingBrackets.includes(skipped.tokenType)) inner++;
          else if (closingBrackets.includes(skipped.tokenType) && --inner === 0) break;
        }
        i++;
        closeRegion(start, end);
        continue;
      }
      depth++;
    } else if (closingBrackets.includes(type)) {
      minusRun = 0;
      depth = Math.max(0, depth - 1);
    } else if (type === Minus) {
      if (++minusRun > limit) {
        startDropping();
        const start = token.startOffset;
        let end = endOf(token);
        for (; i < tokens.length && tokens[i]!.tokenType === Minus; i++) end = endOf(tokens[i]!);
        minusRun = 0;
        closeRegion(start, end);
        continue;
      }
    } else {
      minusRun = 0;
    }
    kept?.push(token);
    i++;
  }
  return { tokens: kept ?? tokens, dropped };
}
