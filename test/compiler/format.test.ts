import * as fs from 'node:fs';
import * as path from 'node:path';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { formatFile } from '../../compiler/format.js';
import { lex } from '../../grammar/lexer.js';

const root = path.resolve(__dirname, '../..');
const examples = fs
  .readdirSync(path.join(root, 'examples'))
  .filter((f) => f.endsWith('.mtl'))
  .map((f) => ({ name: f, text: fs.readFileSync(path.join(root, 'examples', f), 'utf8') }));

/** Every token and comment of a text, in order: what formatting must never change. */
function tokenImages(text: string): string[] {
  const { tokens, comments } = lex(text);
  return [...tokens, ...comments].sort((a, b) => a.startOffset - b.startOffset).map((t) => t.image);
}

/** Formats, and checks the two promises every result keeps: same tokens, and a fixed point. */
function format(text: string): string {
  const out = formatFile(text);
  expect(out, 'the text has no syntax errors').toBeDefined();
  expect(tokenImages(out!)).toEqual(tokenImages(text));
  expect(formatFile(out!)).toBe(out);
  return out!;
}

describe('the formatter on the examples', () => {
  it.each(examples)('keeps every token of $name, and formatting it twice changes nothing', ({ text }) => {
    format(text);
  });

  it.each(examples)('leaves $name as it is: the examples are kept in canonical layout', ({ text }) => {
    expect(formatFile(text)).toBe(text);
  });
});

describe('the canonical layout', () => {
  it('indents members by two spaces, one per line, with single spaces around -> and =', () => {
    expect(format('model   M{input x:float[ 3 ,4]\n trunk t=x->dense( 64,relu )->flatten( )\nhead h=t   ->   classify(2)}')).toBe(
      'model M {\n  input x: float[3, 4]\n  trunk t = x -> dense(64, relu) -> flatten()\n  head h = t -> classify(2)\n}\n',
    );
  });

  it('keeps one blank line between declarations and members, and removes the others', () => {
    expect(format('\n\nblock b = dense(2)\n\n\n\nmodel M {\n\n  input x: float[3]\n\n\n  head h = x -> b() -> regress(1)\n\n}\n\n\n')).toBe(
      'block b = dense(2)\n\nmodel M {\n  input x: float[3]\n\n  head h = x -> b() -> regress(1)\n}\n',
    );
  });

  it('puts train {} and data {} options one per line', () => {
    expect(format('model M { input x: float[3] head h = x -> regress(1) train { epochs: 5, batch: 8 } data { train: "a.csv" } }')).toBe(
      [
        'model M {',
        '  input x: float[3]',
        '  head h = x -> regress(1)',
        '  train {',
        '    epochs: 5,',
        '    batch: 8',
        '  }',
        '  data {',
        '    train: "a.csv"',
        '  }',
        '}',
        '',
      ].join('\n'),
    );
  });

  it('keeps an empty option block as {}', () => {
    expect(format('model M {\n  input x: float[3]\n  head h = x -> regress(1) {   }\n  train {\n}\n}\n')).toBe(
      'model M {\n  input x: float[3]\n  head h = x -> regress(1) {}\n  train {}\n}\n',
    );
  });

  it('keeps weights and head options on one line when short, and breaks them one per line at 100 columns', () => {
    const long = `model M {
  input x: float[3]
  head first_task_with_a_long_name = x -> dense(16, relu) -> classify(2) { label: "the_label_column", metrics: [accuracy] }
  weights {
    first_task_with_a_long_name: 1.0 }
}
`;
    expect(format(long)).toBe(`model M {
  input x: float[3]
  head first_task_with_a_long_name = x -> dense(16, relu) -> classify(2) {
    label: "the_label_column",
    metrics: [accuracy]
  }
  weights { first_task_with_a_long_name: 1.0 }
}
`);
  });

  it('breaks a pipeline too long for one line before each ->', () => {
    const text =
      'model M {\n  input x: float[3]\n  trunk t = x -> dense(512, relu) -> dropout(0.5) -> dense(256, relu) -> dropout(0.5) -> dense(128, relu)\n  head h = t -> regress(1)\n}\n';
    expect(format(text)).toBe(
      'model M {\n  input x: float[3]\n  trunk t = x\n    -> dense(512, relu)\n    -> dropout(0.5)\n    -> dense(256, relu)\n    -> dropout(0.5)\n    -> dense(128, relu)\n  head h = t -> regress(1)\n}\n',
    );
  });

  it('joins a short pipeline written over several lines', () => {
    expect(format('block b = dense(2)\n  -> dropout(0.1)\n')).toBe('block b = dense(2) -> dropout(0.1)\n');
  });

  it('breaks a gate call too long for one line before each argument', () => {
    const text =
      'model M {\n  input x: float[3]\n  gate g = cgc(x, shared: 4, specific: 2, expert: dense(256, relu) -> dropout(0.25) -> dense(128, relu))\n  head a = g -> regress(1)\n  head b = g -> regress(1)\n}\n';
    expect(format(text)).toBe(
      'model M {\n  input x: float[3]\n  gate g = cgc(\n    x,\n    shared: 4,\n    specific: 2,\n    expert: dense(256, relu) -> dropout(0.25) -> dense(128, relu)\n  )\n  head a = g -> regress(1)\n  head b = g -> regress(1)\n}\n',
    );
  });

  it('lines up = and the option braces of consecutive one-line heads', () => {
    expect(
      format(
        'model M {\n  input x: float[3]\n  head a = x -> binary() { label: "y" }\n  head long_name = x -> classify(3) { label: "z" }\n  head c = x -> regress(1)\n}\n',
      ),
    ).toBe(
      'model M {\n  input x: float[3]\n  head a         = x -> binary()    { label: "y" }\n  head long_name = x -> classify(3) { label: "z" }\n  head c         = x -> regress(1)\n}\n',
    );
  });

  it('does not line up members separated by a blank line or of different kinds', () => {
    const text = 'model M {\n  input x: float[3]\n  trunk t = x\n  head a = t -> binary()\n\n  head long_name = t -> binary()\n}\n';
    expect(format(text)).toBe(text);
  });

  it('prints numbers and strings exactly as written', () => {
    expect(
      format(
        'model M { input x: float[3] head h = x -> regress(1) { label: "a \\"b\\" \\\\ c" } train { optimizer: adam(lr: 1e-3), epochs: 010 } weights { h: 0.50 } }',
      ),
    ).toContain('label: "a \\"b\\" \\\\ c"');
  });

  it('spaces arithmetic and keeps unary minus close', () => {
    expect(format('block b(n: int) = dense(n*2+-1, relu)->dropout( (1-0.5)/2 )\n')).toBe(
      'block b(n: int) = dense(n * 2 + -1, relu) -> dropout((1 - 0.5) / 2)\n',
    );
  });

  it('writes input types and columns the usual way', () => {
    expect(
      format(
        'model M { input a: float [2] from "c1" .. "c2" normalize input b: category ["x","y"] input c: category( 3 ) input d: int[4]vocab 10 head h = concat(a, b, c) -> regress(1) }',
      ),
    ).toBe(
      'model M {\n  input a: float[2] from "c1".."c2" normalize\n  input b: category["x", "y"]\n  input c: category(3)\n  input d: int[4] vocab 10\n  head h = concat(a, b, c) -> regress(1)\n}\n',
    );
  });

  it('keeps CRLF line endings', () => {
    expect(format('block b = dense(2)\r\n\r\nblock c = dense(3)\r\n')).toBe('block b = dense(2)\r\n\r\nblock c = dense(3)\r\n');
  });

  it('gives an empty text for an empty file', () => {
    expect(formatFile('')).toBe('');
    expect(formatFile('  \n\n')).toBe('');
  });
});

