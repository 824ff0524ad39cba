/**
 * parse() takes any text: it returns diagnostics, never throws, never overflows the stack, and
 * every range it reports lies within the text; in the AST, within the range of the enclosing node.
 */
import fc from 'fast-check';
import { describe, expect, test } from 'vitest';
import type { MtlFile } from '../../compiler/ast.js';
import { parse } from '../../compiler/parse.js';
import { spansOutOfRange } from '../helpers/diagnostics.js';

type Spanned = { span?: { start: number; end: number } };

/**
 * Every AST node whose span is not a range inside the text, or not inside its parent's span.
 * Iterative, for deep trees.
 */
function astSpansOutOfRange(ast: MtlFile, length: number): unknown[] {
  const bad: unknown[] = [];
  const stack: { value: unknown; outer: { start: number; end: number } }[] = [{ value: ast, outer: { start: 0, end: length } }];
  while (stack.length > 0) {
    const { value, outer } = stack.pop()!;
    if (value === null || typeof value !== 'object') continue;
    if (Array.isArray(value)) {
      for (const item of value) stack.push({ value: item, outer });
      continue;
    }
    const node = value as Record<string, unknown> & Spanned;
    const span = node.span;
    let inner = outer;
    if (span !== undefined) {
      const valid = Number.isInteger(span.start) && Number.isInteger(span.end) && span.start <= span.end;
      if (!valid || span.start < outer.start || span.end > outer.end) bad.push(node);
      inner = span;
    }
    for (const key in node) if (key !== 'span') stack.push({ value: node[key], outer: inner });
  }
  return bad;
}

/** Parses and checks every range; returns the diagnostic codes. */
function parseSafely(text: string): string[] {
  const { ast, diagnostics } = parse(text);
  expect(spansOutOfRange(text, diagnostics)).toEqual([]);
  expect(astSpansOutOfRange(ast, text.length)).toEqual([]);
  return diagnostics.map((d) => d.code);
}

const SOURCES = [
  // The seed model of LANGUAGE.md §1.
  `// The two-task model of the classic Keras example: one shared trunk, two softmax heads.
model Seed {
  input x: float[100]

  trunk shared = x -> dense(64, relu)

  head task1 = shared -> classify(10)
  head task2 = shared -> classify(5)

  weights { task1: 1.0, task2: 1.0 }

  train {
    optimizer: adam(lr: 0.001)
    epochs: 10
    batch: 32
  }
}
`,
  // Mixture of experts with a block.
  `block tower(units: int, p: float = 0.1) = dense(units, relu) -> dropout(p)

model Census {
  input features: float[64] normalize
  gate moe = mmoe(features, experts: 4, expert: dense(32, relu) -> dense(16, relu))
  head income  = moe -> tower(16) -> binary()   { label: "income_gt_50k", metrics: [accuracy, auc] }
  head marital = moe -> tower(16) -> classify(7) { label: "marital_status" }
  weighting gradnorm(alpha: 1.5)
}
`,
  // Imports, every input type, data and train.
  `import "towers.mtl"
/* penguins: species and sex, with gaps */
model Penguins {
  input measures: float[4] from "bill_length_mm".."body_mass_g" normalize
  input island: category["Biscoe", "Dream", "Torgersen"]
  input year: int
  input tokens: int[12] vocab 500 from ["w0", "w1"]
  input kind: category(3)
  trunk body = concat(measures, island) -> dense(32, relu) -> dropout(0.1 * 2 - -0.05)
  head species = body -> classify(3) { classes: ["Adelie", "Chinstrap", "Gentoo"] }
  head sex = body -> binary() { label: "sex", loss: huber(1.0) }
  weights { species: 1.0, sex: search(0.1, 0.5, 1.0) }
  data { train: "penguins.csv", validation: 0.2, format: csv }
  train { optimizer: adamw(lr: 1e-3, decay: 0.01), epochs: 20, early_stop: 3, shuffle: true }
}
`,
];

/** Words and marks to insert: every kind of token, and some that break the lexer. */
const PIECES = [
  'model',
  'block',
  'input',
  'trunk',
  'gate',
  'head',
  'weights',
  'weighting',
  'train',
  'data',
  'import',
  'true',
  'false',
  'x',
  'dense',
  'float',
  'category',
  'vocab',
  'from',
  'normalize',
  '12',
  '0.5',
  '1e-3',
  '"s"',
  '"open',
  '->',
  '=',
  ':',
  ',',
  '.',
  '..',
  '(',
  ')',
  '[',
  ']',
  '{',
  '}',
  '+',
  '-',
  '*',
  '/',
  '//c\n',
  '/*',
  '*/',
  '#',
  '\u0000',
  '\n',
  ' ',
];

