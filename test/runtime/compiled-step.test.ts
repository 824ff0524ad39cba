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
import { setupBackend } from '../../runtime/backend/index.js';
import { lowerModel } from '../../runtime/model/lower.js';
import { headsInOutputOrder } from '../../runtime/train/batch.js';
import { compileDenseStep } from '../../runtime/train/compiled/step.js';
import { splitVariables, train } from '../../runtime/train/index.js';
import { createOptimizer } from '../../runtime/train/optimizers.js';
import { createStrategy } from '../../runtime/train/weighting/index.js';
import { trainKernels } from '../../runtime/accel/train-kernels.js';
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
    for (let r = h.length % 3; r < n; r += 3) {
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

  describe('dropout', () => {
    const DROPOUT = (rate: string) => `model Dropped {
  input x: float[20]
  trunk t = x -> dense(32, relu) -> dropout(${rate}) -> dense(16, relu)
  head a = t -> dense(8, relu) -> dropout(${rate}) -> classify(3)
  head b = t -> regress(1)
  train { optimizer: adam(lr: 0.01), batch: 16 }
}`;

    it('passes gradients through as the tape path does: with nothing dropped (rate 1e-9), the same bits', async () => {
      const checked = checkSource(DROPOUT('1e-9'));
      const data = partlyLabelled(checked, 97, 7);
      expect((await trained(checked, data, true)).weights).toEqual((await trained(checked, data, false)).weights);
    });

    it('draws its masks from the seed: the same run twice gives the same weights, another seed others', async () => {
      const checked = checkSource(DROPOUT('0.3'));
      const data = partlyLabelled(checked, 97, 8);
      const run = async (seed: number) => {
        const model = lowerModel(checked);
        const history = await train(model, checked, { train: data }, { epochs: 3, seed });
        const weights = model.getWeights().map((w) => Array.from(w.dataSync()));
        model.dispose();
        return { weights, loss: history.epochs.map((e) => e.loss) };
      };
      const [first, again, other] = [await run(1), await run(1), await run(2)];
      expect(again).toEqual(first);
      expect(other.weights).not.toEqual(first.weights);
      expect(first.loss[2]!).toBeLessThan(first.loss[0]!);
    });

    it('drops a unit on the way back exactly when it dropped it on the way forward', async () => {
      // One row, one Adam step: a weight moves if and only if its gradient is not exactly 0. Unit
      // k's outgoing weight moves iff the unit was kept (and active); its incoming weights must
      // move iff the backward mask kept it too.
      const checked = checkSource(`model One {
  input x: float[6]
  trunk t = x -> dense(64, relu) -> dropout(0.5)
  head y = t -> regress(1)
  train { optimizer: adam(lr: 0.01), batch: 1 }
}`);
      const model = lowerModel(checked);
      const before = model.getWeights().map((w) => Array.from(w.dataSync()));
      await train(model, checked, { train: syntheticData(checked, 1, 3) }, { epochs: 1 });
      const after = model.getWeights().map((w) => Array.from(w.dataSync()));
      model.dispose();
      const [w1, , w2] = [0, 1, 2].map((i) => ({ before: before[i]!, after: after[i]! }));
      const units = Array.from({ length: 64 }, (_, k) => k);
      const outgoing = units.map((k) => w2!.after[k] !== w2!.before[k]);
      const incoming = units.map((k) => Array.from({ length: 6 }, (_, i) => i * 64 + k).some((j) => w1!.after[j] !== w1!.before[j]));
      expect(incoming).toEqual(outgoing);
      const moved = outgoing.filter(Boolean).length;
      expect(moved).toBeGreaterThan(5);
      expect(moved).toBeLessThan(40);
    });

    it('keeps each value with probability 1 − rate, scaled by 1 / (1 − rate) in float32, and its gradient goes through the same mask', () => {
      const memory = new WebAssembly.Memory({ initial: 40 });
      const k = trainKernels(memory);
      const n = 100_000;
      const heap = new Float32Array(memory.buffer);
      const [x, out, mask, dy, dx] = [0, 1, 2, 3, 4].map((i) => i * n);
      heap.set(
        Float32Array.from({ length: n }, (_, i) => Math.sin(i) + 2),
        x,
      );
      heap.set(
        Float32Array.from({ length: n }, (_, i) => Math.cos(i)),
        dy,
      );
      const scale = Math.fround(1 / Math.fround(0.7));
      k.dropout(4 * x, 4 * out, 4 * mask, n, Math.round(0.3 * 2 ** 32) >>> 0, scale, 12345);
      let dropped = 0;
      const wrong = { mask: 0, out: 0, grad: 0 };
      for (let i = 0; i < n; i++) {
        const m = heap[mask + i]!;
        if (m !== 0 && m !== scale) wrong.mask++;
        if (m === 0) dropped++;
        if (heap[out + i] !== Math.fround(heap[x + i]! * m)) wrong.out++;
      }
      k.dropout_grad(4 * dy, 4 * mask, 4 * dx, n, 0);
      for (let i = 0; i < n; i++) if (heap[dx + i] !== Math.fround(heap[dy + i]! * heap[mask + i]!)) wrong.grad++;
      expect(wrong).toEqual({ mask: 0, out: 0, grad: 0 });
      expect(Math.abs(dropped / n - 0.3)).toBeLessThan(0.005);
      const first = heap.slice(mask, mask + n);
      k.dropout(4 * x, 4 * out, 4 * mask, n, Math.round(0.3 * 2 ** 32) >>> 0, scale, 12345);
      expect(heap.slice(mask, mask + n)).toEqual(first);
      k.dropout(4 * x, 4 * out, 4 * mask, n, Math.round(0.3 * 2 ** 32) >>> 0, scale, 12346);
      expect(heap.slice(mask, mask + n)).not.toEqual(first);
    });
  });

  it("runs none of the tape path's kernels and leaves no tensors behind", async () => {
    const checked = checkSource(TOWERS);
    const model = lowerModel(checked);
    const data = partlyLabelled(checked, 64, 5);
    await train(model, checked, { train: data }, { epochs: 1 });
    const before = { tensors: tf.memory().numTensors, buffers: tf.engine().backend.numDataIds() };
    const profile = await tf.profile(async () => {
      await train(model, checked, { train: data }, { epochs: 2 });
    });
    for (const kernel of ['MtlDense', 'MtlDenseGrad', 'MtlMaskedLoss', 'MtlFusedAdam', '_FusedMatMul'])
      expect(profile.kernelNames).not.toContain(kernel);
    expect({ tensors: tf.memory().numTensors, buffers: tf.engine().backend.numDataIds() }).toEqual(before);
    model.dispose();
  });

  describe('is used only where it computes what the tape path does', () => {
    const eligible = (checked: CheckedModel, optimizer = createOptimizer(checked.train.optimizer)): boolean => {
      const model = lowerModel(checked);
      const heads = headsInOutputOrder(model, checked.heads);
      const split = splitVariables(
        model,
        checked,
        heads.map((h) => h.name),
      );
      const step = compileDenseStep(model, heads, split.all, optimizer, createStrategy(checked), checked.train.batch, checked.train.seed);
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
      expect(eligible(withTrunk('dense(8, tanh)'))).toBe(false);
      expect(eligible(withTrunk('dense(8, relu)', '', 'head a = t -> classify(3)\n  head r = t -> regress(1) { loss: huber(1.0) }'))).toBe(
        false,
      );
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
  if (clang === undefined)
    console.log('skipped: the committed train-kernels.wasm is not rebuilt from its C source: clang is not installed (.ci/run installs it)');
  it.skipIf(clang === undefined)('is built from the committed C source: rebuilding gives the committed kernels', () => {
    const out = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'mtl-kernels-')), 'train-kernels.wasm');
    compileKernels(out);
    expect(fs.readFileSync(out).equals(fs.readFileSync(new URL('../../runtime/accel/kernels/train-kernels.wasm', import.meta.url)))).toBe(
      true,
    );
  });
});
