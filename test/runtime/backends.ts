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

/** Runs `f` on `backend`; its outputs' values (copies) and shapes, the tensors disposed. */
async function runOn(backend: string, f: () => tf.Tensor[]): Promise<{ values: tf.TypedArray[]; shapes: number[][] }> {
  await tf.setBackend(backend);
  const outputs = f();
  const values = outputs.map((t) => t.dataSync());
  const shapes = outputs.map((t) => t.shape);
  tf.dispose(outputs);
  return { values, shapes };
}

/** Runs `f` on the cpu backend, then on wasm, and returns both results as plain arrays. */
export async function onBoth(f: () => tf.Tensor): Promise<{ cpu: Float32Array; wasm: Float32Array; shape: number[] }> {
  const cpu = (await runOn('cpu', () => [f()])).values[0] as Float32Array;
  const wasm = await runOn('wasm', () => [f()]);
  expect(wasm.values[0]!.length).toBe(cpu.length);
  return { cpu, wasm: wasm.values[0] as Float32Array, shape: wasm.shapes[0]! };
}

/** Runs `f` on the cpu backend, then on wasm; each output of both as a plain array, and wasm's shapes. */
export async function onBothEach(f: () => tf.Tensor[]): Promise<{ cpu: number[][]; wasm: number[][]; shapes: number[][] }> {
  const cpu = await runOn('cpu', f);
  const wasm = await runOn('wasm', f);
  return { cpu: cpu.values.map((v) => Array.from(v)), wasm: wasm.values.map((v) => Array.from(v)), shapes: wasm.shapes };
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

/** Tensor and buffer counts of the cpu and wasm backends, to show that a kernel leaves nothing behind. */
export function footprint(): number[] {
  return [tf.memory().numTensors, tf.findBackend('cpu')!.numDataIds(), tf.findBackend('wasm')!.numDataIds()];
}