/** Runs per property; MTL_FUZZ_RUNS=20000 searches harder, locally. */
const runs = (usual: number): number => Number(process.env['MTL_FUZZ_RUNS'] ?? usual);

type Edit = { at: number; remove: number; insert: string };

const edit = fc.record({
  at: fc.nat(),
  remove: fc.nat({ max: 8 }),
  insert: fc.oneof(fc.constantFrom(...PIECES), fc.string({ maxLength: 4, unit: 'binary' })),
});

function applyEdits(text: string, edits: readonly Edit[]): string {
  let result = text;
  for (const { at, remove, insert } of edits) {
    const position = at % (result.length + 1);
    result = result.slice(0, position) + insert + result.slice(position + remove);
  }
  return result;
}

describe('parse() on any text', () => {
  test('the three sample sources parse clean', () => {
    expect(SOURCES.map(parseSafely)).toEqual([[], [], []]);
  });

  test('random edits of valid sources: inserted, deleted and replaced tokens and characters', () => {
    fc.assert(
      fc.property(fc.constantFrom(...SOURCES), fc.array(edit, { minLength: 1, maxLength: 12 }), (source, edits) => {
        parseSafely(applyEdits(source, edits));
      }),
      { numRuns: runs(400) },
    );
  });

  test('random token soup', () => {
    fc.assert(
      fc.property(fc.array(fc.constantFrom(...PIECES), { maxLength: 200 }), (pieces) => {
        parseSafely(pieces.join(' '));
      }),
      { numRuns: runs(300) },
    );
  });

  test('arbitrary strings, including unpaired surrogates and control characters', () => {
    fc.assert(
      fc.property(fc.string({ unit: 'binary', maxLength: 300 }), (text) => {
        parseSafely(text);
      }),
      { numRuns: runs(300) },
    );
  });
});

describe('parse() on hostile text', () => {
  let seed = 7;
  const random = (): number => (seed = (seed * 1103515245 + 12345) % 2147483648) / 2147483648;
  const MB = 1 << 20;

  test('an empty text has nothing to report', () => {
    expect(parseSafely('')).toEqual([]);
  });

  test('a megabyte of binary garbage', () => {
    const text = Array.from({ length: MB }, () => String.fromCharCode(Math.floor(random() * 256))).join('');
    expect(parseSafely(text)).toContain('MTL0001');
  });

  test('a megabyte of printable garbage on one line', () => {
    const text = Array.from({ length: MB }, () => String.fromCharCode(32 + Math.floor(random() * 95))).join('');
    expect(parseSafely(text)).toContain('MTL0010');
  });

  test('a valid one-megabyte line', () => {
    const text = `model M { head h = x -> ${'dense(1) -> '.repeat(MB / 12)}classify(2) }`;
    expect(parseSafely(text)).toEqual([]);
  });

  test('a string and a comment that never close, a megabyte long', () => {
    expect(parseSafely(`model M { train { v: "${'a'.repeat(MB)}`)).toEqual(['MTL0002']);
    expect(parseSafely(`model M { }\n/*${'a'.repeat(MB)}`)).toEqual(['MTL0003']);
  });

  test.each([
    ['parentheses', (n: number) => `model M { train { v: ${'('.repeat(n)}1${')'.repeat(n)} } }`],
    ['brackets', (n: number) => `model M { train { v: ${'['.repeat(n)}${']'.repeat(n)} } }`],
    ['unclosed parentheses', (n: number) => `model M { train { v: ${'('.repeat(n)}`],
    ['braces', (n: number) => `${'{'.repeat(n)}${'}'.repeat(n)}`],
    ['calls', (n: number) => `model M { head h = x -> ${'f('.repeat(n)}${')'.repeat(n)} }`],
    ['chains in calls', (n: number) => `model M { head h = x -> ${'f(a -> '.repeat(n)}${')'.repeat(n)} }`],
    ['negations', (n: number) => `model M { train { v: ${'-'.repeat(n)}1 } }`],
    ['negated parentheses', (n: number) => `model M { train { v: ${'-('.repeat(n)}1${')'.repeat(n)} } }`],
  ])('10,000 nested %s are MTL0012 once', (_, nested) => {
    expect(parseSafely(nested(10_000)).filter((code) => code === 'MTL0012')).toEqual(['MTL0012']);
  });

  test('10,000 terms in a row', () => {
    expect(parseSafely(`model M { train { v: ${'1 + '.repeat(10_000)}1 } }`)).toEqual([]);
  });

  test('thousands of broken members, options and declarations', () => {
    parseSafely(`model M {\n${'trunk a = x -> dense(1) dense(2)\n'.repeat(5000)}}`);
    parseSafely(`model M { train {\n${'a: 1 2\n'.repeat(5000)}} }`);
    parseSafely('} x model A { } '.repeat(5000));
    parseSafely('model model head head trunk = = '.repeat(5000));
  });
});
