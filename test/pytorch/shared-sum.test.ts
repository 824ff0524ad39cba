/**
 * Local workers sum through shared memory (the emitted SharedMemorySum): on 3 workers, a long series
 * of sums of many shapes and both float types gives what gloo's all-reduce gives, the same bits on
 * every worker, and a tensor larger than the buffers still sums, through the process group. The
 * workers' side is shared_sum.py.
 */
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { describe, expect, it } from 'vitest';
import { compile } from '../../compiler/compile.js';
import { emitPyTorch } from '../../compiler/index.js';
import { workspace } from '../cli/model-run.js';
import { PYTHON, torchMissing } from './torch.js';

const MODEL = `model Pair {
  input x: float[3]
  trunk shared = x -> dense(8, relu)
  head a = shared -> regress(1)
  head b = shared -> binary()
}
`;

const missing = torchMissing();

describe.skipIf(missing !== undefined)('the sum over local workers', () => {
  it("is gloo's all-reduce, through shared memory for every tensor that fits its buffers", () => {
    const dir = workspace();
    const model = compile('pair.mtl', MODEL).models[0]!;
    for (const file of emitPyTorch(model, { file: 'pair.mtl', text: MODEL })) fs.writeFileSync(path.join(dir, file.name), file.text);
    const run = spawnSync(PYTHON, [path.join(__dirname, 'shared_sum.py'), dir], { encoding: 'utf8', timeout: 120_000 });
    expect(run.stderr).toBe('');
    const result = JSON.parse(run.stdout) as Record<string, unknown>;
    // Of the 30 sums, the 5 of 1,001 numbers do not fit the buffers of 1,000.
    expect(result['sums_in_shared_memory']).toEqual([25, 25, 25]);
    expect(result['same_on_every_worker']).toBe(true);
    expect(result['largest_difference_from_gloo']).toBeLessThan(1e-5);
    expect(result['largest_difference_from_exact']).toBeLessThan(1e-5);
  });
});
