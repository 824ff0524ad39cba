/**
 * Every example trains for an epoch through `mtlc train`: on the data it names when that data is
 * in the repository, and otherwise, after `mtlc train` said clearly what is missing, on random
 * rows of the right shapes given with --data. Shared by the test files that split the examples
 * between them (the text example alone takes a while on the wasm backend).
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { expect, it } from 'vitest';
import { compile } from '../../compiler/compile.js';
import { NodeHost } from '../../cli/host.js';
import { mtlc, syntheticJsonl, workspace } from './model-run.js';
import { root } from './run.js';

/** The examples whose one epoch takes long enough to deserve a test file of their own. */
export const SLOW_EXAMPLES: ReadonlySet<string> = new Set(['text.mtl']);

export function exampleFiles(): string[] {
  return fs
    .readdirSync(path.join(root, 'examples'))
    .filter((f) => f.endsWith('.mtl'))
    .sort();
}

export function itTrainsOneEpoch(file: string): void {
  it(`${file} trains one epoch through mtlc train`, async () => {
    const source = path.join(root, 'examples', file);
    const models = compile(source, fs.readFileSync(source, 'utf8'), new NodeHost()).models;
    expect(models.length).toBeGreaterThan(0);
    const dir = workspace([`examples/${file}`]);
    for (const model of models) {
      const args = ['train', `examples/${file}`, '--model', model.name, '--epochs', '1', '--quiet'];
      const declared = model.data.train !== undefined ? path.join(root, 'examples', model.data.train) : undefined;
      if (declared !== undefined && fs.existsSync(declared)) {
        fs.mkdirSync(path.dirname(path.join(dir, 'examples', model.data.train!)), { recursive: true });
        fs.copyFileSync(declared, path.join(dir, 'examples', model.data.train!));
        const result = await mtlc([...args, '-o', `out-${model.name}`], { cwd: dir });
        expect(result.stderr).toBe('');
        expect(result.code).toBe(0);
      } else {
        const refused = await mtlc([...args, '-o', `refused-${model.name}`], { cwd: dir });
        expect(refused.stdout).toBe('');
        if (declared === undefined) {
          expect(refused).toMatchObject({
            code: 2,
            stderr: `mtlc: model "${model.name}" in "examples/${file}" names no training data: pass --data FILE (CSV or JSONL), or add data { train: "…" } to the model\n`,
          });
        } else {
          expect(refused).toMatchObject({ code: 2, stderr: `mtlc: cannot read "examples/${model.data.train}": no such file\n` });
        }
        // The slow examples cost seconds per row and epoch: they get two rows.
        fs.writeFileSync(path.join(dir, 'random.jsonl'), syntheticJsonl(model, SLOW_EXAMPLES.has(file) ? 2 : 8));
        const result = await mtlc([...args, '--data', 'random.jsonl', '-o', `out-${model.name}`], { cwd: dir });
        expect(result.code).toBe(0);
      }
      const history = JSON.parse(fs.readFileSync(path.join(dir, `out-${model.name}`, 'history.json'), 'utf8'));
      expect(history.epochs).toHaveLength(1);
      for (const head of model.heads) expect(Number.isFinite(history.epochs[0].taskLoss[head.name])).toBe(true);
    }
  });
}