describe('comments', () => {
  it('keeps a comment at the end of its line and a comment on its own line on its own line', () => {
    const text = `// header

// about M
model M { // the model
  input x: float[3] // features
  /* a block
     comment */
  head h = x -> regress(1) /* inline */ { label: "y" }
  // the end
}
// after
`;
    expect(format(text)).toBe(`// header

// about M
model M { // the model
  input x: float[3] // features
  /* a block
     comment */
  head h = x -> regress(1) /* inline */ { label: "y" }
  // the end
}
// after
`);
  });

  it('breaks a one-line option block that holds a line comment', () => {
    expect(format('model M { input x: float[3] head h = x -> regress(1) weights { h: 1.0 // main\n } }')).toBe(
      'model M {\n  input x: float[3]\n  head h = x -> regress(1)\n  weights {\n    h: 1.0 // main\n  }\n}\n',
    );
  });

  it('breaks a pipeline that holds a line comment at every ->', () => {
    expect(format('model M { input x: float[3]\n trunk t = x // raw\n -> dense(3) -> dense(2)\n head h = t -> regress(1) }')).toBe(
      'model M {\n  input x: float[3]\n  trunk t = x // raw\n    -> dense(3)\n    -> dense(2)\n  head h = t -> regress(1)\n}\n',
    );
  });

  it('indents a line broken by a comment inside arguments deeper than the statement', () => {
    expect(format('block b = dense(64, // units\nrelu)\n')).toBe('block b = dense(64, // units\n    relu)\n');
  });

  it('keeps inline block comments between tokens on the line', () => {
    expect(format('block b = dense(/* units */ 64, relu /* act */) -> dropout(0.1)\n')).toBe(
      'block b = dense(/* units */ 64, relu /* act */) -> dropout(0.1)\n',
    );
  });

  it('keeps comments in an empty model inside it', () => {
    expect(format('model M {\n// nothing yet\n}\n')).toBe('model M {\n  // nothing yet\n}\n');
  });

  it('keeps a file of comments only', () => {
    expect(format('  // one\n\n\n/* two */   // three\n')).toBe('// one\n\n/* two */ // three\n');
  });
});

