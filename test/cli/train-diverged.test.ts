/** Training never saves a model that is not finite: it stops at the first NaN or infinite loss or weight (exit 1). */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { describe, expect, it } from 'vitest';
import { mtlc, workspace } from './model-run.js';

const MODEL = (optimizer: string) => `model R {
  input x: float[2]
  head mass = x -> dense(4, relu) -> regress(1) { normalize: false }
  train { epochs: 3, batch: 2, validation: 0, shuffle: false, optimizer: ${optimizer} }
}
`;

function project(optimizer: string, rows: string[]): string {
  const dir = workspace();
  fs.writeFileSync(path.join(dir, 'r.mtl'), MODEL(optimizer));
  fs.writeFileSync(path.join(dir, 'r.csv'), ['x_0,x_1,mass', ...rows, ''].join('\n'));
  return dir;
}

const ADVICE =
  'nothing was saved from this epoch on. Lower the learning rate, or bring features and labels to moderate values (normalize, smaller units)';

describe('training that diverges', () => {
  it('stops at the batch whose loss overflows float32, naming the epoch, the batch and the head', async () => {
    const dir = project('adam(lr: 0.001)', ['1,2,1', '2,3,2', '3,4,3e38', '4,5,4']);
    const result = await mtlc(['train', 'r.mtl', '--data', 'r.csv', '-o', 'out', '--quiet'], { cwd: dir });
    expect(result).toMatchObject({
      code: 1,
      stdout: '',
      stderr: `mtlc: training diverged in epoch 1, batch 2: the loss of head "mass" is not finite; ${ADVICE}\n`,
    });
    expect(fs.existsSync(path.join(dir, 'out', 'model.json'))).toBe(false);
  });

  it('stops when a learning rate that float32 holds still blows the weights up', async () => {
    const dir = project('sgd(lr: 1e30)', ['1,2,1', '2,3,2', '3,4,3', '4,5,4']);
    const result = await mtlc(['train', 'r.mtl', '--data', 'r.csv', '-o', 'out', '--quiet'], { cwd: dir });
    expect(result.code).toBe(1);
    expect(result.stderr).toMatch(
      /^mtlc: training diverged in epoch 1, batch \d: the (loss of head "mass" is not finite|weights are not finite after it); /,
    );
    expect(fs.existsSync(path.join(dir, 'out', 'model.json'))).toBe(false);
  });
});
