/**
 * Every example trains through `mtlc train examples/NAME.mtl`, as a user runs it, with nothing but
 * `--epochs 1` and `-o` added: on the data in examples/data/, or, for the synthetic benchmark,
 * on the data its comment says to make first with `mtlc data synthetic`. Shared by the test files
 * that split the examples between them (the text example alone takes a while on the wasm backend).
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { expect, it } from 'vitest';
import { compile } from '../../compiler/compile.js';
import { NodeHost } from '../../cli/host.js';
import { mtlc, workspace } from './model-run.js';
import { root } from './run.js';

/** The examples whose one epoch takes long enough to deserve a test file of their own. */
export const SLOW_EXAMPLES: ReadonlySet<string> = new Set(['text.mtl']);

/** Data the examples read that is made, not shipped: `mtlc data synthetic`, as the examples' comments say. */
const MADE_DATA: Readonly<Record<string, readonly string[]>> = {
  'data/synthetic.csv': ['data', 'synthetic', '--correlation', '0.5', '--rows', '400', '-o', 'examples/data/synthetic.csv'],
};

export function exampleFiles(): string[] {
  return fs
    .readdirSync(path.join(root, 'examples'))
    .filter((f) => f.endsWith('.mtl'))
    .sort();
}

export function itTrainsOneEpoch(file: string): void {
  it(`${file} trains one epoch through mtlc train examples/${file}`, async () => {
    const source = path.join(root, 'examples', file);
    const models = compile(source, fs.readFileSync(source, 'utf8'), new NodeHost()).models;
    expect(models.length).toBeGreaterThan(0);
    const dir = workspace([`examples/${file}`]);
    for (const model of models) {
      const data = model.data.train;
      expect(data, `${file} names its training data`).toBeDefined();
      const made = MADE_DATA[data!];
      fs.mkdirSync(path.dirname(path.join(dir, 'examples', data!)), { recursive: true });
      if (made !== undefined) expect(await mtlc([...made], { cwd: dir })).toMatchObject({ code: 0, stdout: '' });
      else fs.copyFileSync(path.join(root, 'examples', data!), path.join(dir, 'examples', data!));
      const result = await mtlc(
        ['train', `examples/${file}`, '--model', model.name, '--epochs', '1', '--quiet', '-o', `out-${model.name}`],
        {
          cwd: dir,
        },
      );
      expect(result.stderr).toBe('');
      expect(result.code).toBe(0);
      const history = JSON.parse(fs.readFileSync(path.join(dir, `out-${model.name}`, 'history.json'), 'utf8'));
      expect(history.epochs).toHaveLength(1);
      for (const head of model.heads) expect(Number.isFinite(history.epochs[0].taskLoss[head.name])).toBe(true);
    }
  });
}
