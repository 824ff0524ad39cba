import { describe, expect, it } from 'vitest';
import { check, compileText } from '../../helpers/check.js';

const head = (pipeline: string) => `model M {\n  input x: float[10]\n  head h = x -> ${pipeline} -> regress(1)\n}\n`;

/** `block b0 = dense(4)`, then `depth` blocks that each call the one before twice. */
function doubling(depth: number): string {
  const blocks = Array.from({ length: depth }, (_, i) => `block b${i + 1} = b${i} -> b${i}`);
  return ['block b0 = dense(4)', ...blocks, ''].join('\n');
}

describe('limits: every file is checked in bounded time and memory', () => {
  it('counts a block before inlining it, and reports the one that grows too large and each use of it', () => {
    const started = performance.now();
    const text = `${doubling(40)}${head('b40')}`;
    expect(check(text)).toEqual([
      { code: 'MTL0180', range: '15:20-15:23', message: 'inlining block "b13" here makes 16,384 layers; a model holds at most 10,000' },
      {
        code: 'MTL0180',
        range: '44:17-44:20',
        message: 'inlining block "b40" here makes 1,099,511,627,776 layers; a model holds at most 10,000',
      },
    ]);
    expect(performance.now() - started).toBeLessThan(2000);
  });

  it('counts the layers already in the model', () => {
    expect(check(`${doubling(12)}${head('b12 -> b12 -> b12')}`)).toEqual([
      { code: 'MTL0180', range: '16:31-16:34', message: 'inlining block "b12" here makes 12,288 layers; a model holds at most 10,000' },
    ]);
  });

  it('bounds the experts and levels of a gate', () => {
    const gate = (call: string) =>
      `model M {\n  input x: float[4]\n  gate g = ${call}\n  head a = g -> regress(1)\n  head b = g -> regress(1)\n}\n`;
    expect(check(gate('mmoe(x, experts: 1000000, expert: dense(4))'))).toEqual([
      { code: 'MTL0207', range: '3:29-3:36', message: 'mmoe argument "experts" must be an integer in [1, 256], got 1000000' },
    ]);
    expect(check(gate('ple(x, levels: 100000, expert: dense(4))'))).toEqual([
      { code: 'MTL0207', range: '3:27-3:33', message: 'ple argument "levels" must be an integer in [1, 16], got 100000' },
    ]);
    expect(check(gate('ple(x, levels: 16, shared: 256, specific: 256, expert: dense(4) -> dense(4))'))).toEqual([
      { code: 'MTL0380', range: '1:7-1:8', message: 'model "M" has 24,578 layers once blocks and experts are expanded; at most 10,000' },
    ]);
  });

  it('refuses a tensor row over 2^24 values and a model over 2^29 parameters, and warns from 50 million', () => {
    expect(check(head('dense(100000000)'))).toEqual([
      {
        code: 'MTL0381',
        range: '3:17-3:33',
        message: 'the output of dense holds 100,000,000 values per row; at most 16,777,216 (67 MB of float32)',
      },
    ]);
    expect(check('model M {\n  input x: float[20000, 1000]\n  head h = x -> globalpool() -> regress(1)\n}\n')).toEqual([
      { code: 'MTL0381', range: '2:3-2:30', message: 'input "x" holds 20,000,000 values per row; at most 16,777,216 (67 MB of float32)' },
    ]);
    const wide = (units: number) => `model M {\n  input x: float[100000]\n  head h = x -> dense(${units}) -> regress(1)\n}\n`;
    expect(check(wide(10000))).toEqual([
      {
        code: 'MTL0382',
        range: '1:7-1:8',
        message: 'model "M" has 1,000,020,001 parameters (4.0 GB of float32 weights); mtlc builds at most 536,870,912 (2.1 GB)',
      },
    ]);
    expect(check(wide(1000))).toEqual([
      {
        code: 'MTL0980',
        range: '1:7-1:8',
        message: 'model "M" has 100,002,001 parameters: 400 MB of weights, about 1.6 GB of memory to train',
      },
    ]);
    expect(compileText(wide(1000)).models).toHaveLength(1);
  });

  it('refuses numbers that float32 cannot hold, as written or computed', () => {
    expect(check(`model M {\n  input x: float[4]\n  head a = x -> regress(1)\n  train { optimizer: adam(lr: 1e400) }\n}\n`)).toEqual([
      {
        code: 'MTL0280',
        range: '4:31-4:36',
        message: '1e400 is out of range: numbers must be finite 32-bit floats (at most about ±3.4e38)',
      },
    ]);
    expect(check(`model M {\n  input x: float[4]\n  head a = x -> regress(1)\n  weights { a: 1e38 * 10 }\n}\n`)).toEqual([
      {
        code: 'MTL0280',
        range: '4:16-4:25',
        message: 'the result is out of range: numbers must be finite 32-bit floats (at most about ±3.4e38)',
      },
    ]);
  });

  it('reports a division by zero inside a block, whatever its parameters', () => {
    const result = compileText(`block b(u: int) = dense(u / 0)\n${head('b(3)')}`);
    expect(result.diagnostics.map((d) => d.code)).toEqual(['MTL0210']);
  });
});
