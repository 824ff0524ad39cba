/**
 * `compile(file, text, host, previous)`: given the result for an earlier text, the compiler reuses
 * what the edit left unchanged (declarations not parsed again, models not checked again), and the
 * result is exactly that of a fresh compile.
 */
import { readdirSync, readFileSync } from 'node:fs';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { compile, type CompileHost, type CompileResult } from '../../compiler/compile.js';

const dir = new URL('../../examples/', import.meta.url).pathname;
const examples = [dir, `${dir}errors/`].flatMap((d) =>
  readdirSync(d)
    .filter((f) => f.endsWith('.mtl'))
    .map((f) => readFileSync(d + f, 'utf8')),
);
const LIB = 'block tower(u: int) = dense(u)\n';
const host: CompileHost = { readFile: (file) => (file.endsWith('/lib.mtl') ? LIB : undefined) };
const NO_IMPORTS: CompileHost = { readFile: () => undefined };

/** Three models sharing two blocks; B has an unused input, so it has a warning that can move. */
const MODELS = `// Three models sharing two blocks.
block tower(units: int, p: float = 0.1) = dense(units, relu) -> dropout(p)
block mlp(units: int) = dense(units, relu) -> layernorm()

model A {
  input x: float[16] normalize
  trunk shared = x -> mlp(32)
  head y = shared -> tower(8) -> classify(3) { label: "y" }
}

/* B reads tokens. */
model B {
  input tokens: int[20] vocab 100
  input unused: float[2]
  trunk text = tokens -> embedding(8) -> lstm(8)
  head z = text -> tower(4) -> regress(1)
}

model C {
  input a: float[8]
  input b: category(4)
  trunk joined = concat(a, b) -> mlp(16)
  gate moe = mmoe(joined, experts: 2, expert: dense(8, relu))
  head p = moe -> binary()
  head q = moe -> tower(4) -> classify(2)
  weights { p: 1.0, q: 0.5 }
  train { epochs: 3, batch: 16 }
}
`;

/** The same models with `tower` imported: their results point into another file too. */
const IMPORTING = `import "lib.mtl"\n${MODELS.replace(/^block tower.*\n/m, '')}`;

/** Splices that break the syntax, and others that keep it sound, so both ways of compiling are taken. */
const FRAGMENTS = [
  '->',
  '(',
  ')',
  '{',
  '}',
  ',',
  ':',
  '=',
  '"',
  '/*',
  '*/',
  '//',
  '#',
  '@',
  'block',
  'model M {',
  '}\nmodel N {\n',
  'import "lib.mtl"\n',
  '\n',
  '\n\n',
  ' ',
  '1',
  '7',
  'x',
  'y',
  '-> dense(4)',
  '// note\n',
  'head h = x -> regress(1)\n',
  'trunk t = shared -> mlp(4)\n',
];

const edit = fc.record({
  at: fc.nat(),
  remove: fc.oneof(fc.constant(0), fc.nat({ max: 3 }), fc.nat({ max: 40 })),
  insert: fc.oneof(fc.constantFrom(...FRAGMENTS), fc.string({ maxLength: 4 })),
});

function apply(text: string, e: { at: number; remove: number; insert: string }): string {
  const at = e.at % (text.length + 1);
  return text.slice(0, at) + e.insert + text.slice(at + e.remove);
}

/** Compiles each text with the result of the one before, and checks it against a fresh compile. */
function expectSameAsFresh(texts: readonly string[]): CompileResult {
  let previous = compile('/project/m.mtl', texts[0]!, host);
  for (const text of texts.slice(1)) {
    const reused = compile('/project/m.mtl', text, host, previous);
    expect(reused).toStrictEqual(compile('/project/m.mtl', text, host));
    previous = reused;
  }
  return previous;
}

