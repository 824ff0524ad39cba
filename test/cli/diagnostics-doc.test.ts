import * as fs from 'node:fs';
import * as path from 'node:path';
import { describe, expect, it } from 'vitest';
import { compile } from '../../compiler/compile.js';
import { allDiagnosticKinds } from '../../compiler/diagnostics.js';
import { renderDiagnosticsDoc } from '../../scripts/gen-diagnostics-doc.js';

const kinds = allDiagnosticKinds();

describe('the diagnostics catalogue and docs/diagnostics.md', () => {
  it('docs/diagnostics.md is up to date with the catalogue (regenerate with npm run docs:gen)', () => {
    const committed = fs.readFileSync(path.resolve(__dirname, '../../docs/diagnostics.md'), 'utf8');
    expect(committed).toBe(renderDiagnosticsDoc());
  });

  it('documents every code once', () => {
    const doc = renderDiagnosticsDoc();
    for (const kind of kinds) expect(doc.split(`### ${kind.code}:`).length - 1, kind.code).toBe(1);
    expect(new Set(kinds.map((k) => k.code)).size).toBe(kinds.length);
  });

  it.each(kinds.map((k) => ({ code: k.code, kind: k })))('the example of $code reports $code, and its fix does not', ({ code, kind }) => {
    expect(compile('example.mtl', kind.doc.example).diagnostics.map((d) => d.code)).toContain(code);
    expect(compile('example.mtl', kind.doc.fixed).diagnostics.map((d) => d.code)).not.toContain(code);
  });
});
