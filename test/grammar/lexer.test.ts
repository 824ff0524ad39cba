import { describe, expect, test } from 'vitest';
import { lex } from '../../grammar/lexer.js';
import { diagnosticsOf } from './support.js';

/** Each token as `Type image`. */
function tokensOf(text: string): string[] {
  return lex(text).tokens.map((t) => `${t.tokenType.name} ${t.image}`);
}

describe('the lexer', () => {
  test('reads every operator and punctuation mark of §2', () => {
    expect(tokensOf('-> = : , . .. ( ) [ ] { } + - * /')).toEqual([
      'Arrow ->',
      'Equals =',
      'Colon :',
      'Comma ,',
      'Dot .',
      'DotDot ..',
      'LParen (',
      'RParen )',
      'LBracket [',
      'RBracket ]',
      'LCurly {',
      'RCurly }',
      'Plus +',
      'Minus -',
      'Star *',
      'Slash /',
    ]);
  });

  test('reads the keywords of §2 as keywords', () => {
    expect(tokensOf('model block input trunk gate head weights weighting train data import true false')).toEqual([
      'Model model',
      'Block block',
      'Input input',
      'Trunk trunk',
      'Gate gate',
      'Head head',
      'Weights weights',
      'Weighting weighting',
      'Train train',
      'Data data',
      'Import import',
      'True true',
      'False false',
    ]);
  });

  test('reads a word that only starts with a keyword as an identifier', () => {
    expect(tokensOf('headCount inputs trainer models data_x weightings')).toEqual([
      'Identifier headCount',
      'Identifier inputs',
      'Identifier trainer',
      'Identifier models',
      'Identifier data_x',
      'Identifier weightings',
    ]);
  });

  test('reads the type words as identifiers, since §2 does not reserve them', () => {
    expect(tokensOf('float int bool string category vocab normalize from')).toEqual([
      'Identifier float',
      'Identifier int',
      'Identifier bool',
      'Identifier string',
      'Identifier category',
      'Identifier vocab',
      'Identifier normalize',
      'Identifier from',
    ]);
  });

  test('reads integers, decimals and exponents as numbers', () => {
    expect(tokensOf('12 0.5 1e-3 2E+4 7e2')).toEqual([
      'NumberLiteral 12',
      'NumberLiteral 0.5',
      'NumberLiteral 1e-3',
      'NumberLiteral 2E+4',
      'NumberLiteral 7e2',
    ]);
  });

  test('does not take the dots of a range into a number', () => {
    expect(tokensOf('1..2')).toEqual(['NumberLiteral 1', 'DotDot ..', 'NumberLiteral 2']);
  });

  test('reads strings with escaped quotes and backslashes', () => {
    expect(tokensOf('"a" "say \\"hi\\"" "C:\\\\data" ""')).toEqual([
      'StringLiteral "a"',
      'StringLiteral "say \\"hi\\""',
      'StringLiteral "C:\\\\data"',
      'StringLiteral ""',
    ]);
  });

  test('keeps comments apart from the tokens, in source order, for the formatter', () => {
    const result = lex('// first\nmodel /* second */ M // third');
    expect(result.comments.map((c) => c.image)).toEqual(['// first', '/* second */', '// third']);
    expect(result.tokens.map((t) => t.image)).toEqual(['model', 'M']);
  });

  test('skips whitespace of every kind, including a byte order mark and no-break spaces', () => {
    expect(tokensOf('\ufeffmodel\u00a0M\r\n\t{ }')).toEqual(['Model model', 'Identifier M', 'LCurly {', 'RCurly }']);
  });
});

describe('lexical errors', () => {
  test('an unexpected character is MTL0001 at that character', () => {
    expect(diagnosticsOf('model M { $ }')).toEqual([{ code: 'MTL0001', message: 'unexpected character "$"', range: '1:11-1:12' }]);
  });

  test('a run of unexpected characters is one MTL0001 that covers the run', () => {
    expect(diagnosticsOf('model M { $@; }')).toEqual([
      { code: 'MTL0001', message: 'unexpected character "$" (and 2 more)', range: '1:11-1:14' },
    ]);
  });

  test('unexpected characters separated only by spaces are still one run', () => {
    expect(diagnosticsOf('model M { $ @ ; }')).toEqual([
      { code: 'MTL0001', message: 'unexpected character "$" (and 2 more)', range: '1:11-1:16' },
    ]);
  });

  test('a character that does not print is named by its code point', () => {
    expect(diagnosticsOf('model M {\u0000}')).toEqual([{ code: 'MTL0001', message: 'unexpected character U+0000', range: '1:10-1:11' }]);
  });

  test('binary garbage between valid words gives one MTL0001 per run, not one per character', () => {
    const text = 'model M {\u0001\u0002\u0003\u0004\u0005 input x: float \u00ff\u00fe\u00fd }';
    expect(diagnosticsOf(text)).toEqual([
      { code: 'MTL0001', message: 'unexpected character U+0001 (and 4 more)', range: '1:10-1:15' },
      { code: 'MTL0001', message: 'unexpected character "ÿ" (and 2 more)', range: '1:31-1:34' },
    ]);
  });

  test('an unterminated string is MTL0002, covering the string to the end of its line, and nothing else', () => {
    const text = 'model M {\n  head h = x -> classify(2) { label: "h }\n  head g = x -> classify(2)\n}\n';
    expect(diagnosticsOf(text)).toEqual([
      { code: 'MTL0002', message: 'unterminated string: a string must close with " on the same line', range: '2:38-2:42' },
    ]);
  });

  test('an unterminated comment is MTL0003 at its opening, and nothing else', () => {
    expect(diagnosticsOf('model M {\n  input x: float\n  /* the rest')).toEqual([
      { code: 'MTL0003', message: 'unterminated comment: /* is never closed by */', range: '3:3-3:5' },
    ]);
  });

  test('a string that swallowed a closing brace causes no syntax errors of its own', () => {
    const text = 'model M {\n  head h = x -> classify(2) { label: "h }\n}\nmodel N { input y: float }\n';
    expect(diagnosticsOf(text)).toEqual([
      { code: 'MTL0002', message: 'unterminated string: a string must close with " on the same line', range: '2:38-2:42' },
    ]);
  });
});
