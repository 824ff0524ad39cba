import { beforeAll, describe, expect, it } from 'vitest';
import * as tf from '@tensorflow/tfjs';
import { setupBackend } from '../../runtime/backend/index.js';
import { FusedAdam, registerFusedAdam } from '../../runtime/accel/fused-adam.js';
import { values } from './backends.js';

/**
 * Five steps of `optimizer` on three variables (one without a gradient at step 3) and the
 * resulting variables and optimizer weights, flattened.
 */
async function run(
  optimizer: tf.AdamOptimizer,
  shapes: number[][] = [[7, 5], [5], [3, 2, 4]],
): Promise<{ variables: number[]; state: number[] }> {
  const variables = shapes.map((shape, i) => tf.variable(tf.tensor(values(tf.util.sizeFromShape(shape), 10 + i), shape)));
  for (let step = 0; step < 5; step++) {
    const grads = variables.map((v, i) => ({ name: v.name, tensor: tf.tensor(values(v.size, 100 * step + i), v.shape) }));
    // At step 3 the second variable has no gradient (a map entry of null): it keeps its value.
    if (step === 3)
      optimizer.applyGradients(
        Object.fromEntries(grads.map((g, i) => [g.name, i === 1 ? null : g.tensor])) as unknown as Parameters<
          tf.AdamOptimizer['applyGradients']
        >[0],
      );
    else optimizer.applyGradients(grads);
    tf.dispose(grads.map((g) => g.tensor));
  }
  const weights = await optimizer.getWeights();
  const result = {
    variables: variables.flatMap((v) => Array.from(v.dataSync())),
    state: weights.flatMap((w) => Array.from(w.tensor.dataSync())),
  };
  tf.dispose(weights.slice(0, 1).map((w) => w.tensor));
  tf.dispose(variables);
  optimizer.dispose();
  return result;
}

describe('FusedAdam', () => {
  beforeAll(async () => {
    await setupBackend('wasm');
  });

  for (const backend of ['cpu', 'wasm']) {
    it(`updates variables and moments exactly as tf.train.adam does on ${backend}`, async () => {
      await tf.setBackend(backend);
      const fused = await run(new FusedAdam(0.01, 0.9, 0.999));
      const stock = await run(tf.train.adam(0.01, 0.9, 0.999));
      expect(fused.variables).toEqual(stock.variables);
      expect(fused.state).toEqual(stock.state);
    });
  }

  it('is bit-identical on wasm for variables of tens of thousands of values', async () => {
    await tf.setBackend('wasm');
    const shapes = [[300, 150], [20_000], [3, 2, 4], [70_000]];
    const fused = await run(new FusedAdam(0.01, 0.9, 0.999), shapes);
    const stock = await run(tf.train.adam(0.01, 0.9, 0.999), shapes);
    expect(fused.variables).toEqual(stock.variables);
    expect(fused.state).toEqual(stock.state);
  });

  it('uses one kernel call per step however many variables there are', async () => {
    await tf.setBackend('wasm');
    const variables = [tf.variable(tf.ones([4, 3])), tf.variable(tf.ones([3])), tf.variable(tf.ones([2, 2]))];
    const optimizer = new FusedAdam(0.1);
    const grads = variables.map((v) => ({ name: v.name, tensor: tf.onesLike(v) }));
    optimizer.applyGradients(grads);
    const profile = await tf.profile(() => optimizer.applyGradients(grads));
    expect(profile.kernelNames).toEqual(['MtlFusedAdam']);
    tf.dispose([...variables, ...grads.map((g) => g.tensor)]);
    optimizer.dispose();
  });

  it('keeps the tensor count and the wasm buffers constant from step to step', async () => {
    await tf.setBackend('wasm');
    const variable = tf.variable(tf.ones([16, 8]));
    const grad = tf.fill([16, 8], 0.5);
    const optimizer = new FusedAdam(0.1);
    optimizer.applyGradients([{ name: variable.name, tensor: grad }]);
    const before = [tf.memory().numTensors, tf.engine().backend.numDataIds()];
    for (let i = 0; i < 10; i++) optimizer.applyGradients([{ name: variable.name, tensor: grad }]);
    expect([tf.memory().numTensors, tf.engine().backend.numDataIds()]).toEqual(before);
    expect(optimizer.iterations).toBe(11);
    optimizer.dispose();
    tf.dispose([variable, grad]);
  });

  it('falls back to the stock update on a backend without the kernel', async () => {
    await tf.setBackend('cpu');
    tf.unregisterKernel('MtlFusedAdam', 'cpu');
    try {
      const fused = await run(new FusedAdam(0.01));
      const stock = await run(tf.train.adam(0.01));
      expect(fused.variables).toEqual(stock.variables);
    } finally {
      registerFusedAdam();
    }
  });
});
