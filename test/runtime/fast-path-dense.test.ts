import { beforeAll, describe, expect, it } from 'vitest';
import * as tf from '@tensorflow/tfjs';
import { setupBackend } from '../../runtime/backend/index.js';
import { fusedDense, installFusedDense, uninstallFusedDense } from '../../runtime/accel/fused-dense.js';
import { relativeError, values } from './backends.js';

/** x `[rows, 5]`, w `[5, units]`, b `[units]` and a fixed upstream gradient, as fresh tensors. */
function operands(rows = 6, units = 4) {
  return {
    x: tf.tensor2d(values(rows * 5, 1), [rows, 5]),
    w: tf.tensor2d(values(5 * units, 2), [5, units]),
    b: tf.tensor1d(values(units, 3)),
    up: tf.tensor2d(values(rows * units, 4), [rows, units]),
  };
}

/** The output and the gradients with respect to x, w and b, concatenated. */
function outputAndGrads(
  layer: (x: tf.Tensor2D, w: tf.Tensor2D, b: tf.Tensor1D) => tf.Tensor2D,
  rows?: number,
  units?: number,
): Float32Array {
  const { x, w, b, up } = operands(rows, units);
  const out = tf.tidy(() => {
    const y = layer(x, w, b);
    const g = tf.grads((xx: tf.Tensor, ww: tf.Tensor, bb: tf.Tensor) =>
      layer(xx as tf.Tensor2D, ww as tf.Tensor2D, bb as tf.Tensor1D)
        .mul(up)
        .sum(),
    )([x, w, b]);
    return tf.concat([y.flatten(), ...g.map((t) => t.flatten())]);
  });
  const result = out.dataSync() as Float32Array;
  tf.dispose([out, x, w, b, up]);
  return result;
}

const stock =
  (activation: 'relu' | 'linear') =>
  (x: tf.Tensor2D, w: tf.Tensor2D, b: tf.Tensor1D): tf.Tensor2D =>
    tf.fused.matMul({ a: x, b: w, bias: b, activation }) as tf.Tensor2D;

beforeAll(async () => {
  await setupBackend('wasm');
});

describe('fusedDense', () => {
  for (const backend of ['wasm', 'cpu']) {
    it(`gives tfjs' fused matmul output and gradients bit for bit, linear, on ${backend}`, async () => {
      await tf.setBackend(backend);
      // Under a tape tfjs fuses linear only: there its fused kernel and gradient are the reference.
      expect(outputAndGrads((x, w, b) => fusedDense(x, w, b, 'linear'))).toEqual(outputAndGrads(stock('linear')));
    });

    it(`gives tfjs' fused matmul gradients bit for bit on a batch of 300 rows (long bias sums), on ${backend}`, async () => {
      await tf.setBackend(backend);
      expect(outputAndGrads((x, w, b) => fusedDense(x, w, b, 'linear'), 300, 37)).toEqual(outputAndGrads(stock('linear'), 300, 37));
    });

    it(`sums the bias gradient bit for bit when the rows are not a multiple of four (the sums' tail), on ${backend}`, async () => {
      await tf.setBackend(backend);
      for (const rows of [2, 3, 301, 303]) {
        expect(outputAndGrads((x, w, b) => fusedDense(x, w, b, 'linear'), rows, 37)).toEqual(outputAndGrads(stock('linear'), rows, 37));
      }
    });

    it(`takes the gradient of a one-row batch (the last batch of an epoch may have one row), on ${backend}`, async () => {
      await tf.setBackend(backend);
      for (const activation of ['linear', 'relu'] as const) {
        expect(outputAndGrads((x, w, b) => fusedDense(x, w, b, activation), 1, 37)).toEqual(outputAndGrads(stock(activation), 1, 37));
      }
      // The backend still works afterwards (a double free used to corrupt wasm memory here).
      expect(Array.from(await tf.tensor1d([7, 8, 9]).add(1).data())).toEqual([8, 9, 10]);
    });

    it(`gives relu gradients bit for bit as tfjs-core's fused-matmul gradient computes them, on ${backend}`, async () => {
      await tf.setBackend(backend);
      const { x, w, b, up } = operands(300, 37);
      const out = tf.tidy(() => {
        const y = fusedDense(x, w, b, 'relu');
        const [gx, gw, gb] = tf.grads((xx: tf.Tensor, ww: tf.Tensor, bb: tf.Tensor) =>
          fusedDense(xx as tf.Tensor2D, ww as tf.Tensor2D, bb as tf.Tensor1D, 'relu')
            .mul(up)
            .sum(),
        )([x, w, b]);
        // getFusedDyActivation, then the matmuls and the bias sum of fusedMatMul's gradient.
        const dyA = tf.mul(up, tf.step(y));
        const expected = [tf.matMul(dyA, w, false, true), tf.matMul(x, dyA, true, false), tf.sum(dyA, 0)];
        return [tf.concat([gx!.flatten(), gw!.flatten(), gb!.flatten()]), tf.concat(expected.map((t) => t.flatten()))];
      });
      expect(Array.from(out[0]!.dataSync())).toEqual(Array.from(out[1]!.dataSync()));
      tf.dispose([...out, x, w, b, up]);
    });

    it(`gives the output and gradients of matmul + bias + relu, on ${backend}`, async () => {
      await tf.setBackend(backend);
      const fused = outputAndGrads((x, w, b) => fusedDense(x, w, b, 'relu'));
      const separate = outputAndGrads(stock('relu'));
      // Bias inside the matmul instead of after it: float32 rounding apart at most.
      expect(relativeError(fused, separate)).toBeLessThan(1e-6);
    });
  }

  it('leaves the tensor count and the wasm buffers as they were', async () => {
    await tf.setBackend('wasm');
    const { x, w, b, up } = operands();
    const step = (): void => {
      const g = tf.tidy(() =>
        tf.addN(
          tf
            .grads((ww: tf.Tensor, bb: tf.Tensor) =>
              fusedDense(x, ww as tf.Tensor2D, bb as tf.Tensor1D, 'relu')
                .mul(up)
                .sum(),
            )([w, b])
            .map((t) => t.sum()),
        ),
      );
      g.dataSync();
      g.dispose();
    };
    step();
    const before = [tf.memory().numTensors, tf.engine().backend.numDataIds()];
    for (let i = 0; i < 5; i++) step();
    expect([tf.memory().numTensors, tf.engine().backend.numDataIds()]).toEqual(before);
    tf.dispose([x, w, b, up]);
  });
});

