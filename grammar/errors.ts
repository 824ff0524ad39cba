/**
 * Parse-error wording: Chevrotain's error message provider, rewritten for people.
 *
 * A message says what was expected, in quoted images and labels (`"->"`, `a name`, `a value`), and
 * after what, quoting the source: `expected "=" after "head task1"`, `expected "->" or "}" after
 * "dense(64)"`. Never a token type name.
 */
import {
  EOF,
  type IParserErrorMessageProvider,
  type IRecognitionException,
  type ISyntacticContentAssistPath,
  type IToken,
  type TokenType,
} from '#chevrotain';
import * as T from './tokens.js';
import { endOf } from './tokens.js';

export interface SyntaxProblem {
  readonly message: string;
  /** The unexpected token; at the end of the file, an empty range just after the last token. */
  readonly start: number;
  readonly end: number;
}

type ContentAssist = (rule: string, preceding: IToken[]) => ISyntacticContentAssistPath[];

/** The keywords that open a declaration or a member: "after" quotes from one of them. */
const statementStarts: readonly TokenType[] = [
  T.Model,
  T.Block,
  T.Import,
  T.Input,
  T.Trunk,
  T.Gate,
  T.Head,
  T.Weights,
  T.Weighting,
  T.Train,
  T.Data,
];
/** Each member keyword and the parser rule of its member. */
const memberRules = new Map<TokenType, string>([
  [T.Input, 'inputDecl'],
  [T.Trunk, 'trunkDecl'],
  [T.Gate, 'gateDecl'],
  [T.Head, 'headDecl'],
  [T.Weights, 'weightsDecl'],
  [T.Weighting, 'weightingDecl'],
  [T.Train, 'trainDecl'],
  [T.Data, 'dataDecl'],
]);
const valueStarts: readonly TokenType[] = [
  T.NumberLiteral,
  T.StringLiteral,
  T.True,
  T.False,
  T.LBracket,
  T.LParen,
  T.Minus,
  T.Identifier,
  T.StatementKeyword,
];
/** Closing brackets of comma-separated lists, and the rules that hold such lists: a "," fits too. */
const listClosers = new Map<TokenType, readonly string[]>([
  [T.RParen, ['call', 'pipeline', 'blockDecl']],
  [T.RBracket, ['list', 'tensorType', 'columns']],
]);
/** Continuations too generic to suggest after a complete member: operators, and "(" after a name. */
const notSuggested: readonly TokenType[] = [T.Plus, T.Minus, T.Star, T.Slash, T.LParen];

/** How far back an error message looks for context; keeps each message cheap on garbage input. */
const LOOK_BACK = 200;
const QUOTE_LIMIT = 32;

export class SyntaxMessages implements IParserErrorMessageProvider {
  private tokens: readonly IToken[] = [];
  private text = '';
  private contentAssist: ContentAssist | undefined;

  /** Called before each parse: messages quote the source and look at the tokens around an error. */
  begin(tokens: readonly IToken[], text: string, contentAssist: ContentAssist): void {
    this.tokens = tokens;
    this.text = text;
    this.contentAssist = contentAssist;
  }

  end(): void {
    this.tokens = [];
    this.text = '';
    this.contentAssist = undefined;
  }

  buildMismatchTokenMessage(options: { expected: TokenType; actual: IToken; previous: IToken; ruleName: string }): string {
    const { expected, ruleName } = options;
    const previous = this.previousOf(options.actual, options.previous);
    if (expected === EOF) return `expected "import", "block" or "model"${this.after(previous)}`;
    const alternatives: (TokenType | string)[] = [expected];
    if (expected === T.RCurly && ruleName === 'modelDecl') alternatives.unshift(...this.memberContinuations(previous));
    if (listClosers.get(expected)?.includes(ruleName)) {
      // Right after the opening bracket the list is still empty: its first item could come, not a ",".
      const opened = previous?.tokenType === T.LParen || previous?.tokenType === T.LBracket;
      if (!opened) alternatives.unshift(T.Comma);
      else alternatives.unshift(ruleName === 'blockDecl' ? 'a name' : 'a value');
    }
    return `expected ${describeExpected(alternatives)}${this.after(previous)}`;
  }

