/**
 * Where the cursor is, read from the tokens before it: which brackets are open and what opened them,
 * which declaration or member it is in, and what came just before. Half-typed text rarely parses,
 * so completion and signature help read tokens rather than the syntax tree.
 */
import { tokenMatcher, type IToken } from '#chevrotain';
import { lex } from '../../grammar/lexer.js';
import * as T from '../../grammar/tokens.js';
import { endOf } from '../../grammar/tokens.js';

/** An open `(`: a call's arguments (or a block's parameter list). */
export interface ParenFrame {
  readonly kind: 'paren';
  /** The name before the `(`, when there is one. */
  readonly callee: string | undefined;
  /** True for `block name(…)`: parameters, not arguments. */
  readonly params: boolean;
  /** Zero-based index of the argument the cursor is in, counting commas. */
  argIndex: number;
  /** Positional arguments before the first named one. */
  positional: number;
  /** Named arguments given so far. */
  readonly named: string[];
  /** The name of the argument being written (`name: |`), if it has one. */
  current: string | undefined;
  /** Tokens of the argument being written, after its `name:` if it has one. */
  valueTokens: number;
}

export type Section = 'model' | 'weights' | 'train' | 'data' | 'head' | 'other';

/** An open `{`: a model's members, or an option list. */
export interface CurlyFrame {
  readonly kind: 'curly';
  readonly section: Section;
  /** Option keys given so far. */
  readonly keys: string[];
  /** The key whose value is being written. */
  current: string | undefined;
  /** The statement around this brace, restored when it closes. */
  readonly outer: Statement | undefined;
}

export interface BracketFrame {
  readonly kind: 'bracket';
  /** The option or argument the list is the value of. */
  readonly key: string | undefined;
}

export type Frame = ParenFrame | CurlyFrame | BracketFrame;

/** A declaration or member: its keyword and the tokens after it, at any depth. */
export interface Statement {
  readonly keyword: string;
  readonly tokens: IToken[];
}

export interface CursorContext {
  readonly offset: number;
  /** The identifier characters just before the cursor (what completion filters on). */
  readonly prefix: string;
  readonly wordStart: number;
  readonly frames: readonly Frame[];
  /** The declaration (top level) or member (in a model) the cursor is in. */
  readonly statement: Statement | undefined;
  /** The last token before the word being typed. */
  readonly previous: IToken | undefined;
  /** Inside a comment or a string: nothing to complete. */
  readonly inert: boolean;
}

export function cursorContext(text: string, offset: number): CursorContext {
  let wordStart = offset;
  while (wordStart > 0 && /[A-Za-z0-9_]/.test(text[wordStart - 1]!)) wordStart--;
  const prefix = text.slice(wordStart, offset);
  const before = text.slice(0, wordStart);
  const lexed = lex(before);
  const lastComment = lexed.comments[lexed.comments.length - 1];
  const lastToken = lexed.tokens[lexed.tokens.length - 1];
  const inComment =
    lastComment !== undefined &&
    endOf(lastComment) >= wordStart &&
    (lastComment.tokenType !== T.BlockComment || endOf(lastComment) > wordStart);
  const inString = lastToken !== undefined && 'unterminated' in lastToken && lastToken.unterminated === true;
  const frames: Frame[] = [];
  let statement: Statement | undefined;
  let previous: IToken | undefined;
  for (const token of lexed.tokens) {
    step(
      token,
      frames,
      previous,
      (s) => (statement = s),
      () => statement,
    );
    previous = token;
  }
  return { offset, prefix, wordStart, frames, statement, previous, inert: inComment || inString };
}

function step(
  token: IToken,
  frames: Frame[],
  previous: IToken | undefined,
  setStatement: (s: Statement | undefined) => void,
  getStatement: () => Statement | undefined,
): void {
  const top = frames[frames.length - 1];
  const type = token.tokenType;
  const atStatementLevel = top === undefined || (top.kind === 'curly' && top.section === 'model');
  if (atStatementLevel && tokenMatcher(token, T.StatementKeyword)) {
    setStatement({ keyword: token.image, tokens: [] });
    return;
  }
  getStatement()?.tokens.push(token);
  if (type === T.LParen) {
    const callee = previous?.tokenType === T.Identifier ? previous.image : undefined;
    const statement = getStatement();
    const params = top === undefined && statement?.keyword === 'block' && !statement.tokens.some((t) => t.tokenType === T.Equals);
    countValue(top);
    frames.push({ kind: 'paren', callee, params, argIndex: 0, positional: 0, named: [], current: undefined, valueTokens: 0 });
  } else if (type === T.LCurly) {
    const statement = getStatement();
    const section = sectionOf(statement, top);
    frames.push({ kind: 'curly', section, keys: [], current: undefined, outer: statement });
    if (section === 'model') setStatement(undefined);
  } else if (type === T.LBracket) {
    const key = top?.kind === 'curly' ? top.current : top?.kind === 'paren' ? top.current : undefined;
    countValue(top);
    frames.push({ kind: 'bracket', key });
  } else if (type === T.RParen || type === T.RCurly || type === T.RBracket) {
    const popped = frames.pop();
    if (popped?.kind === 'curly' && popped.section === 'model') setStatement(undefined);
    else if (popped?.kind === 'curly') setStatement(popped.outer);
  } else if (type === T.Comma) {
    if (top?.kind === 'paren') {
      if (top.current === undefined && top.named.length === 0) top.positional++;
      top.argIndex++;
      top.current = undefined;
      top.valueTokens = 0;
    } else if (top?.kind === 'curly') {
      top.current = undefined;
    }
  } else if (type === T.Colon) {
    if (top?.kind === 'paren' && previous !== undefined && isWordToken(previous) && top.current === undefined && top.valueTokens === 1) {
      top.current = previous.image;
      top.named.push(previous.image);
      top.valueTokens = 0;
    } else if (top?.kind === 'curly' && top.section !== 'model' && previous !== undefined && isWordToken(previous)) {
      top.current = previous.image;
      top.keys.push(previous.image);
    }
  } else {
    countValue(top);
  }
}

function countValue(top: Frame | undefined): void {
  if (top?.kind === 'paren') top.valueTokens++;
}

function sectionOf(statement: Statement | undefined, top: Frame | undefined): Section {
  if (top?.kind === 'paren' || top?.kind === 'bracket') return 'other';
  switch (statement?.keyword) {
    case 'model':
      return top === undefined ? 'model' : 'other';
    case 'weights':
    case 'train':
    case 'data':
    case 'head':
      return statement.keyword;
    default:
      return 'other';
  }
}

function isWordToken(token: IToken): boolean {
  return token.tokenType === T.Identifier || T.keywordTokens.includes(token.tokenType);
}

/** The innermost open call (not a block's parameter list). */
export function innermostCall(ctx: CursorContext): ParenFrame | undefined {
  for (let i = ctx.frames.length - 1; i >= 0; i--) {
    const frame = ctx.frames[i]!;
    if (frame.kind === 'paren') return frame.params || frame.callee === undefined ? undefined : frame;
  }
  return undefined;
}
