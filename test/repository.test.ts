/** The repository as a user clones it: licensed, and the files mtl's commands write left out of git. */
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { describe, expect, it } from 'vitest';

const root = path.resolve(__dirname, '..');

describe('the repository', () => {
  it('has the LICENSE that package.json names', () => {
    const license = (JSON.parse(fs.readFileSync(path.join(root, 'package.json'), 'utf8')) as { license: string }).license;
    expect(license).toBe('MIT');
    expect(fs.readFileSync(path.join(root, 'LICENSE'), 'utf8')).toMatch(/^MIT License\n/);
  });

  it('ignores what the commands of the README and docs/cli.md write', () => {
    // train and build (runs/, build/), tune (.tuned.mtl), data synthetic, predict --out, train --report.
    const outputs = [
      'runs/penguins/model.json',
      'build/Seed/model.json',
      'examples/penguins.tuned.mtl',
      'examples/data/synthetic.csv',
      'preds.csv',
      'preds.jsonl',
      'report.html',
    ];
    const ignored = spawnSync('git', ['check-ignore', '--no-index', ...outputs], { cwd: root, encoding: 'utf8' });
    expect(ignored.stdout.split('\n').filter(Boolean)).toEqual(outputs);
  });
});