  buildNotAllInputParsedMessage(options: { firstRedundant: IToken; ruleName: string }): string {
    const previous = this.previousOf(options.firstRedundant, undefined);
    return `expected "import", "block" or "model"${this.after(previous)}`;
  }

  buildNoViableAltMessage(options: { expectedPathsPerAlt: TokenType[][][]; actual: IToken[]; previous: IToken; ruleName: string }): string {
    const firsts = options.expectedPathsPerAlt.flatMap((alt) => alt.map((path) => path[0]!));
    const previous = this.previousOf(options.actual[0], options.previous);
    return `expected ${expectedInRule(options.ruleName) ?? describeExpected(firsts)}${this.after(previous)}`;
  }

  buildEarlyExitMessage(options: { expectedIterationPaths: TokenType[][]; actual: IToken[]; previous: IToken; ruleName: string }): string {
    const firsts = options.expectedIterationPaths.map((path) => path[0]!);
    const previous = this.previousOf(options.actual[0], options.previous);
    return `expected ${describeExpected(firsts)}${this.after(previous)}`;
  }

  /**
   * The token just before `actual`. Chevrotain passes the last consumed token, which after
   * in-repetition recovery is past the skipped ones; the error is about what precedes `actual`.
   */
  private previousOf(actual: IToken | undefined, previous: IToken | undefined): IToken | undefined {
    const index = this.indexOf(actual);
    if (index !== undefined) return this.tokens[index - 1];
    return actual?.tokenType === EOF ? this.tokens[this.tokens.length - 1] : previous;
  }

  /** ` after "…"`, quoting the construct that ends with `previous`; empty at the start of the file. */
  private after(previous: IToken | undefined): string {
    const index = this.indexOf(previous);
    if (index === undefined) return '';
    const start = this.statementStart(index) ?? this.unitStart(index);
    const token = this.tokens[index]!;
    // A string quotes itself.
    if (start === index && token.tokenType === T.StringLiteral) return ` after ${token.image}`;
    return ` after ${quote(this.quoteSource(start, index))}`;
  }

  /** A declaration or member keyword at most three tokens back (`input x: float`), when nothing nests between. */
  private statementStart(index: number): number | undefined {
    for (let i = index; i >= Math.max(0, index - 3); i--) {
      const type = this.tokens[i]!.tokenType;
      if (statementStarts.includes(type) && this.tokens[i + 1]?.tokenType !== T.Colon) return i;
      if (T.openingBrackets.includes(type) || T.closingBrackets.includes(type)) {
        if (i !== index || type !== T.LCurly) return undefined;
      }
    }
    return undefined;
  }

  /** The call or bracketed group that ends at `index` (`dense(64)`, `float[100]`), or the token itself. */
  private unitStart(index: number): number {
    const type = this.tokens[index]!.tokenType;
    if (type === T.LParen || type === T.LBracket) return this.tokens[index - 1]?.tokenType === T.Identifier ? index - 1 : index;
    if (type !== T.RParen && type !== T.RBracket) return index;
    let depth = 0;
    for (let i = index; i >= Math.max(0, index - LOOK_BACK); i--) {
      const t = this.tokens[i]!.tokenType;
      if (t === T.RParen || t === T.RBracket) depth++;
      else if ((t === T.LParen || t === T.LBracket) && --depth === 0) {
        const before = this.tokens[i - 1];
        return before !== undefined && (before.tokenType === T.Identifier || before.tokenType === T.StatementKeyword) ? i - 1 : i;
      }
    }
    return index;
  }

  /** The source from token `from` to token `to`, on one line, shortened to `name(…)` when long. */
  private quoteSource(from: number, to: number): string {
    const first = this.tokens[from]!;
    const last = this.tokens[to]!;
    const source = this.text.slice(first.startOffset, endOf(last)).replace(/\s+/g, ' ');
    if (source.length <= QUOTE_LIMIT) return source;
    if (from === to) return shorten(source);
    const opener = this.tokens[from + 1];
    if (from < to && opener !== undefined && (opener.tokenType === T.LParen || opener.tokenType === T.LBracket)) {
      const closer = last.image;
      return `${first.image}${opener.image}…${closer}`;
    }
    return shorten(source);
  }

