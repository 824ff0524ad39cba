import { readdirSync, readFileSync } from 'node:fs';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { compile, type CompileResult } from '../../compiler/compile.js';

const dir = new URL('../../examples/', import.meta.url).pathname;
const examples = readdirSync(dir)
  .filter((f) => f.endsWith('.mtl'))
  .map((f) => readFileSync(dir + f, 'utf8'));
const host = { readFile: () => 'block tower(u: int) = dense(u)\n' };

/** Pieces of the language that random edits splice in, so edits reach deep into the checker. */
const FRAGMENTS = [
  '->',
  '(',
  ')',
  '{',
  '}',
  '[',
  ']',
  ',',
  ':',
  '=',
  '..',
  '"',
  '/*',
  '//',
  '\n',
  'dense(4)',
  'x',
  'shared',
  'head',
  'gate',
  'mmoe(',
  'tower(',
  '-1',
  '0',
  '1e9',
  'true',
  'classify(',
  'concat(',
  'block',
  'model M {',
  'weights {',
  'search(',
  'import "a.mtl"',
];

function assertSound(result: CompileResult, text: string): void {
  for (const d of result.diagnostics) {
    expect(d.span.start).toBeGreaterThanOrEqual(0);
    expect(d.span.end).toBeLessThanOrEqual(text.length);
    expect(d.span.start).toBeLessThanOrEqual(d.span.end);
    expect(d.code).toMatch(/^MTL\d{4}$/);
  }
}

const edit = fc.record({
  source: fc.constantFrom(...examples),
  at: fc.nat(),
  remove: fc.nat({ max: 12 }),
  insert: fc.oneof(fc.constantFrom(...FRAGMENTS), fc.string({ maxLength: 6 })),
});

describe('the checker on any text', () => {
  it('never throws and keeps every range inside the text, under random edits of the examples', () => {
    fc.assert(
      fc.property(fc.array(edit, { minLength: 1, maxLength: 4 }), (edits) => {
        let text = edits[0]!.source;
        for (const e of edits) {
          const at = e.at % (text.length + 1);
          text = text.slice(0, at) + e.insert + text.slice(at + e.remove);
        }
        assertSound(compile('/m.mtl', text, host), text);
      }),
      { numRuns: 400 },
    );
  });

  it('survives inputs that are not programs at all', () => {
    const inputs = [
      '',
      '\u0000\u0001\u00ff',
      'model',
      'model M {',
      '"'.repeat(1000),
      '('.repeat(10_000),
      `model M { ${'x'.repeat(1_000_000)} }`,
    ];
    for (const text of inputs) assertSound(compile('/m.mtl', text), text);
  });
});
