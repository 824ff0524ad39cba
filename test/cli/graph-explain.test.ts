import * as fs from 'node:fs';
import * as path from 'node:path';
import { describe, expect, it } from 'vitest';
import { allDiagnosticKinds } from '../../compiler/diagnostics.js';
import { root, run, tempDir } from './run.js';

describe('mtlc graph', () => {
  it('draws the seed model as a Mermaid graph', async () => {
    expect(await run(['graph', 'examples/seed.mtl'])).toEqual({
      code: 0,
      stdout: [
        'graph TD',
        '  %% model Seed',
        '  input_x[/"x<br/>float[100]"/]',
        '  trunk_shared["shared<br/>dense(64, relu)"]',
        '  head_task1(["task1<br/>classify(10) → [10]"])',
        '  head_task2(["task2<br/>classify(5) → [5]"])',
        '  input_x -->|"[100]"| trunk_shared',
        '  trunk_shared -->|"[64]"| head_task1',
        '  trunk_shared -->|"[64]"| head_task2',
        '',
      ].join('\n'),
      stderr: '',
    });
  });

  it('draws Graphviz dot with --format dot, into a file with -o', async () => {
    const dir = tempDir({});
    const out = path.join(dir, 'seed.dot');
    expect(await run(['graph', 'examples/seed.mtl', '--format', 'dot', '-o', out])).toEqual({ code: 0, stdout: '', stderr: '' });
    expect(fs.readFileSync(out, 'utf8')).toMatch(/^digraph "Seed" \{\n/);
  });

  it('prints the diagnostics of a file with errors on stderr, and exits 1', async () => {
    const dir = tempDir({ 'bad.mtl': 'model M {\n  input x: float[4]\n  head h = y -> regress(1)\n}\n' });
    const result = await run(['graph', 'bad.mtl'], { cwd: dir });
    expect(result.code).toBe(1);
    expect(result.stdout).toBe('');
    expect(result.stderr).toContain('error[MTL0101]: unknown name "y"');
    expect(result.stderr.endsWith('1 error in 1 file\n')).toBe(true);
  });

  it('asks which model to draw when a file has several, and draws the one named', async () => {
    const two =
      'model A {\n  input x: float[4]\n  head h = x -> regress(1)\n}\nmodel B {\n  input x: float[4]\n  head h = x -> binary()\n}\n';
    const dir = tempDir({ 'two.mtl': two });
    expect(await run(['graph', 'two.mtl'], { cwd: dir })).toEqual({
      code: 2,
      stdout: '',
      stderr: 'mtlc: "two.mtl" declares 2 models (A, B): choose one with --model\n',
    });
    const chosen = await run(['graph', 'two.mtl', '--model', 'B'], { cwd: dir });
    expect(chosen.code).toBe(0);
    expect(chosen.stdout).toContain('%% model B');
    expect((await run(['graph', 'two.mtl', '--model', 'C'], { cwd: dir })).stderr).toBe(
      'mtlc: "two.mtl" has no model "C" (it has: A, B)\n',
    );
  });
});

describe('mtlc explain', () => {
  it('names only files that are in the repository', async () => {
    const named = new Set<string>();
    for (const kind of allDiagnosticKinds()) {
      const text = (await run(['explain', kind.code])).stdout;
      for (const match of text.matchAll(/[\w./-]+\.md\b/g)) named.add(match[0]);
    }
    expect([...named].filter((file) => !fs.existsSync(path.join(root, file)))).toEqual([]);
    expect(named.has('docs/language.md')).toBe(true);
  });

  it('explains a code with its example, what check prints for it, and the fix', async () => {
    const result = await run(['explain', 'MTL0101']);
    expect(result.code).toBe(0);
    expect(result.stdout).toContain(
      'error[MTL0101]: unknown name\n\nA pipeline reads a name that no input, trunk or gate of the model declares.\n',
    );
    expect(result.stdout).toContain('    error[MTL0101]: unknown name "shard"\n     --> example.mtl:5:16\n');
    expect(result.stdout).toContain('Fixed:\n\n    model Seed {\n');
  });

  it('accepts a code in lower case or as a number', async () => {
    const upper = await run(['explain', 'MTL0101']);
    expect(await run(['explain', 'mtl0101'])).toEqual(upper);
    expect(await run(['explain', '101'])).toEqual(upper);
  });

  it('exits 2 for an unknown code, with the nearest one', async () => {
    expect(await run(['explain', 'MTL0110'])).toEqual({
      code: 2,
      stdout: '',
      stderr: 'mtlc: unknown diagnostic code "MTL0110" (did you mean MTL0010?): codes are listed in docs/diagnostics.md\n',
    });
  });
});
