import { spawnSync } from 'node:child_process';
import * as path from 'node:path';
import { describe, expect, it } from 'vitest';
import { FORBID_TFJS, root, run, tempDir } from './run.js';

/** `(layer, params)` of every row of a Keras-style table. */
function layerParams(stdout: string): Array<[string, number]> {
  return [...stdout.matchAll(/^(\S+) \(\w+\)\s+\(None[^)]*\)\s+([\d,]+)/gm)].map((m) => [m[1]!, Number(m[2]!.replace(/,/g, ''))]);
}

describe('mtlc summary', () => {
  it('prints the seed model with its 7,439 parameters, as Keras counts them', async () => {
    const result = await run(['summary', 'examples/seed.mtl']);
    expect(result.code).toBe(0);
    expect(result.stderr).toBe('');
    // dense: inputs × units weights + units biases.
    const shared = 100 * 64 + 64;
    const task1 = 64 * 10 + 10;
    const task2 = 64 * 5 + 5;
    expect(layerParams(result.stdout)).toEqual([
      ['x', 0],
      ['shared/dense_1', shared],
      ['task1', task1],
      ['task2', task2],
    ]);
    expect(shared + task1 + task2).toBe(7439);
    expect(result.stdout).toBe(
      [
        'Model: "Seed"',
        '──────────────────────────────────────────────────────────────',
        'Layer (type)             Output Shape   Param #   Connected to',
        '══════════════════════════════════════════════════════════════',
        'x (InputLayer)           (None, 100)          0',
        'shared/dense_1 (Dense)   (None, 64)       6,464   x',
        'task1 (Dense)            (None, 10)         650   shared/dense_1',
        'task2 (Dense)            (None, 5)          325   shared/dense_1',
        '══════════════════════════════════════════════════════════════',
        'Total params: 7,439',
        'Trainable params: 7,439',
        'Non-trainable params: 0',
        '',
        'Heads:',
        'head   task          reads         gate  own params',
        '─────  ────────────  ────────────  ────  ──────────',
        'task1  classify(10)  trunk shared  —            650',
        'task2  classify(5)   trunk shared  —            325',
        '',
      ].join('\n'),
    );
  });

  it('shows the softmax gate each head owns in a mixture of experts, with its parameters', async () => {
    const result = await run(['summary', 'examples/census-mmoe.mtl']);
    expect(result.code).toBe(0);
    // 64 gate inputs → softmax over 4 experts: 64 × 4 + 4.
    const gate = 64 * 4 + 4;
    expect(layerParams(result.stdout)).toContainEqual(['moe/income/gate', gate]);
    expect(layerParams(result.stdout)).toContainEqual(['moe/marital/gate', gate]);
    expect(result.stdout).toContain(`income   binary()     gate moe  mmoe: softmax over 4 experts, ${gate} params`);
    expect(result.stdout).toContain(`marital  classify(7)  gate moe  mmoe: softmax over 4 experts, ${gate} params`);
    const total = Number(/^Total params: ([\d,]+)$/m.exec(result.stdout)![1]!.replace(/,/g, ''));
    expect(total).toBe(layerParams(result.stdout).reduce((sum, [, n]) => sum + n, 0));
  });

  it("counts a PLE head's gates at every level", async () => {
    const result = await run(['summary', 'examples/ple.mtl']);
    expect(result.code).toBe(0);
    const gates = layerParams(result.stdout).filter(([name]) => /^extract\/level_\d\/click\/gate$/.test(name));
    expect(gates).toHaveLength(2);
    const sum = gates.reduce((s, [, n]) => s + n, 0);
    expect(result.stdout).toMatch(
      new RegExp(
        `^click +binary\\(\\) +gate extract +ple: softmax over 3 experts \\(2 shared \\+ 1 own\\) at each of 2 levels, ${sum} params`,
        'm',
      ),
    );
  });

  it('prints the diagnostics of a file with errors on stderr, and exits 1', async () => {
    const dir = tempDir({
      'bad.mtl': 'model M {\n  input x: float[4]\n  head h = x -> dense(0) -> regress(1)\n  head g = y -> binary()\n}\n',
    });
    const result = await run(['summary', 'bad.mtl'], { cwd: dir });
    expect(result.code).toBe(1);
    expect(result.stdout).toBe('');
    expect(result.stderr).toContain('error[MTL0101]: unknown name "y"');
    expect(result.stderr).toMatch(/\d+ errors? in 1 file\n$/);
  });

  it('runs without loading TensorFlow.js', () => {
    const hooked = spawnSync(
      process.execPath,
      ['--import', FORBID_TFJS, path.join(root, 'bin', 'mtlc.js'), 'summary', 'examples/seed.mtl'],
      { cwd: root, encoding: 'utf8' },
    );
    expect(hooked.stderr).toBe('');
    expect(hooked.status).toBe(0);
    expect(hooked.stdout).toContain('Total params: 7,439');
  });
});
