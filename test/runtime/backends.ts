/** Helpers of the backend tests: deterministic data, one computation run on cpu and on wasm, and their distance. */
import { expect } from 'vitest';
import * as tf from '@tensorflow/tfjs';

/** Deterministic values in [-0.5, 0.5). */
export function values(n: number, seed: number): Float32Array {
  const out = new Float32Array(n);
  let s = seed;
  for (let i = 0; i < n; i++) {
    s = (s * 1103515245 + 12345) % 2147483648;
    out[i] = s / 2147483648 - 0.5;
  }
  return out;
}

/** Runs `f` on the cpu backend, then on wasm, and returns both results as plain arrays. */
export async function onBoth(f: () => tf.Tensor): Promise<{ cpu: Float32Array; wasm: Float32Array; shape: number[] }> {
  await tf.setBackend('cpu');
  const c = f();
  const cpu = (await c.data()) as Float32Array;
  c.dispose();
  await tf.setBackend('wasm');
  const w = f();
  const wasm = (await w.data()) as Float32Array;
  const shape = w.shape;
  w.dispose();
  expect(wasm.length).toBe(cpu.length);
  return { cpu, wasm, shape };
}

/** The largest difference between `expected` and `actual`, relative to the largest magnitude of `expected`. */
export function relativeError(expected: Float32Array, actual: Float32Array): number {
  expect(actual.length).toBe(expected.length);
  let scale = 0;
  let diff = 0;
  for (let i = 0; i < expected.length; i++) {
    scale = Math.max(scale, Math.abs(expected[i]!));
    diff = Math.max(diff, Math.abs(expected[i]! - actual[i]!));
  }
  return diff / Math.max(scale, 1e-30);
}
