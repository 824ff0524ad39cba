/**
 * The built command, spawned as a user runs it (dist/ is built by test/global-setup.ts). Checking
 * runs with an ESM hook that throws on any @tensorflow import: `mtlc check` must not load TensorFlow.js.
 */
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { describe, expect, it } from 'vitest';
import { FORBID_TFJS, root } from './run.js';

const bin = path.join(root, 'bin', 'mtlc.js');

function mtlc(args: string[], nodeArgs: string[] = []) {
  return spawnSync(process.execPath, [...nodeArgs, bin, ...args], { cwd: root, encoding: 'utf8', env: { ...process.env, NO_COLOR: '' } });
}

describe('bin/mtlc.js', () => {
  it('checks the examples clean with exit code 0', () => {
    const result = mtlc(['check', 'examples/seed.mtl', 'examples/census-mmoe.mtl']);
    expect(result.stderr).toBe('');
    expect(result.stdout).toBe('no problems in 2 files\n');
    expect(result.status).toBe(0);
  });

  it('exits 1 on a file with errors and 2 on a missing file, without a stack trace', () => {
    const bad = mtlc(['check', 'examples/errors/shapes.mtl']);
    expect(bad.status).toBe(1);
    expect(bad.stdout).toContain('error[MTL0301]');
    const missing = mtlc(['check', 'nope.mtl']);
    expect(missing.status).toBe(2);
    expect(missing.stderr).toBe('mtlc: cannot read "nope.mtl": no such file\n');
  });

  it('prints the version', () => {
    expect(mtlc(['--version']).stdout).toMatch(/^\d+\.\d+\.\d+\n$/);
  });

  it('checks without loading TensorFlow.js', () => {
    const hooked = mtlc(['check', 'examples/seed.mtl'], ['--import', FORBID_TFJS]);
    expect(hooked.stderr).toBe('');
    expect(hooked.status).toBe(0);
    // The hook itself works: importing tfjs under it fails.
    const probe = spawnSync(
      process.execPath,
      ['--import', FORBID_TFJS, '-e', 'import("@tensorflow/tfjs").then(() => process.exit(0), () => process.exit(7))'],
      { cwd: root },
    );
    expect(probe.status).toBe(7);
  });

  it("trains without TensorFlow.js' console banner on stderr", () => {
    const out = fs.mkdtempSync(path.join(os.tmpdir(), 'mtlc-banner-'));
    const result = mtlc(['train', 'examples/penguins.mtl', '--epochs', '1', '--backend', 'cpu', '--quiet', '-o', path.join(out, 'run')]);
    expect(result.status).toBe(0);
    expect(result.stderr).toBe('');
  });

  it.runIf(process.platform !== 'win32')(
    'run as a program, becomes Node in the same process, with huge pages added to the GLIBC_TUNABLES it was given',
    () => {
      // A `node` first on PATH that reports how it was started.
      const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'mtlc-bin-'));
      fs.writeFileSync(path.join(dir, 'node'), '#!/bin/sh\necho "$$ $GLIBC_TUNABLES $*"\n', { mode: 0o755 });
      const run = (tunables: string | undefined) => {
        const { GLIBC_TUNABLES: _, ...env } = process.env;
        const result = spawnSync(bin, ['train', 'a b.mtl'], {
          encoding: 'utf8',
          env: { ...env, PATH: `${dir}${path.delimiter}${env['PATH']}`, ...(tunables === undefined ? {} : { GLIBC_TUNABLES: tunables }) },
        });
        return { said: result.stdout, pid: result.pid };
      };
      const alone = run(undefined);
      expect(alone.said).toBe(`${alone.pid} glibc.malloc.hugetlb=1 ${bin} train a b.mtl\n`);
      const added = run('glibc.malloc.arena_max=2');
      expect(added.said).toBe(`${added.pid} glibc.malloc.arena_max=2:glibc.malloc.hugetlb=1 ${bin} train a b.mtl\n`);
    },
  );
});
