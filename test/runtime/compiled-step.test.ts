import { execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import * as tf from '@tensorflow/tfjs';
import { syntheticData } from '../../bench/synthetic.js';
import { compile } from '../../compiler/compile.js';
import type { CheckedModel } from '../../compiler/ir.js';
import type { Dataset } from '../../runtime/data/dataset.js';
import { setupBackend } from '../../runtime/backend.js';
import { lowerModel } from '../../runtime/lower.js';
import { headsInOutputOrder } from '../../runtime/train/batch.js';
import { compileDenseStep } from '../../runtime/train/compiled-step.js';
import { splitVariables, train } from '../../runtime/train/loop.js';
import { createOptimizer } from '../../runtime/train/optimizers.js';
import { createStrategy } from '../../runtime/train/weighting.js';
// @ts-expect-error: a build script, plain JavaScript
import { compileKernels } from '../../scripts/train-kernels.mjs';

function checkSource(source: string): CheckedModel {
  const result = compile('test.mtl', source, { readFile: () => undefined });
  expect(result.diagnostics).toEqual([]);
  return result.models[0]!;
}

/**
 * Two inputs side by side under a trunk whose last layer is linear; on it a softmax head, a
 * sigmoid head behind a tower of its own and a mean-squared-error head, with weights other than 1.
 * Batches of 16 over 97 rows end with a one-row batch.
 */
const TOWERS = `model Towers {
  input x: float[12]
  input z: float[3]
  trunk shared = concat(x, z) -> dense(16, relu) -> dense(8)
  head kind = shared -> classify(4)
  head flag = shared -> dense(6, relu) -> binary()
  head size = shared -> regress(2)
  weights { kind: 0.7, flag: 1.3, size: 0.5 }
  train { optimizer: adam(lr: 0.01), batch: 16 }
}`;

/** An MMoE whose experts are two layers deep, under a classification and a regression head. */
const MOE = `model Moe {
  input x: float[10]
  gate moe = mmoe(x, experts: 3, expert: dense(8, relu) -> dense(6, relu))
  head kind = moe -> classify(3)
  head size = moe -> regress(1)
  train { optimizer: adam(lr: 0.01), batch: 16 }
}`;

/** `syntheticData` with about a third of each head's labels missing, their values NaN (which must never be read). */
function partlyLabelled(checked: CheckedModel, n: number, seed: number): Dataset {
  const data = syntheticData(checked, n, seed);
  for (const [h, column] of Object.entries(data.labels)) {
    const width = column.values.length / n;
    for (let r = (h.length % 3); r < n; r += 3) {
      column.mask[r] = 0;
      column.values.fill(NaN, r * width, (r + 1) * width);
    }
  }
  return data;
}

/** Trains a fresh lowering of `checked` and returns what training leaves: history, weights, Adam's state. */
async function trained(checked: CheckedModel, data: Dataset, compiledStep: boolean, epochs = 3) {
  const model = lowerModel(checked);
  const optimizer = createOptimizer(checked.train.optimizer);
  const history = await train(model, checked, { train: data }, { epochs, optimizer, compiledStep });
  const weights = model.getWeights().map((w) => w.dataSync().slice());
  const state = (await optimizer.getWeights()).map((w) => w.tensor.dataSync().slice());
  optimizer.dispose();
  model.dispose();
  return { epochs: history.epochs, weights, state };
}

beforeAll(async () => {
  expect(await setupBackend('wasm')).toBe('wasm');
});

describe('the compiled dense step', () => {
  for (const optimizer of ['adam(lr: 0.01)', 'adamw(lr: 0.01, decay: 0.05)']) {
    it(`trains to the same bits as the tape path: losses, weights and optimizer state (${optimizer})`, async () => {
      const checked = checkSource(TOWERS.replace('adam(lr: 0.01)', optimizer));
      const data = partlyLabelled(checked, 97, 4);
      const tape = await trained(checked, data, false);
      const compiled = await trained(checked, data, true);
      expect(compiled.weights).toEqual(tape.weights);
      expect(compiled.state).toEqual(tape.state);
      expect(compiled.epochs).toEqual(tape.epochs);
      // It learnt something, and the NaN labels of the missing rows stayed out.
      expect(compiled.epochs[2]!.loss).toBeLessThan(compiled.epochs[0]!.loss);
      expect(compiled.weights.every((w) => w.every(Number.isFinite))).toBe(true);
    });
  }

  it('trains a gated model as the tape path does, to float32 rounding (the mixture sums in another order)', async () => {
    const checked = checkSource(MOE);
    const data = partlyLabelled(checked, 97, 6);
    const tape = await trained(checked, data, false);
    const compiled = await trained(checked, data, true);
    compiled.epochs.forEach((e, i) => expect(Math.abs(e.loss - tape.epochs[i]!.loss)).toBeLessThan(1e-6 * tape.epochs[i]!.loss));
    compiled.weights.forEach((w, i) => w.forEach((v, j) => expect(Math.abs(v - tape.weights[i]![j]!)).toBeLessThan(1e-6)));
    expect(compiled.epochs[2]!.loss).toBeLessThan(compiled.epochs[0]!.loss);
  });

  it('trains the seed model to the same bits as the tape path', async () => {
    const checked = checkSource(`model Seed {
      input x: float[100]
      trunk shared = x -> dense(64, relu)
      head task1 = shared -> classify(10)
      head task2 = shared -> classify(5)
    }`);
    const data = syntheticData(checked, 80, 9);
    expect((await trained(checked, data, true, 2)).weights).toEqual((await trained(checked, data, false, 2)).weights);
  });

  it('runs none of the tape path\'s kernels and leaves no tensors behind', async () => {
    const checked = checkSource(TOWERS);
    const model = lowerModel(checked);
    const data = partlyLabelled(checked, 64, 5);
    await train(model, checked, { train: data }, { epochs: 1 });
    const before = { tensors: tf.memory().numTensors, buffers: tf.engine().backend.numDataIds() };
    const profile = await tf.profile(() => train(model, checked, { train: data }, { epochs: 2 }));
    for (const kernel of ['MtlDense', 'MtlDenseGrad', 'MtlMaskedLoss', 'MtlFusedAdam', '_FusedMatMul']) expect(profile.kernelNames).not.toContain(kernel);
    expect({ tensors: tf.memory().numTensors, buffers: tf.engine().backend.numDataIds() }).toEqual(before);
    model.dispose();
  });

  describe('is used only where it computes what the tape path does', () => {
    const eligible = (checked: CheckedModel, optimizer = createOptimizer(checked.train.optimizer)): boolean => {
      const model = lowerModel(checked);
      const heads = headsInOutputOrder(model, checked.heads);
      const split = splitVariables(model, checked, heads.map((h) => h.name));
      const step = compileDenseStep(model, heads, split.all, optimizer, createStrategy(checked), checked.train.batch);
      step?.dispose();
      optimizer.dispose();
      model.dispose();
      return step !== undefined;
    };
    const withTrunk = (trunk: string, extra = '', heads = 'head a = t -> classify(3)\n  head b = t -> binary()') =>
      checkSource(`model M {\n  input x: float[8]\n  trunk t = x -> ${trunk}\n  ${heads}\n  ${extra}\n}`);

    it('takes dense models with relu or linear layers and cross-entropy or squared-error heads, and gated models', () => {
      expect(eligible(withTrunk('dense(8, relu) -> dense(4)'))).toBe(true);
      expect(eligible(withTrunk('dense(8, relu)', '', 'head a = t -> classify(3)\n  head r = t -> regress(1)'))).toBe(true);
      expect(eligible(checkSource(MOE))).toBe(true);
    });
    it('leaves other layers, activations and losses to the tape path', () => {
      expect(eligible(withTrunk('dense(8, relu) -> dropout(0.2)'))).toBe(false);
      expect(eligible(withTrunk('dense(8, tanh)'))).toBe(false);
      expect(eligible(withTrunk('dense(8, relu)', '', 'head a = t -> classify(3)\n  head r = t -> regress(1) { loss: huber(1.0) }'))).toBe(false);
    });
    it('leaves adaptive weighting and optimizers other than Adam and AdamW to the tape path', () => {
      expect(eligible(withTrunk('dense(8, relu)', 'train { optimizer: adamw(lr: 0.001, decay: 0.01) }'))).toBe(true);
      expect(eligible(withTrunk('dense(8, relu)', 'weighting uncertainty'))).toBe(false);
      expect(eligible(withTrunk('dense(8, relu)', 'train { optimizer: sgd(lr: 0.1) }'))).toBe(false);
      expect(eligible(withTrunk('dense(8, relu)', 'train { optimizer: rmsprop(lr: 0.01) }'))).toBe(false);
    });
    it('leaves backends other than wasm to the tape path', async () => {
      await tf.setBackend('cpu');
      try {
        expect(eligible(withTrunk('dense(8, relu)'))).toBe(false);
      } finally {
        await tf.setBackend('wasm');
      }
    });
  });

  const clang = ['clang-14', 'clang'].find((name) => {
    try {
      execFileSync(name, ['--version'], { stdio: 'ignore' });
      return true;
    } catch {
      return false;
    }
  });
  if (clang === undefined) console.log('skipped: the committed train-kernels.wasm is not rebuilt from its C source: clang is not installed (.ci/run installs it)');
  it.skipIf(clang === undefined)('is built from the committed C source: rebuilding gives the committed kernels', () => {
    const out = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'mtl-kernels-')), 'train-kernels.wasm');
    compileKernels(out);
    expect(fs.readFileSync(out).equals(fs.readFileSync(new URL('../../runtime/kernels/train-kernels.wasm', import.meta.url)))).toBe(true);
  });
});
