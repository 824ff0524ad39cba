import { beforeAll, describe, expect, it } from 'vitest';
import * as tf from '@tensorflow/tfjs';
import type { CheckedModel } from '../../compiler/ir.js';
import { planModel } from '../../compiler/plan.js';
import { lowerModel } from '../../runtime/model/lower.js';
import { FIXTURES, mmoeModel, pleModel, seedModel } from './fixtures.js';

beforeAll(async () => {
  await tf.setBackend('cpu');
});

/** A batch of zeros (ids 0) for every model input. */
function zerosFor(model: tf.LayersModel, batch: number): tf.Tensor[] {
  return model.inputs.map((i) => tf.zeros([batch, ...(i.shape.slice(1) as number[])], i.dtype));
}

describe('lowerModel', () => {
  for (const [name, make] of Object.entries(FIXTURES)) {
    it(`lowers the ${name} fixture to outputs named after its heads with the IR's shapes`, () => {
      const checked: CheckedModel = make();
      const model = lowerModel(checked);
      expect(model.outputNames).toEqual(checked.heads.map((h) => h.name));
      const xs = zerosFor(model, 3);
      const ys = tf.tidy(() => [model.predict(xs)].flat() as tf.Tensor[]);
      expect(ys.map((y) => y.shape)).toEqual(checked.heads.map((h) => [3, ...h.task.outShape]));
      tf.dispose([...xs, ...ys]);
      model.dispose();
    });
  }

  it('names every IR layer after its id', () => {
    const model = lowerModel(seedModel());
    expect(model.layers.map((l) => l.name)).toEqual(['x', 'shared/dense_1', 'task1', 'task2']);
    model.dispose();
  });

  it('gives every expert of a gate its own layers', () => {
    const names = planModel(mmoeModel()).steps.map((s) => s.name);
    expect(names.filter((n) => n.endsWith('/dense_2') && n.startsWith('moe/expert_'))).toEqual([
      'moe/expert_1/dense_2',
      'moe/expert_2/dense_2',
      'moe/expert_3/dense_2',
      'moe/expert_4/dense_2',
    ]);
    expect(names).toContain('moe/income/gate');
    expect(names).toContain('moe/marital/gate');
  });

  it('stacks PLE levels, with a shared gate only below the last level', () => {
    const names = planModel(pleModel()).steps.map((s) => s.name);
    expect(names.filter((n) => n.endsWith('/gate'))).toEqual([
      'moe/level_1/income/gate',
      'moe/level_1/marital/gate',
      'moe/level_1/shared/gate',
      'moe/level_2/income/gate',
      'moe/level_2/marital/gate',
    ]);
  });

  it('mixes MMoE experts with gate weights that sum to 1 for every head and row', () => {
    const model = lowerModel(mmoeModel());
    const gates = ['moe/income/gate', 'moe/marital/gate'].map((n) => model.getLayer(n).output as tf.SymbolicTensor);
    const probe = tf.model({ inputs: model.inputs, outputs: gates });
    const x = tf.randomNormal([5, 64], 0, 1, 'float32', 7);
    const weights = probe.predict(x) as tf.Tensor[];
    for (const w of weights) {
      expect(w.shape).toEqual([5, 4]);
      const sums = w.sum(1).arraySync() as number[];
      for (const s of sums) expect(s).toBeCloseTo(1, 5);
    }
    tf.dispose([x, ...weights]);
    model.dispose();
  });

  it('computes the mixture as the gate-weighted sum of the experts', () => {
    const model = lowerModel(mmoeModel());
    const expertOuts = [1, 2, 3, 4].map((i) => model.getLayer(`moe/expert_${i}/dense_2`).output as tf.SymbolicTensor);
    const gate = model.getLayer('moe/income/gate').output as tf.SymbolicTensor;
    const mix = model.getLayer('moe/income/mix').output as tf.SymbolicTensor;
    const probe = tf.model({ inputs: model.inputs, outputs: [...expertOuts, gate, mix] });
    const x = tf.randomNormal([3, 64], 0, 1, 'float32', 3);
    const outs = probe.predict(x) as tf.Tensor[];
    const [e1, e2, e3, e4, g, m] = outs as [tf.Tensor2D, tf.Tensor2D, tf.Tensor2D, tf.Tensor2D, tf.Tensor2D, tf.Tensor2D];
    const expected = tf.tidy(() => [e1, e2, e3, e4].reduce((acc, e, i) => acc.add(e.mul(g.slice([0, i], [-1, 1]))), tf.zerosLike(e1)));
    expect(tf.max(tf.abs(expected.sub(m))).arraySync()).toBeLessThan(1e-5);
    tf.dispose([x, ...outs, expected]);
    model.dispose();
  });

  it('starts from the same weights for the same seed, and different ones for another', () => {
    const a = lowerModel(seedModel());
    const b = lowerModel(seedModel());
    const c = lowerModel(seedModel(), { seed: 7 });
    const [ka, kb, kc] = [a, b, c].map((m) => m.getLayer('shared/dense_1').getWeights()[0]!.dataSync());
    expect(Array.from(ka!)).toEqual(Array.from(kb!));
    expect(Array.from(ka!)).not.toEqual(Array.from(kc!));
    [a, b, c].forEach((m) => m.dispose());
  });

  it('saves and loads with standard TensorFlow.js, predicting the same', async () => {
    const model = lowerModel(pleModel());
    let artifacts: tf.io.ModelArtifacts | undefined;
    await model.save(
      tf.io.withSaveHandler(async (a) => {
        artifacts = a;
        return { modelArtifactsInfo: { dateSaved: new Date(), modelTopologyType: 'JSON' } };
      }),
    );
    const loaded = await tf.loadLayersModel(tf.io.fromMemory(artifacts!));
    const x = tf.randomNormal([4, 64], 0, 1, 'float32', 1);
    const before = model.predict(x) as tf.Tensor[];
    const after = loaded.predict(x) as tf.Tensor[];
    for (let i = 0; i < before.length; i++) expect(Array.from(after[i]!.dataSync())).toEqual(Array.from(before[i]!.dataSync()));
    tf.dispose([x, ...before, ...after]);
    model.dispose();
    loaded.dispose();
  });
});
