/** The documented examples of the lexing and parsing codes (MTL00xx) behave as documented. */
import { describe, expect, test } from 'vitest';
import { allDiagnosticKinds } from '../../compiler/diagnostics.js';
import { parse } from '../../compiler/parse.js';

const syntaxKinds = allDiagnosticKinds().filter((kind) => /^MTL00\d\d$/.test(kind.code));

describe('the MTL00xx catalogue entries', () => {
  test('cover lexing and parsing', () => {
    expect(syntaxKinds.map((kind) => kind.code)).toEqual(['MTL0001', 'MTL0002', 'MTL0003', 'MTL0010', 'MTL0011', 'MTL0012']);
  });

  test.each(syntaxKinds.map((kind) => [kind.code, kind] as const))('%s: the example reports only that code', (code, kind) => {
    const codes = new Set(parse(kind.doc.example).diagnostics.map((d) => d.code));
    expect([...codes]).toEqual([code]);
  });

  test.each(syntaxKinds.map((kind) => [kind.code, kind] as const))('%s: the fixed example parses clean', (_, kind) => {
    expect(parse(kind.doc.fixed).diagnostics).toEqual([]);
  });
});