describe('installFusedDense', () => {
  /** A small model with relu, linear and softmax dense layers and one dense layer on 3-D input. */
  function model(seed: number): tf.LayersModel {
    const init = (s: number) => tf.initializers.glorotUniform({ seed: seed + s });
    const x = tf.input({ shape: [6] });
    const h = tf.layers.dense({ units: 8, activation: 'relu', kernelInitializer: init(1) }).apply(x) as tf.SymbolicTensor;
    const l = tf.layers.dense({ units: 5, kernelInitializer: init(2) }).apply(h) as tf.SymbolicTensor;
    const p = tf.layers.dense({ units: 3, activation: 'softmax', kernelInitializer: init(3) }).apply(l) as tf.SymbolicTensor;
    const seq = tf.layers.reshape({ targetShape: [2, 3] }).apply(x) as tf.SymbolicTensor;
    const s = tf.layers.dense({ units: 2, activation: 'relu', kernelInitializer: init(4) }).apply(seq) as tf.SymbolicTensor;
    return tf.model({ inputs: x, outputs: [p, s] });
  }

  /** Outputs in training mode and the gradients of a fixed combination of them, flattened. */
  function run(m: tf.LayersModel): Float32Array {
    const x = tf.tensor2d(values(4 * 6, 9), [4, 6]);
    const out = tf.tidy(() => {
      const f = () => {
        const [p, s] = m.apply(x, { training: true }) as tf.Tensor[];
        return p!.log().sum().add(s!.square().sum()) as tf.Scalar;
      };
      const { value, grads } = tf.variableGrads(
        f,
        m.trainableWeights.map((w) => w.read() as tf.Variable),
      );
      return tf.concat([value.reshape([1]), ...Object.values(grads).map((g) => g.flatten())]);
    });
    const result = out.dataSync() as Float32Array;
    tf.dispose([out, x]);
    return result;
  }

  it('trains the same function: loss and every weight gradient agree with the unpatched model', async () => {
    await tf.setBackend('wasm');
    const m = model(5);
    uninstallFusedDense();
    let plain: Float32Array;
    try {
      plain = run(m);
    } finally {
      installFusedDense();
    }
    expect(relativeError(plain, run(m))).toBeLessThan(1e-6);
    m.dispose();
  });

  it('runs each 2-D dense layer as one kernel forward', async () => {
    await tf.setBackend('wasm');
    const m = model(6);
    const x = tf.ones([2, 6]);
    const profile = await tf.profile(() => tf.tidy(() => m.apply(x, { training: true }) as tf.Tensor[]));
    expect(profile.kernels.filter((k) => k.name === 'MtlDense')).toHaveLength(3);
    expect(profile.kernelNames).not.toContain('Relu');
    m.dispose();
    x.dispose();
  });
});
