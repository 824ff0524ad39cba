import * as fs from 'node:fs';
import * as path from 'node:path';
import { describe, expect, it } from 'vitest';
import type { JsonReport } from '../../cli/commands/check.js';
import { root, run, tempDir } from './run.js';

const SEED = `model Seed {
  input x: float[100]
  trunk shared = x -> dense(64, relu)
  head task1 = shared -> classify(10)
  head task2 = shard -> classify(5)
}
`;

const examples = fs.readdirSync(path.join(root, 'examples')).filter((f) => f.endsWith('.mtl'));

describe('mtlc check', () => {
  it.each(examples)('checks examples/%s clean: exit 0, no errors', async (name) => {
    const result = await run(['check', `examples/${name}`]);
    expect(result.stderr).toBe('');
    expect(result.stdout).not.toContain('error[');
    expect(result.code).toBe(0);
  });

  it('checks all the examples at once and says so', async () => {
    const result = await run(['check', ...examples.map((f) => `examples/${f}`)]);
    expect(result).toEqual({ code: 0, stdout: `no problems in ${examples.length} files\n`, stderr: '' });
  });

  it('prints a rustc-style frame with the hint, and a summary, and exits 1 on errors', async () => {
    const dir = tempDir({ 'seed.mtl': SEED });
    expect(await run(['check', 'seed.mtl'], { cwd: dir })).toEqual({
      code: 1,
      stdout: [
        'error[MTL0101]: unknown name "shard"',
        ' --> seed.mtl:5:16',
        '  |',
        '5 |   head task2 = shard -> classify(5)',
        '  |                ^^^^^',
        '  = help: did you mean "shared"?',
        '',
        '1 error in 1 file',
        '',
      ].join('\n'),
      stderr: '',
    });
  });

  it('shows related places as notes under the frame', async () => {
    const dir = tempDir({ 'dup.mtl': SEED.replace('head task2 = shard', 'head task1 = shared') });
    const { stdout, code } = await run(['check', 'dup.mtl'], { cwd: dir });
    expect(code).toBe(1);
    expect(stdout).toContain(
      [
        'error[MTL0102]: name "task1" is declared more than once',
        ' --> dup.mtl:5:8',
        '  |',
        '5 |   head task1 = shared -> classify(5)',
        '  |        ^^^^^',
        'note: first declared here',
        ' --> dup.mtl:4:8',
        '  |',
        '4 |   head task1 = shared -> classify(10)',
        '  |        -----',
      ].join('\n'),
    );
    expect(stdout.endsWith('1 error in 1 file\n')).toBe(true);
  });

  it('marks a span over several lines on its first line, to the end of that line', async () => {
    const text = 'model M {\n  input x: float[4]\n  head h = x -> regress(1)\n  train { epochs: 5 }\n  train {\n    batch: 8\n  }\n}\n';
    const dir = tempDir({ 'm.mtl': text });
    const { stdout } = await run(['check', 'm.mtl'], { cwd: dir });
    expect(stdout).toContain('5 |   train {\n  |   ^^^^^^^\n');
  });

  it('exits 0 when a file has only warnings, and counts them', async () => {
    const dir = tempDir({ 'w.mtl': 'model M {\n  input x: float[4]\n  input y: float[2]\n  head h = x -> regress(1)\n}\n' });
    const result = await run(['check', 'w.mtl'], { cwd: dir });
    expect(result.code).toBe(0);
    expect(result.stdout).toContain('warning[MTL0901]: input "y" is never read by a head\n');
    expect(result.stdout.endsWith('1 warning in 1 file\n')).toBe(true);
  });

  it('counts errors and warnings over several files', async () => {
    const dir = tempDir({
      'a.mtl': SEED,
      'b.mtl': 'model M {\n  input x: float[4]\n  input y: float[2]\n  head h = x -> regress(1)\n}\n',
      'c.mtl': 'model M {\n  input x: float[4]\n  head h = x -> regress(1)\n}\n',
    });
    const result = await run(['check', 'a.mtl', 'b.mtl', 'c.mtl'], { cwd: dir });
    expect(result.code).toBe(1);
    expect(result.stdout.endsWith('1 error, 1 warning in 3 files\n')).toBe(true);
  });

  it('names a missing file in one line on stderr and exits 2', async () => {
    const result = await run(['check', 'nope.mtl'], { cwd: tempDir({}) });
    expect(result).toEqual({ code: 2, stdout: '', stderr: 'mtlc: cannot read "nope.mtl": no such file\n' });
  });

  it('still checks the readable files when one is missing, and exits 2', async () => {
    const dir = tempDir({ 'a.mtl': SEED });
    const result = await run(['check', 'a.mtl', 'nope.mtl'], { cwd: dir });
    expect(result.code).toBe(2);
    expect(result.stderr).toBe('mtlc: cannot read "nope.mtl": no such file\n');
    expect(result.stdout).toContain('error[MTL0101]');
  });

  it('says when a path is a directory', async () => {
    const result = await run(['check', 'examples']);
    expect(result).toEqual({ code: 2, stdout: '', stderr: 'mtlc: cannot read "examples": is a directory\n' });
  });

  it('frames an error in an imported file under that file', async () => {
    const dir = tempDir({
      'lib.mtl': 'block tower(units: int) = dense(units) -> lstm(4)\n',
      'main.mtl': 'import "lib.mtl"\nmodel M {\n  input x: float[8]\n  head h = x -> tower(4) -> regress(1)\n}\n',
    });
    const { stdout, code } = await run(['check', 'main.mtl'], { cwd: dir });
    expect(code).toBe(1);
    expect(stdout).toContain('error[MTL0301]: in block "tower": lstm expects a [t, f] sequence input, got [4]\n --> main.mtl:4:17\n');
  });
});

