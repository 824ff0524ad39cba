/** Sources are regular files of bounded size (docs/security.md): `check` never reads a device, a FIFO or an endless import. */
import { execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { describe, expect, it } from 'vitest';
import { run, tempDir } from './run.js';

const MODEL = 'model M {\n  input x: float[4]\n  head a = x -> regress(1)\n}\n';

describe('reading sources', () => {
  it('refuses a device or a FIFO named on the command line, without reading it', async () => {
    const dir = tempDir({});
    execFileSync('mkfifo', [path.join(dir, 'pipe.mtl')]);
    expect(await run(['check', '/dev/zero'])).toMatchObject({
      code: 2,
      stderr: 'mtlc: cannot read "/dev/zero": not a regular file (a device or a FIFO)\n',
    });
    expect(await run(['check', 'pipe.mtl'], { cwd: dir })).toMatchObject({
      code: 2,
      stderr: 'mtlc: cannot read "pipe.mtl": not a regular file (a device or a FIFO)\n',
    });
  });

  it('reports an import of a device or a FIFO as an import it cannot read', async () => {
    const dir = tempDir({ 'main.mtl': `import "/dev/zero"\nimport "pipe.mtl"\n${MODEL}` });
    execFileSync('mkfifo', [path.join(dir, 'pipe.mtl')]);
    const result = await run(['check', 'main.mtl', '--format', 'json'], { cwd: dir });
    expect(result.code).toBe(1);
    expect(JSON.parse(result.stdout).diagnostics.map((d: { code: string; message: string }) => [d.code, d.message])).toEqual([
      ['MTL0105', 'cannot read imported file "/dev/zero"'],
      ['MTL0105', 'cannot read imported file "pipe.mtl"'],
    ]);
  });

  it('refuses a source over MTLC_MAX_SOURCE_BYTES', async () => {
    const dir = tempDir({ 'main.mtl': MODEL });
    process.env['MTLC_MAX_SOURCE_BYTES'] = '20';
    try {
      expect(await run(['check', 'main.mtl'], { cwd: dir })).toMatchObject({
        code: 2,
        stderr: `mtlc: cannot read "main.mtl": ${fs.statSync(path.join(dir, 'main.mtl')).size} bytes, more than the 20 a source may have (raise it with MTLC_MAX_SOURCE_BYTES)\n`,
      });
    } finally {
      delete process.env['MTLC_MAX_SOURCE_BYTES'];
    }
    expect((await run(['check', 'main.mtl'], { cwd: dir })).code).toBe(0);
  });
});

describe('code frames', () => {
  it('quote each source line once, cut to the terminal width around the span', async () => {
    // One line of 300 models, all named M, with an unknown layer each: 600 errors on line 1.
    const dir = tempDir({ 'long.mtl': `${'model M { input x: float[4] head a = x -> dens(4) -> regress(1) } '.repeat(300)}\n` });
    const result = await run(['check', 'long.mtl'], { cwd: dir });
    expect(result.code).toBe(1);
    const frames = result.stdout.split('\n\n').filter((frame) => frame.startsWith('error['));
    expect(frames.length).toBeGreaterThanOrEqual(300);
    // The line is quoted once, in 120 columns; every other frame is its header, location and hint.
    const quotes = result.stdout.split('\n').filter((line) => line.startsWith('1 | '));
    expect(quotes).toHaveLength(1);
    expect(quotes[0]!.length).toBeLessThanOrEqual(120);
    expect(frames.findLast((f) => f.startsWith('error[MTL0103]'))!.split('\n')).toEqual([
      'error[MTL0103]: unknown layer or block "dens"',
      expect.stringMatching(/^ --> long\.mtl:1:\d+$/),
      '  = help: did you mean "dense"?',
    ]);
    // Each later copy of a name is one error pointing back at the first.
    expect(frames.findLast((f) => f.startsWith('error[MTL0102]'))!.split('\n')).toEqual([
      'error[MTL0102]: model "M" is declared more than once',
      expect.stringMatching(/^ --> long\.mtl:1:\d+$/),
      'note: first declared here',
      ' --> long.mtl:1:7',
    ]);
    expect(result.stdout.length).toBeLessThan(frames.length * 300);
  });
});
