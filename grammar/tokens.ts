/**
 * The tokens of `.mtl` (LANGUAGE.md §2).
 *
 * Keywords come before `Identifier` and name it as their `longer_alt`, so `headCount`, `inputs` and
 * `trainer` are identifiers. Type words (`float int bool string category vocab normalize from`) are
 * not reserved: they lex as identifiers and the parser checks their image. Every token has a `LABEL`,
 * which is how parse errors name it to people.
 */
import { Lexer, createToken, type IToken, type TokenType } from '#chevrotain';

export const WhiteSpace = createToken({
  name: 'WhiteSpace',
  label: 'whitespace',
  pattern: /[ \t\r\n\f\v\u00a0\ufeff\u2028\u2029]+/,
  group: Lexer.SKIPPED,
  line_breaks: true,
});

// Comments are kept in their own group: the formatter needs them, the parser never sees them.
export const LineComment = createToken({
  name: 'LineComment',
  label: 'a comment',
  pattern: /\/\/[^\r\n\u2028\u2029]*/,
  group: 'comments',
});
export const BlockComment = createToken({
  name: 'BlockComment',
  label: 'a comment',
  pattern: /\/\*[\s\S]*?\*\//,
  group: 'comments',
  line_breaks: true,
});
/**
 * `#` starts a comment in Python, YAML and shell, so people write one: it is an error (MTL0001),
 * but the rest of its line is read as a comment rather than parsed into a cascade of errors.
 */
export const HashComment = createToken({
  name: 'HashComment',
  label: 'a comment',
  pattern: /#[^\r\n\u2028\u2029]*/,
  group: 'comments',
});
/** A `/*` never closed: it runs to the end of the file and becomes MTL0003, not a generic error. */
export const UnterminatedComment = createToken({
  name: 'UnterminatedComment',
  label: 'a comment',
  pattern: /\/\*[\s\S]*/,
  group: 'comments',
  line_breaks: true,
});

export const StringLiteral = createToken({
  name: 'StringLiteral',
  label: 'a string',
  pattern: /"(?:[^"\\\r\n\u2028\u2029]|\\[^\r\n\u2028\u2029])*"/,
});
/** A string that reaches the end of its line without a closing quote: MTL0002. */
export const UnterminatedString = createToken({
  name: 'UnterminatedString',
  label: 'a string',
  pattern: /"(?:[^"\\\r\n\u2028\u2029]|\\[^\r\n\u2028\u2029])*\\?/,
});

export const NumberLiteral = createToken({
  name: 'NumberLiteral',
  label: 'a number',
  pattern: /\d+(?:\.\d+)?(?:[eE][+-]?\d+)?/,
});

export const Identifier = createToken({
  name: 'Identifier',
  label: 'a name',
  pattern: /[A-Za-z_][A-Za-z0-9_]*/,
});

/** Every reserved word. An option key or an argument name may still be one (`data { train: … }`). */
export const Keyword = createToken({ name: 'Keyword', label: 'a keyword', pattern: Lexer.NA });
/** The keywords that start a declaration or a member; `true` and `false` are values instead. */
export const StatementKeyword = createToken({ name: 'StatementKeyword', label: 'a keyword', pattern: Lexer.NA });

function keyword(word: string, categories: TokenType[] = [Keyword, StatementKeyword]): TokenType {
  const name = word[0]!.toUpperCase() + word.slice(1);
  return createToken({
    name,
    label: `"${word}"`,
    pattern: new RegExp(word),
    longer_alt: Identifier,
    categories,
  });
}

export const Model = keyword('model');
export const Block = keyword('block');
export const Input = keyword('input');
export const Trunk = keyword('trunk');
export const Gate = keyword('gate');
export const Head = keyword('head');
export const Weights = keyword('weights');
export const Weighting = keyword('weighting');
export const Train = keyword('train');
export const Data = keyword('data');
export const Import = keyword('import');
export const True = keyword('true', [Keyword]);
export const False = keyword('false', [Keyword]);

function punctuation(name: string, image: string): TokenType {
  const escaped = image.replace(/[.*+?^${}()|[\]\\/-]/g, '\\$&');
  return createToken({ name, label: `"${image}"`, pattern: new RegExp(escaped) });
}

export const Arrow = punctuation('Arrow', '->');
export const DotDot = punctuation('DotDot', '..');
export const Dot = punctuation('Dot', '.');
export const Equals = punctuation('Equals', '=');
export const Colon = punctuation('Colon', ':');
export const Comma = punctuation('Comma', ',');
export const LParen = punctuation('LParen', '(');
export const RParen = punctuation('RParen', ')');
export const LBracket = punctuation('LBracket', '[');
export const RBracket = punctuation('RBracket', ']');
export const LCurly = punctuation('LCurly', '{');
export const RCurly = punctuation('RCurly', '}');
export const Plus = punctuation('Plus', '+');
export const Minus = punctuation('Minus', '-');
export const Star = punctuation('Star', '*');
export const Slash = punctuation('Slash', '/');

/** The keywords, in the order §2 lists them. */
export const keywordTokens: readonly TokenType[] = [
  Model,
  Block,
  Input,
  Trunk,
  Gate,
  Head,
  Weights,
  Weighting,
  Train,
  Data,
  Import,
  True,
  False,
];

/** All token types in lexing order: the first pattern that matches wins. */
export const allTokens: TokenType[] = [
  WhiteSpace,
  LineComment,
  BlockComment,
  UnterminatedComment,
  HashComment,
  StringLiteral,
  UnterminatedString,
  NumberLiteral,
  ...keywordTokens,
  Identifier,
  Keyword,
  StatementKeyword,
  Arrow,
  DotDot,
  Dot,
  Equals,
  Colon,
  Comma,
  LParen,
  RParen,
  LBracket,
  RBracket,
  LCurly,
  RCurly,
  Plus,
  Minus,
  Star,
  Slash,
];

export const openingBrackets: readonly TokenType[] = [LParen, LBracket, LCurly];
export const closingBrackets: readonly TokenType[] = [RParen, RBracket, RCurly];

/** The exclusive end offset of a token (Chevrotain's `endOffset` is inclusive). */
export function endOf(token: IToken): number {
  return (token.endOffset ?? token.startOffset + token.image.length - 1) + 1;
}
