import * as fs from 'node:fs';
import * as path from 'node:path';
import { describe, expect, it } from 'vitest';
import { mtlc, workspace } from './model-run.js';

describe('mtlc build --target pytorch', () => {
  it('writes model.py, mtl_layers.py, mtl_metrics.py, mtl_weighting.py and train.py into build/<name>-pytorch, with comments naming the .mtl lines', async () => {
    const dir = workspace(['examples/seed.mtl']);
    const result = await mtlc(['build', 'examples/seed.mtl', '--target', 'pytorch'], { cwd: dir });
    expect(result).toMatchObject({
      code: 0,
      stderr: '',
      stdout: 'wrote build/seed-pytorch: Seed for PyTorch (model.py, mtl_layers.py, mtl_metrics.py, mtl_weighting.py, train.py)\n',
    });
    const model = fs.readFileSync(path.join(dir, 'build', 'seed-pytorch', 'model.py'), 'utf8');
    expect(model).toContain('class Seed(nn.Module):');
    expect(model).toContain('        self.shared_dense_1 = L.Dense(100, 64, "relu")  # examples/seed.mtl:5 dense(64, relu)\n');
    expect(model).toContain('        shared_dense_1 = self.shared_dense_1(x)\n');
    expect(model).toContain('        return (task1, task2)\n');
    // The heads' own layers, whose parameters are not shared (mtl_weighting.py): seed.mtl's heads have none but their outputs.
    expect(model).toContain('    TASK_LAYERS = {\n        "task1": "task1",\n        "task2": "task2",\n    }\n');
    expect(fs.readFileSync(path.join(dir, 'build', 'seed-pytorch', 'mtl_layers.py'), 'utf8')).toContain(
      'def masked_loss(task, y_true, y_pred, mask):',
    );
  });

  it('writes into -o DIR, replacing an earlier package but not other files unless --force', async () => {
    const dir = workspace(['examples/seed.mtl']);
    expect((await mtlc(['build', 'examples/seed.mtl', '--target', 'pytorch', '-o', 'py'], { cwd: dir })).code).toBe(0);
    expect((await mtlc(['build', 'examples/seed.mtl', '--target', 'pytorch', '-o', 'py'], { cwd: dir })).code).toBe(0);
    fs.writeFileSync(path.join(dir, 'py', 'notes.txt'), 'mine');
    expect(await mtlc(['build', 'examples/seed.mtl', '--target', 'pytorch', '-o', 'py'], { cwd: dir })).toMatchObject({
      code: 2,
      stderr: 'mtlc: "py" holds other files (notes.txt): pass --force to write into it, or choose another -o\n',
    });
    expect((await mtlc(['build', 'examples/seed.mtl', '--target', 'pytorch', '-o', 'py', '--force'], { cwd: dir })).code).toBe(0);
    expect(fs.readFileSync(path.join(dir, 'py', 'notes.txt'), 'utf8')).toBe('mine');
  });

  it("names each head's own layers (its gate, its tower, its output) in TASK_LAYERS; the experts of a gate two heads read are shared", async () => {
    const dir = workspace(['examples/census-mmoe.mtl']);
    expect((await mtlc(['build', 'examples/census-mmoe.mtl', '--target', 'pytorch', '-o', 'py'], { cwd: dir })).code).toBe(0);
    const model = fs.readFileSync(path.join(dir, 'py', 'model.py'), 'utf8');
    expect(model).toContain(
      [
        '    TASK_LAYERS = {',
        '        "moe_income_gate": "income",',
        '        "moe_marital_gate": "marital",',
        '        "income_tower_1_dense_1": "income",',
        '        "income": "income",',
        '        "marital_tower_1_dense_1": "marital",',
        '        "marital": "marital",',
        '    }',
      ].join('\n'),
    );
  });

  it('refuses --emit ts with --target pytorch', async () => {
    const dir = workspace(['examples/seed.mtl']);
    expect(await mtlc(['build', 'examples/seed.mtl', '--target', 'pytorch', '--emit', 'ts'], { cwd: dir })).toMatchObject({
      code: 2,
      stderr: 'mtlc: --emit is for --target tfjs; --target pytorch writes a Python package\n',
    });
  });
});
