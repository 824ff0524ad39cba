import * as fs from 'node:fs';
import * as path from 'node:path';
import { describe, expect, it } from 'vitest';
import { pearson } from '../helpers/stats.js';
import { run, tempDir } from './run.js';

function columns(csv: string): { header: string[]; y1: number[]; y2: number[] } {
  const [head, ...lines] = csv.trimEnd().split('\n');
  const header = head!.split(',');
  const i1 = header.indexOf('y1');
  const i2 = header.indexOf('y2');
  const cells = lines.map((l) => l.split(',').map(Number));
  return { header, y1: cells.map((c) => c[i1]!), y2: cells.map((c) => c[i2]!) };
}

describe('mtlc data synthetic', () => {
  it('writes x_0 … x_99, y1, y2 to a file, and says what it wrote', async () => {
    const dir = tempDir({});
    const result = await run(['data', 'synthetic', '--correlation', '0.9', '--rows', '50', '-o', 'syn.csv'], { cwd: dir });
    expect(result).toEqual({ code: 0, stdout: '', stderr: 'wrote syn.csv: 50 rows, ρ = 0.9, seed 1\n' });
    const { header, y1 } = columns(fs.readFileSync(path.join(dir, 'syn.csv'), 'utf8'));
    expect(header).toEqual([...Array.from({ length: 100 }, (_, i) => `x_${i}`), 'y1', 'y2']);
    expect(y1).toHaveLength(50);
  });

  it('gives labels that correlate more as --correlation grows', async () => {
    const r: number[] = [];
    for (const rho of ['0', '0.5', '0.9', '1']) {
      const result = await run(['data', 'synthetic', '--correlation', rho, '--rows', '1500', '--dim', '20', '--seed', '5']);
      expect(result.code).toBe(0);
      const { y1, y2 } = columns(result.stdout);
      r.push(pearson(y1, y2));
    }
    expect(r[0]!).toBeLessThan(r[1]!);
    expect(r[1]!).toBeLessThan(r[2]!);
    expect(r[2]!).toBeLessThan(r[3]!);
    expect(r[3]!).toBeGreaterThan(0.95);
  });

  it('prints the same rows for the same seed', async () => {
    const a = await run(['data', 'synthetic', '--correlation', '0.5', '--rows', '5', '--dim', '3', '--seed', '2']);
    const b = await run(['data', 'synthetic', '--correlation', '0.5', '--rows', '5', '--dim', '3', '--seed', '2']);
    expect(b.stdout).toBe(a.stdout);
    expect(a.stdout.split('\n')[0]).toBe('x_0,x_1,x_2,y1,y2');
  });

  it('never replaces a file without --force', async () => {
    const dir = tempDir({ 'syn.csv': 'mine\n' });
    expect(await run(['data', 'synthetic', '--correlation', '0.5', '--rows', '5', '-o', 'syn.csv'], { cwd: dir })).toEqual({
      code: 2,
      stdout: '',
      stderr: 'mtlc: "syn.csv" exists: pass --force to replace it, or choose another -o\n',
    });
    expect(fs.readFileSync(path.join(dir, 'syn.csv'), 'utf8')).toBe('mine\n');
    expect((await run(['data', 'synthetic', '--correlation', '0.5', '--rows', '5', '-o', 'syn.csv', '--force'], { cwd: dir })).code).toBe(
      0,
    );
    expect(fs.readFileSync(path.join(dir, 'syn.csv'), 'utf8')).toMatch(/^x_0,/);
  });

  it('refuses a correlation outside [-1, 1] and a missing one', async () => {
    const bad = await run(['data', 'synthetic', '--correlation', '1.5']);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toContain("mtlc: option '--correlation <rho>' argument '1.5' is invalid. expected a number from -1 to 1.");
    const missing = await run(['data', 'synthetic']);
    expect(missing.code).toBe(2);
    expect(missing.stderr).toContain("mtlc: required option '--correlation <rho>' not specified");
  });
});
