import * as fs from 'node:fs';
import * as path from 'node:path';
import { describe, expect, it } from 'vitest';
import { root, run } from './run.js';

const version = (JSON.parse(fs.readFileSync(path.join(root, 'package.json'), 'utf8')) as { version: string }).version;

describe('mtlc usage', () => {
  it('prints the version with --version and exits 0', async () => {
    expect(await run(['--version'])).toEqual({ code: 0, stdout: `${version}\n`, stderr: '' });
  });

  it('lists every command with --help and exits 0', async () => {
    const result = await run(['--help']);
    expect(result.code).toBe(0);
    for (const command of ['check', 'fmt', 'graph', 'explain']) expect(result.stdout).toMatch(new RegExp(`^  ${command} `, 'm'));
    expect(result.stdout).toContain('--no-color');
  });

  it('shows a command’s options with COMMAND --help', async () => {
    const result = await run(['check', '--help']);
    expect(result.code).toBe(0);
    expect(result.stdout).toContain('--format <format>');
  });

  it('prints the help on stderr and exits 2 when run without arguments', async () => {
    const result = await run([]);
    expect(result.code).toBe(2);
    expect(result.stdout).toBe('');
    expect(result.stderr).toContain('Usage: mtlc');
  });

  it('exits 2 for a data file that cannot be read, before any backend starts, for every command that reads data', async () => {
    const missing = { code: 2, stdout: '', stderr: 'mtlc: cannot read "nope.csv": no such file\n' };
    expect(await run(['train', 'examples/penguins.mtl', '--data', 'nope.csv', '-o', 'never'])).toEqual(missing);
    expect(await run(['relate', 'examples/penguins.mtl', '--data', 'nope.csv'])).toEqual(missing);
    expect(await run(['eval', 'runs/none', '--data', 'nope.csv'])).toEqual(missing);
    expect(await run(['predict', 'runs/none', '--data', 'nope.csv'])).toEqual(missing);
    expect(await run(['train', 'examples/penguins.mtl', '--validation', 'examples', '-o', 'never'])).toEqual({
      ...missing,
      stderr: 'mtlc: cannot read "examples": is a directory\n',
    });
  });

  it('exits 2 with a suggestion for an unknown command', async () => {
    expect(await run(['chek', 'a.mtl'])).toEqual({
      code: 2,
      stdout: '',
      stderr: 'mtlc: unknown command \'chek\'\n(Did you mean check?)\n(run "mtlc --help" for usage)\n',
    });
  });

  it('exits 2 for an unknown option', async () => {
    const result = await run(['check', '--frmat', 'json', 'examples/seed.mtl']);
    expect(result.code).toBe(2);
    expect(result.stderr).toContain("mtlc: unknown option '--frmat'");
  });

  it('exits 2 for a format that does not exist', async () => {
    const result = await run(['check', '--format', 'xml', 'examples/seed.mtl']);
    expect(result.code).toBe(2);
    expect(result.stderr).toContain("mtlc: option '--format <format>' argument 'xml' is invalid. Allowed choices are text, json.");
  });

  it('exits 2 when a required argument is missing', async () => {
    const result = await run(['check']);
    expect(result.code).toBe(2);
    expect(result.stderr).toContain("mtlc: missing required argument 'files'");
  });
});
