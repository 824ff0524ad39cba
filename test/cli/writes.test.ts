/**
 * Nothing lost, nothing clobbered (docs/security.md): every command that writes refuses to replace
 * a file without --force, writes through symbolic links, tells a full disk or a wrong path in one
 * line (exit 2, never "internal error"), and two runs never write one output directory.
 */
import { spawn } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { describe, expect, it } from 'vitest';
import { mtlc, workspace } from './model-run.js';
import { run, tempDir } from './run.js';

const MODEL = `model R {
  input x: float[2]
  head y = x -> dense(4, relu) -> regress(1)
  train { epochs: 2, batch: 2 }
}
`;
const DATA = 'x_0,x_1,y\n1,2,3\n2,3,5\n3,4,7\n4,5,9\n';

function project(): string {
  return tempDir({ 'r.mtl': MODEL, 'r.csv': DATA, afile: 'not a folder\n' });
}

describe('refusing to overwrite', () => {
  it('graph -o refuses an existing file without --force', async () => {
    const dir = project();
    fs.writeFileSync(path.join(dir, 'r.mmd'), 'mine');
    expect(await run(['graph', 'r.mtl', '-o', 'r.mmd'], { cwd: dir })).toMatchObject({
      code: 2,
      stderr: 'mtlc: "r.mmd" already exists: pass --force to replace it\n',
    });
    expect(fs.readFileSync(path.join(dir, 'r.mmd'), 'utf8')).toBe('mine');
    expect((await run(['graph', 'r.mtl', '-o', 'r.mmd', '--force'], { cwd: dir })).code).toBe(0);
    expect(fs.readFileSync(path.join(dir, 'r.mmd'), 'utf8')).toMatch(/^graph TD/);
  });

  it('train --report FILE refuses an existing file before training, and -o a folder holding a history.json', async () => {
    const dir = project();
    fs.writeFileSync(path.join(dir, 'mine.html'), 'mine');
    expect(await mtlc(['train', 'r.mtl', '--data', 'r.csv', '--report', 'mine.html', '--quiet'], { cwd: dir })).toMatchObject({
      code: 2,
      stderr: 'mtlc: "mine.html" already exists: pass --force to replace it\n',
    });
    expect(fs.existsSync(path.join(dir, 'runs'))).toBe(false);
    fs.mkdirSync(path.join(dir, 'notes'));
    fs.writeFileSync(path.join(dir, 'notes', 'history.json'), '{"mine": true}');
    expect(await mtlc(['train', 'r.mtl', '--data', 'r.csv', '-o', 'notes', '--quiet'], { cwd: dir })).toMatchObject({ code: 2 });
    expect(fs.readFileSync(path.join(dir, 'notes', 'history.json'), 'utf8')).toBe('{"mine": true}');
  });

  it('fmt writes through a symbolic link and keeps the link', async () => {
    const dir = tempDir({ 'real.mtl': 'model R {\ninput x: float[2]\n  head y = x -> regress(1)\n}\n' });
    fs.symlinkSync('real.mtl', path.join(dir, 'link.mtl'));
    expect((await run(['fmt', 'link.mtl'], { cwd: dir })).code).toBe(0);
    expect(fs.lstatSync(path.join(dir, 'link.mtl')).isSymbolicLink()).toBe(true);
    expect(fs.readFileSync(path.join(dir, 'real.mtl'), 'utf8')).toBe('model R {\n  input x: float[2]\n  head y = x -> regress(1)\n}\n');
  });
});

describe('write failures', () => {
  it('are one line naming the path and what to do, exit 2', async () => {
    const dir = project();
    expect(await mtlc(['train', 'r.mtl', '--data', 'r.csv', '-o', 'afile', '--quiet'], { cwd: dir })).toMatchObject({
      code: 2,
      stderr: 'mtlc: cannot write "afile": a file of that name is in the way (a folder was expected): choose another path\n',
    });
    expect(await run(['graph', 'r.mtl', '-o', 'missing/r.mmd'], { cwd: dir })).toMatchObject({
      code: 2,
      stderr: 'mtlc: cannot write "missing/r.mmd": no such file\n',
    });
    expect(await mtlc(['build', 'r.mtl', '-o', 'afile/model'], { cwd: dir })).toMatchObject({
      code: 2,
      stderr: expect.stringMatching(/^mtlc: cannot write "afile\/model": /),
    });
    expect(await run(['graph', 'r.mtl', '-o', '/dev/full', '--force'], { cwd: dir })).toMatchObject({
      code: 2,
      stderr: expect.stringMatching(/^mtlc: cannot write "\/dev\/full": /),
    });
    expect(fs.statSync('/dev/full').isCharacterDevice()).toBe(true);
  });

  it('say when the disk is full (ENOSPC), or are skipped with the reason when no small file system can be mounted', async (context) => {
    const mount = fs.mkdtempSync(path.join(path.dirname(project()), 'mtlc-full-'));
    const mounted = await new Promise<boolean>((resolve) =>
      spawn('mount', ['-t', 'tmpfs', '-o', 'size=64k', 'tmpfs', mount])
        .on('exit', (code) => resolve(code === 0))
        .on('error', () => resolve(false)),
    );
    if (!mounted) {
      console.log('skipped: cannot mount a 64 kB tmpfs here to fill (needs root in a privileged container)');
      context.skip();
    }
    try {
      const dir = project();
      fs.writeFileSync(path.join(mount, 'filler'), Buffer.alloc(60 * 1024));
      const result = await mtlc(['build', path.join(dir, 'r.mtl'), '-o', path.join(mount, 'model')], { cwd: dir });
      expect(result.code).toBe(2);
      expect(result.stderr).toMatch(/^mtlc: cannot write ".*": the disk is full: free some space, or write elsewhere\n$/);
    } finally {
      await new Promise((resolve) => spawn('umount', [mount]).on('exit', resolve));
    }
  });
});

describe('the output lock', () => {
  it('refuses a second run on a directory a running mtlc holds, and takes over a stale lock', async () => {
    const dir = workspace();
    fs.writeFileSync(path.join(dir, 'r.mtl'), MODEL);
    fs.writeFileSync(path.join(dir, 'r.csv'), DATA);
    fs.mkdirSync(path.join(dir, 'out'));
    // A live process (this one's parent) holds it.
    fs.writeFileSync(path.join(dir, 'out', '.mtlc.lock'), `${process.ppid}\n`);
    expect(await mtlc(['train', 'r.mtl', '--data', 'r.csv', '-o', 'out', '--quiet'], { cwd: dir })).toMatchObject({
      code: 2,
      stderr: `mtlc: out is being written by another mtlc (process ${process.ppid}): wait for it to end, or choose another -o\n`,
    });
    // A process that has ended left it.
    const ended = spawn(process.execPath, ['-e', '0']);
    await new Promise((resolve) => ended.on('exit', resolve));
    fs.writeFileSync(path.join(dir, 'out', '.mtlc.lock'), `${ended.pid}\n`);
    expect((await mtlc(['train', 'r.mtl', '--data', 'r.csv', '-o', 'out', '--quiet'], { cwd: dir })).code).toBe(0);
    expect(fs.existsSync(path.join(dir, 'out', '.mtlc.lock'))).toBe(false);
  });
});