  /**
   * What could have continued the member that ends at `previous` (`->` after a pipeline, `vocab`
   * after a numeric type), so that a stray token after a member says what it may have meant.
   */
  private memberContinuations(previous: IToken | undefined): string[] {
    const index = this.indexOf(previous);
    if (index === undefined || this.contentAssist === undefined) return [];
    const start = this.memberStart(index);
    if (start === undefined) return [];
    const rule = memberRules.get(this.tokens[start]!.tokenType)!;
    const paths = this.contentAssist(rule, this.tokens.slice(start, index + 1));
    const labels: string[] = [];
    for (const path of paths) {
      const type = path.nextTokenType;
      if (notSuggested.includes(type)) continue;
      // An identifier continues a member only as a type word; which one depends on the rule.
      const inRule = path.ruleStack[path.ruleStack.length - 1];
      let words: string[];
      if (type === T.Identifier) {
        if (inRule === 'tensorType') words = ['"vocab"'];
        else if (inRule === 'inputDecl') words = ['"normalize"', '"from"'];
        else continue;
      } else {
        words = [labelOf(type)];
      }
      for (const word of words) if (!labels.includes(word)) labels.push(word);
    }
    return labels;
  }

  /** The member keyword that starts the member containing token `index`, looking back a bounded way. */
  private memberStart(index: number): number | undefined {
    let depth = 0;
    for (let i = index; i >= Math.max(0, index - LOOK_BACK); i--) {
      const type = this.tokens[i]!.tokenType;
      if (T.closingBrackets.includes(type)) depth++;
      else if (T.openingBrackets.includes(type) && --depth < 0) return undefined;
      else if (depth === 0 && memberRules.has(type) && this.tokens[i + 1]?.tokenType !== T.Colon) return i;
    }
    return undefined;
  }

  /** The index of a token in the vector (binary search by offset); undefined for EOF and inserted tokens. */
  private indexOf(token: IToken | undefined): number | undefined {
    if (token === undefined || token.tokenType === EOF || Number.isNaN(token.startOffset) || token.isInsertedInRecovery) {
      return undefined;
    }
    let lo = 0;
    let hi = this.tokens.length - 1;
    while (lo <= hi) {
      const mid = (lo + hi) >> 1;
      const offset = this.tokens[mid]!.startOffset;
      if (offset === token.startOffset) return mid;
      if (offset < token.startOffset) lo = mid + 1;
      else hi = mid - 1;
    }
    return undefined;
  }
}

/** Wording for rules whose alternatives are told apart by the image of a name, not by token type. */
function expectedInRule(ruleName: string): string | undefined {
  switch (ruleName) {
    case 'tensorType':
      return 'a type ("float", "int" or "category")';
    case 'factor':
      return 'a value';
    default:
      return undefined;
  }
}

function labelOf(type: TokenType): string {
  if (type === EOF) return 'the end of the file';
  return type.LABEL ?? type.name;
}

/** `"->" or "}"`; the tokens that can start a value collapse into "a value"; strings are labels already. */
export function describeExpected(types: readonly (TokenType | string)[]): string {
  let labels: string[] = [];
  const isValue = types.includes(T.NumberLiteral) && types.includes(T.StringLiteral);
  for (const type of types) {
    const label = typeof type === 'string' ? type : isValue && valueStarts.includes(type) ? 'a value' : labelOf(type);
    if (!labels.includes(label)) labels.push(label);
  }
  if (labels.includes('a name')) labels = labels.filter((label) => label !== 'a keyword');
  return joinOr(labels);
}

function joinOr(items: readonly string[]): string {
  if (items.length <= 1) return items[0] ?? 'something else';
  return `${items.slice(0, -1).join(', ')} or ${items[items.length - 1]}`;
}

function shorten(text: string): string {
  return text.length <= QUOTE_LIMIT ? text : `${text.slice(0, QUOTE_LIMIT - 1)}…`;
}

function quote(text: string): string {
  return `"${text}"`;
}

/** The range an error points at: the unexpected token, or just after the last token at the end. */
export function problemOf(error: IRecognitionException, tokens: readonly IToken[]): SyntaxProblem {
  const token = error.token;
  if (token.tokenType !== EOF && !Number.isNaN(token.startOffset) && token.isInsertedInRecovery !== true) {
    return { message: error.message, start: token.startOffset, end: endOf(token) };
  }
  const last = tokens[tokens.length - 1];
  const at = last === undefined ? 0 : endOf(last);
  return { message: error.message, start: at, end: at };
}