/** Hard cases: every one must keep its tokens and be a fixed point; none may crash. */
const tricky = [
  'model M{input x:float[3]head h=x->regress(1)}',
  'model M {\n  input x: float[3] /* a */ /* b */ // c\n  head h = x -> regress(1)\n}\n',
  '/* lead */ model /* a */ M /* b */ { /* c */ input /* d */ x /* e */ : /* f */ float /* g */ [ /* h */ 3 /* i */ ] /* j */ head h = x -> regress /* k */ ( /* l */ 1 /* m */ ) /* n */ } /* o */',
  'model // a\nM // b\n{ // c\ninput // d\nx // e\n: // f\nfloat // g\n[ // h\n3 // i\n] // j\nhead // k\nh // l\n= // m\nx // n\n-> // o\nregress // p\n( // q\n1 // r\n) // s\n{ // t\nlabel // u\n: // v\n"y" // w\n} // x\n} // y\n',
  'model M {\n\tinput x: float[3]\n\thead h = x -> regress(1)\t{ label: "tab\\there" }\n}',
  'block b(a: int = 1, c: float = -2.5e-3) = dense(a * (a + 1) / 2, relu) -> dropout(c)\nmodel M { input x: float[3] head h = x -> b(2, c: 0.5) -> classify(2) { classes: ["a", "b"], metrics: [accuracy, auc], } }',
  'import "lib.mtl"\nimport "other.mtl" model M { input x: float[3] head h = x -> regress(1) }',
  'model M {\n  input x: float[3]\n  gate g = mmoe(x, // the source\n experts: 2, expert: dense(4))\n  head a = g -> regress(1)\n  head b = g -> regress(1)\n}\n',
  'model M {\n  input x: float[3]\n  head h = x -> regress(1) // trailing\n  { label: "y" }\n}\n',
  'model M {\n  input x: float[3]\n  head h = x -> regress(1) {\n  // why\n  label: "y" }\n  weights {\n\n    h: 1.0,\n\n  }\n}\n',
  'model A { input x: float[1] head h = x -> regress(1) }\nmodel B { input x: float[1] head h = x -> regress(1) }',
  'model M {\n  input x: float[3]\n  head h = x -> regress(1) {\n    label: "y" /* multi\n    line */, loss: mse\n  }\n}\n',
  '\ufeffmodel M { input x: float[3] head h = x -> regress(1) }\r\n',
];

describe('hard cases', () => {
  it.each(tricky.map((text, i) => ({ i, text })))('case $i keeps its tokens and is a fixed point', ({ text }) => {
    format(text);
  });

  it('refuses to format a file with syntax errors', () => {
    expect(formatFile('model M { input x: float[3] head h = x -> }')).toBeUndefined();
    expect(formatFile('model M { input x: float[3] # }')).toBeUndefined();
    expect(formatFile('/* open')).toBeUndefined();
    expect(formatFile('model M { head h = x -> regress(1) { label: "open } }')).toBeUndefined();
  });
});

describe('formatting any spacing of the examples', () => {
  const separators = [' ', '  ', '\n', '\n\n\n', '\t', ' /* c */ ', ' // note\n', '\n// own line\n', '/**/', ' /* two\n lines */ ', '\r\n'];

  it('keeps the tokens and reaches a fixed point whatever the whitespace and comments between tokens', () => {
    fc.assert(
      fc.property(fc.constantFrom(...examples), fc.infiniteStream(fc.constantFrom(...separators)), ({ text }, stream) => {
        const { tokens } = lex(text);
        const gaps = stream.take(tokens.length);
        let respaced = '';
        for (const token of tokens) respaced += token.image + gaps.next().value;
        format(respaced);
      }),
      { numRuns: 150 },
    );
  });
});

describe('formatting arbitrary text', () => {
  const words = [
    'model',
    'M',
    '{',
    '}',
    'input',
    'x',
    ':',
    'float',
    '[',
    ']',
    '3',
    'head',
    'h',
    '=',
    '->',
    'regress',
    '(',
    ')',
    '1',
    ',',
    'weights',
    'train',
    'epochs',
    '"s"',
    '-',
    '// c\n',
    '/* c */',
    '\n',
    ' ',
  ];

  it('never throws, and whatever it formats keeps its tokens', () => {
    fc.assert(
      fc.property(fc.array(fc.constantFrom(...words), { maxLength: 60 }), (parts) => {
        const text = parts.join(' ');
        const out = formatFile(text);
        if (out !== undefined) {
          expect(tokenImages(out)).toEqual(tokenImages(text));
          expect(formatFile(out)).toBe(out);
        }
      }),
      { numRuns: 500 },
    );
  });
});