describe('mtlc check --format json', () => {
  it('prints one object with every diagnostic (1-based line and column, end exclusive) and a summary', async () => {
    const dir = tempDir({ 'seed.mtl': SEED });
    const result = await run(['check', 'seed.mtl', '--format', 'json'], { cwd: dir });
    expect(result.code).toBe(1);
    expect(result.stderr).toBe('');
    const report = JSON.parse(result.stdout) as JsonReport;
    expect(report).toEqual({
      diagnostics: [
        {
          file: 'seed.mtl',
          code: 'MTL0101',
          severity: 'error',
          message: 'unknown name "shard"',
          range: { start: { line: 5, column: 16 }, end: { line: 5, column: 21 } },
          hint: 'did you mean "shared"?',
          suggestion: { range: { start: { line: 5, column: 16 }, end: { line: 5, column: 21 } }, newText: 'shared' },
        },
      ],
      summary: { files: 1, errors: 1, warnings: 0, unreadable: 0 },
    });
  });

  it('includes related places with their file and range', async () => {
    const dir = tempDir({ 'dup.mtl': SEED.replace('head task2 = shard', 'head task1 = shared') });
    const report = JSON.parse((await run(['check', 'dup.mtl', '--format=json'], { cwd: dir })).stdout) as JsonReport;
    expect(report.diagnostics[0]!.related).toEqual([
      { file: 'dup.mtl', message: 'first declared here', range: { start: { line: 4, column: 8 }, end: { line: 4, column: 13 } } },
    ]);
  });

  it('prints an empty list for clean files, with exit 0', async () => {
    const result = await run(['check', 'examples/seed.mtl', '--format', 'json']);
    expect(result.code).toBe(0);
    expect(JSON.parse(result.stdout)).toEqual({ diagnostics: [], summary: { files: 1, errors: 0, warnings: 0, unreadable: 0 } });
  });

  it('keeps stdout valid JSON when a file is missing; the error goes to stderr', async () => {
    const result = await run(['check', 'examples/seed.mtl', 'nope.mtl', '--format', 'json']);
    expect(result.code).toBe(2);
    expect(JSON.parse(result.stdout).summary).toEqual({ files: 1, errors: 0, warnings: 0, unreadable: 1 });
    expect(result.stderr).toBe('mtlc: cannot read "nope.mtl": no such file\n');
  });
});

describe('colours', () => {
  const dir = tempDir({ 'seed.mtl': SEED });
  const ESC = '\u001b[';

  it('colours a terminal', async () => {
    expect((await run(['check', 'seed.mtl'], { cwd: dir, isTTY: true })).stdout).toContain(ESC);
  });

  it('does not colour when stdout is not a terminal', async () => {
    expect((await run(['check', 'seed.mtl'], { cwd: dir, isTTY: false })).stdout).not.toContain(ESC);
  });

  it('does not colour with --no-color, before or after the command', async () => {
    expect((await run(['--no-color', 'check', 'seed.mtl'], { cwd: dir, isTTY: true })).stdout).not.toContain(ESC);
    expect((await run(['check', 'seed.mtl', '--no-color'], { cwd: dir, isTTY: true })).stdout).not.toContain(ESC);
  });

  it('does not colour when NO_COLOR is set', async () => {
    expect((await run(['check', 'seed.mtl'], { cwd: dir, isTTY: true, env: { NO_COLOR: '1' } })).stdout).not.toContain(ESC);
  });
});
