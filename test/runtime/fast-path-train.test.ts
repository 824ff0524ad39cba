import { beforeAll, describe, expect, it } from 'vitest';
import * as tf from '@tensorflow/tfjs';
import { syntheticData } from '../../bench/synthetic.js';
import type { CheckedModel } from '../../compiler/ir.js';
import { setupBackend } from '../../runtime/backend/index.js';
import { lowerModel } from '../../runtime/model/lower.js';
import { train } from '../../runtime/train/loop.js';
import { mmoeModel, multiInputModel, seedModel, textModel } from './fixtures.js';

/** Trains `checked` for `epochs` epochs on random data; live tensors and wasm buffers after each epoch. */
async function footprints(checked: CheckedModel, epochs: number): Promise<{ tensors: number[]; buffers: number[] }> {
  const model = lowerModel(checked);
  const data = syntheticData(checked, 96, 5);
  const record = { tensors: [] as number[], buffers: [] as number[] };
  await train(
    model,
    checked,
    { train: data },
    {
      epochs,
      batch: 32,
      onEpoch: () => {
        record.tensors.push(tf.memory().numTensors);
        record.buffers.push(tf.engine().backend.numDataIds());
      },
    },
  );
  model.dispose();
  return record;
}

beforeAll(async () => {
  expect(await setupBackend('wasm')).toBe('wasm');
});

describe('training on the wasm fast path', () => {
  const models: Record<string, () => CheckedModel> = {
    'the seed model': seedModel,
    'an MMoE': mmoeModel,
    'a conv2d model with two inputs': multiInputModel,
    'an embedding + LSTM model': textModel,
  };
  for (const [name, make] of Object.entries(models)) {
    it(`holds as many tensors and wasm buffers after epoch 4 as after epoch 1: ${name}`, async () => {
      const { tensors, buffers } = await footprints(make(), 4);
      expect(tensors).toEqual(tensors.map(() => tensors[0]));
      expect(buffers).toEqual(buffers.map(() => buffers[0]));
    });
  }

  it('runs its dense layers, loss and optimizer through the fused kernels on the tape path', async () => {
    const checked = seedModel();
    const model = lowerModel(checked);
    const data = syntheticData(checked, 32, 6);
    await train(model, checked, { train: data }, { epochs: 1, batch: 32, compiledStep: false });
    const profile = await tf.profile(async () => {
      await train(model, checked, { train: data }, { epochs: 1, batch: 32, compiledStep: false });
    });
    for (const kernel of ['MtlDense', 'MtlDenseGrad', 'MtlMaskedLoss', 'MtlMaskedLossGrad', 'MtlFusedAdam'])
      expect(profile.kernelNames).toContain(kernel);
    model.dispose();
  });

  /** Reads from the backend during a 3-epoch run of 10 steps per epoch. */
  async function readsWhileTraining(compiledStep: boolean): Promise<number> {
    const checked = seedModel();
    const model = lowerModel(checked);
    const data = syntheticData(checked, 320, 8);
    // The wasm backend's async read() is its readSync(): counting readSync counts both.
    const backend = tf.engine().backend as tf.KernelBackend & { readSync(id: object): unknown };
    const readSync = backend.readSync;
    let reads = 0;
    backend.readSync = function (this: unknown, id: object) {
      reads++;
      return readSync.call(this, id);
    } as typeof readSync;
    try {
      await train(model, checked, { train: data }, { epochs: 3, batch: 32, compiledStep });
    } finally {
      backend.readSync = readSync;
      model.dispose();
    }
    return reads;
  }

  it('reads nothing back from the backend on the tape path but the loss sums, once per epoch', async () => {
    expect(await readsWhileTraining(false)).toBe(3);
  });

  it('reads nothing back from the backend in the compiled step, whose losses are on the host', async () => {
    expect(await readsWhileTraining(true)).toBe(0);
  });

  it('learns on wasm as it does on cpu: the same losses to float32 rounding', async () => {
    const losses = async (backend: string): Promise<number[]> => {
      await tf.setBackend(backend);
      const checked = seedModel();
      const model = lowerModel(checked);
      const history = await train(model, checked, { train: syntheticData(checked, 128, 7) }, { epochs: 3, batch: 32 });
      model.dispose();
      return history.epochs.map((e) => e.loss);
    };
    const cpu = await losses('cpu');
    const wasm = await losses('wasm');
    wasm.forEach((l, i) => expect(Math.abs(l - cpu[i]!)).toBeLessThan(1e-4 * Math.abs(cpu[i]!)));
    expect(wasm[2]!).toBeLessThan(wasm[0]!);
  });
});
