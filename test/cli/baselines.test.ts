/**
 * Golden files: every examples/errors/NAME.mtl is checked and compared with NAME.errors.txt.
 * After a deliberate change to the diagnostics, rewrite them with
 *
 *     UPDATE_BASELINES=1 npx vitest run test/cli/baselines.test.ts
 *
 * and read the diff: each baseline shows the source with `~~~` under every span.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { describe, expect, it } from 'vitest';
import { compile } from '../../compiler/compile.js';
import { NodeHost } from '../../cli/host.js';
import { renderBaseline } from './baseline.js';

const dir = path.resolve(__dirname, '../../examples/errors');
const cases = fs
  .readdirSync(dir)
  .filter((f) => f.endsWith('.mtl'))
  .sort();
const update = process.env['UPDATE_BASELINES'] === '1';

describe('error baselines (examples/errors)', () => {
  it('has a baseline for every case, and a case for every baseline', () => {
    const baselines = fs.readdirSync(dir).filter((f) => f.endsWith('.errors.txt'));
    expect(baselines.map((f) => f.replace(/\.errors\.txt$/, '.mtl')).sort()).toEqual(
      update ? baselines.map((f) => f.replace(/\.errors\.txt$/, '.mtl')).sort() : cases,
    );
    expect(cases.length).toBeGreaterThanOrEqual(12);
  });

  it.each(cases)('%s matches its .errors.txt', (name) => {
    const file = path.join(dir, name);
    const text = fs.readFileSync(file, 'utf8');
    const actual = renderBaseline(name, compile(file, text, new NodeHost()));
    const baselineFile = file.replace(/\.mtl$/, '.errors.txt');
    if (update) fs.writeFileSync(baselineFile, actual);
    const expected = fs.existsSync(baselineFile) ? fs.readFileSync(baselineFile, 'utf8') : '(no baseline yet: run with UPDATE_BASELINES=1)';
    expect(actual).toBe(expected);
  });

  it('reports at least one problem in every case', () => {
    for (const name of cases) {
      const file = path.join(dir, name);
      expect(compile(file, fs.readFileSync(file, 'utf8'), new NodeHost()).diagnostics.length, name).toBeGreaterThan(0);
    }
  });
});
