import * as fs from 'node:fs';
import * as path from 'node:path';
import { describe, expect, it } from 'vitest';
import { run, tempDir } from './run.js';

const MESSY = 'model M{input x:float[4]\n  head h=x->regress(1)}\n';
const CANONICAL = 'model M {\n  input x: float[4]\n  head h = x -> regress(1)\n}\n';
const BROKEN = 'model M {\n  input x: float[4]\n  head h = x -> \n}\n';

describe('mtlc fmt', () => {
  it('rewrites a file in place and names it', async () => {
    const dir = tempDir({ 'm.mtl': MESSY });
    expect(await run(['fmt', 'm.mtl'], { cwd: dir })).toEqual({ code: 0, stdout: 'formatted m.mtl\n', stderr: '' });
    expect(fs.readFileSync(path.join(dir, 'm.mtl'), 'utf8')).toBe(CANONICAL);
  });

  it('leaves a formatted file alone and prints nothing', async () => {
    const dir = tempDir({ 'm.mtl': CANONICAL });
    const before = fs.statSync(path.join(dir, 'm.mtl')).mtimeMs;
    expect(await run(['fmt', 'm.mtl'], { cwd: dir })).toEqual({ code: 0, stdout: '', stderr: '' });
    expect(fs.statSync(path.join(dir, 'm.mtl')).mtimeMs).toBe(before);
  });

  it('with --check, changes nothing, lists the files to reformat and exits 1', async () => {
    const dir = tempDir({ 'a.mtl': MESSY, 'b.mtl': CANONICAL });
    expect(await run(['fmt', '--check', 'a.mtl', 'b.mtl'], { cwd: dir })).toEqual({
      code: 1,
      stdout: 'would reformat a.mtl\n1 of 2 files not formatted: run mtlc fmt\n',
      stderr: '',
    });
    expect(fs.readFileSync(path.join(dir, 'a.mtl'), 'utf8')).toBe(MESSY);
  });

  it('with --check, exits 0 when every file is formatted', async () => {
    expect(await run(['fmt', '--check', 'm.mtl'], { cwd: tempDir({ 'm.mtl': CANONICAL }) })).toEqual({ code: 0, stdout: '', stderr: '' });
  });

  it('with --stdout, prints the formatted text and writes nothing', async () => {
    const dir = tempDir({ 'm.mtl': MESSY });
    expect(await run(['fmt', '--stdout', 'm.mtl'], { cwd: dir })).toEqual({ code: 0, stdout: CANONICAL, stderr: '' });
    expect(fs.readFileSync(path.join(dir, 'm.mtl'), 'utf8')).toBe(MESSY);
  });

  it('never formats a file with syntax errors: shows them and exits 1', async () => {
    const dir = tempDir({ 'bad.mtl': BROKEN });
    const result = await run(['fmt', 'bad.mtl'], { cwd: dir });
    expect(result.code).toBe(1);
    expect(result.stdout).toBe('');
    expect(result.stderr).toContain('error[MTL0010]');
    expect(result.stderr.endsWith('mtlc: "bad.mtl" has syntax errors: not formatted\n')).toBe(true);
    expect(fs.readFileSync(path.join(dir, 'bad.mtl'), 'utf8')).toBe(BROKEN);
  });

  it('exits 2 for a missing file', async () => {
    expect(await run(['fmt', 'nope.mtl'], { cwd: tempDir({}) })).toEqual({
      code: 2,
      stdout: '',
      stderr: 'mtlc: cannot read "nope.mtl": no such file\n',
    });
  });

  it('refuses --check together with --stdout', async () => {
    expect((await run(['fmt', '--check', '--stdout', 'm.mtl'], { cwd: tempDir({ 'm.mtl': MESSY }) })).code).toBe(2);
  });
});
