/**
 * Local workers sum through shared memory (the emitted SharedMemorySum): on 3 workers, a long series
 * of sums of many shapes and both float types gives what gloo's all-reduce gives, the same bits on
 * every worker, and a tensor larger than the buffers still sums, through the process group; whether
 * the workers meet at a barrier or by watching each other's counters (x86). The workers' side is
 * shared_sum.py.
 */
import { spawnSync } from 'node:child_process';
import * as path from 'node:path';
import { describe, expect, it } from 'vitest';
import { workspace } from '../cli/model-run.js';
import { PYTHON, torchMissing, writePackage } from './torch.js';

const MODEL = `model Pair {
  input x: float[3]
  trunk shared = x -> dense(8, relu)
  head a = shared -> regress(1)
  head b = shared -> binary()
}
`;

const missing = torchMissing();

describe.skipIf(missing !== undefined)('the sum over local workers', () => {
  it("is gloo's all-reduce, through shared memory for every tensor that fits its buffers", async () => {
    const dir = workspace();
    await writePackage(dir, 'pair.mtl', MODEL);
    const run = spawnSync(PYTHON, [path.join(__dirname, 'shared_sum.py'), dir], { encoding: 'utf8', timeout: 120_000 });
    expect(run.stderr).toBe('');
    const results = JSON.parse(run.stdout) as Record<string, Record<string, unknown>>;
    // Workers watch each other's counters on x86 only; the barrier is tested everywhere.
    expect(Object.keys(results)).toEqual(process.arch === 'x64' ? ['barrier', 'watching'] : ['barrier']);
    for (const result of Object.values(results)) {
      // Of the 32 sums, 8 do not fit buffers of 8,000 bytes: 2,001 float32 numbers, 2,000 float64
      // (2,000 float32 and 1,000 float64 do fit).
      expect(result['sums_in_shared_memory']).toEqual([24, 24, 24]);
      expect(result['same_on_every_worker']).toBe(true);
      expect(result['largest_difference_from_gloo']).toBeLessThan(1e-5);
      expect(result['largest_difference_from_exact']).toBeLessThan(1e-5);
    }
  });
});