describe('compiling an edited text with the previous result', () => {
  it('gives what a fresh compile gives, under random edits of the examples and of a file of several models', () => {
    fc.assert(
      fc.property(fc.constantFrom(...examples, MODELS, IMPORTING), fc.array(edit, { minLength: 1, maxLength: 6 }), (source, edits) => {
        const texts = [source];
        for (const e of edits) texts.push(apply(texts[texts.length - 1]!, e));
        expectSameAsFresh(texts);
      }),
      { numRuns: 500 },
    );
  });

  it('checks again only the model that was edited, and reuses the others as they were', () => {
    const before = compile('/project/m.mtl', MODELS);
    const after = compile('/project/m.mtl', MODELS.replace('embedding(8)', 'embedding(9)'), NO_IMPORTS, before);
    expect(after).toStrictEqual(compile('/project/m.mtl', MODELS.replace('embedding(8)', 'embedding(9)')));
    expect(after.ast.models[0]).toBe(before.ast.models[0]);
    expect(after.models[0]).toBe(before.models[0]);
    expect(after.models[1]).not.toBe(before.models[1]);
    expect(after.models[2]).toBe(before.models[2]);
  });

  it('checks every model again when a block they use changes', () => {
    const before = compile('/project/m.mtl', MODELS);
    const text = MODELS.replace('dense(units, relu) -> dropout(p)', 'dense(units, relu) -> dense(units) -> dropout(p)');
    const after = compile('/project/m.mtl', text, NO_IMPORTS, before);
    expect(after).toStrictEqual(compile('/project/m.mtl', text));
    expect(after.models.map((m) => m.heads.map((h) => h.flow.layers.map((l) => l.op)))).toEqual([
      [['dense', 'dense', 'dropout']],
      [['dense', 'dense', 'dropout']],
      [[], ['dense', 'dense', 'dropout']],
    ]);
  });

  it('moves the diagnostics, symbols and checked models after an insertion by its length', () => {
    const inserted = '  trunk extra = x -> dense(4)\n';
    const text = MODELS.replace('  head y =', `${inserted}  head y =`);
    const before = compile('/project/m.mtl', MODELS);
    const after = compile('/project/m.mtl', text, NO_IMPORTS, before);
    expect(after).toStrictEqual(compile('/project/m.mtl', text));
    const name = (source: string, word: string) => ({ start: source.indexOf(word), end: source.indexOf(word) + word.length });
    expect(after.diagnostics.map((d) => [d.code, d.message, d.span])).toEqual([
      ['MTL0901', 'trunk "extra" is never read by a head', name(text, 'extra')],
      ['MTL0901', 'input "unused" is never read by a head', name(text, 'unused')],
    ]);
    expect(name(text, 'unused').start - name(MODELS, 'unused').start).toBe(inserted.length);
    expect(after.models[2]!.span.start - before.models[2]!.span.start).toBe(inserted.length);
    expect(after.ast.models[2]).toStrictEqual(compile('/project/m.mtl', text).ast.models[2]);
  });

  it('merges two models when the brace between them is deleted, and splits them when it is typed again', () => {
    const end = MODELS.indexOf('}\n\n/* B');
    const merged = MODELS.slice(0, end) + MODELS.slice(end + 1);
    const result = expectSameAsFresh([MODELS, merged, MODELS, merged.replace('/* B reads tokens. */', '}\nmodel Between {\n')]);
    expect(result.ast.models.map((m) => m.name.text)).toEqual(['A', 'Between', 'B', 'C']);
  });

  it('checks the models again when an unreadable import is removed or added: it decides whether an unknown name is reported', () => {
    const text = 'model M {\n  input x: float[4]\n  head h = x -> widget(2) -> regress(1)\n}\n';
    const withImport = `import "missing.mtl"\n${text}`;
    const result = expectSameAsFresh([withImport, text, withImport]);
    expect(result.diagnostics.map((d) => d.code)).toEqual(['MTL0105']);
    expect(compile('/project/m.mtl', text, host, result).diagnostics.map((d) => [d.code, d.message])).toEqual([
      ['MTL0103', 'unknown layer or block "widget"'],
    ]);
  });

  it('parses an import again when its text changed', () => {
    let lib = LIB;
    const changing: CompileHost = { readFile: (file) => (file.endsWith('/lib.mtl') ? lib : undefined) };
    const before = compile('/project/m.mtl', IMPORTING, changing);
    lib = 'block tower(u: int) = dense(u) -> dense(u)\n';
    const after = compile('/project/m.mtl', IMPORTING, changing, before);
    expect(after).toStrictEqual(compile('/project/m.mtl', IMPORTING, changing));
    expect(after.models[0]!.heads[0]!.flow.layers.map((l) => l.op)).toEqual(['dense', 'dense']);
  });
});
