/**
 * The PyTorch model mtlc emits computes the TensorFlow.js lowering's function: given the lowering's
 * initial weights, its outputs and per-task masked losses agree to 1e-5 and its gradients to 1e-4
 * (largest difference relative to the largest magnitude of the tensor), for every example model and
 * a model per layer kind, task kind and gate. TensorFlow.js runs on its cpu backend here; PyTorch
 * runs the emitted package in one `/usr/bin/python3` process for all models.
 */
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import * as tf from '@tensorflow/tfjs';
import { compile } from '../../compiler/compile.js';
import { writePyTorchPackage } from '../../cli/pytorch-package.js';
import type { CheckedModel } from '../../compiler/ir.js';
import { planModel } from '../../compiler/plan.js';
import { lowerModel } from '../../runtime/model/lower.js';
import { type LayerArrays, modelWeights, readWeightsFiles, writeWeightsFiles } from '../../runtime/pytorch/index.js';
import { applyModel } from '../../runtime/train/batch.js';
import { maskedLoss } from '../../runtime/train/losses/index.js';
import { root } from '../cli/run.js';
import { values } from '../runtime/backends.js';
import { PYTHON, torchMissing } from './torch.js';

/** One model per layer kind, task kind, loss, merge and gate, written as a user would. */
const GENERATED: Record<string, string> = {
  activations: `model Activations {
    input x: float[6]
    trunk t = x -> dense(8, relu) -> dense(8, relu6) -> dense(8, elu) -> dense(8, selu) -> dense(8, gelu)
      -> dense(8, swish) -> dense(8, sigmoid) -> dense(8, tanh) -> dense(8, softplus) -> dense(8, leaky_relu)
      -> activation(softmax) -> activation(leaky_relu) -> dense(8) -> activation(gelu)
    head a = t -> regress(2)
    head b = t -> classify(3)
  }`,
  norms: `model Norms {
    input x: float[5]
    trunk t = x -> dense(8, relu) -> batchnorm() -> layernorm() -> dense(4, tanh)
    head a = t -> binary()
    head b = t -> multilabel(3)
  }`,
  dropout: `model Drop {
    input x: float[5]
    trunk t = x -> dense(8, relu) -> dropout(0.3)
    head a = t -> regress(1) { loss: mae }
    head b = t -> regress(2) { loss: huber(0.5) }
  }`,
  conv1d: `model Conv1 {
    input s: float[9, 3]
    trunk t = s -> conv1d(4, 3, relu) -> conv1d(4, 2, stride: 2) -> conv1d(5, 3, tanh, padding: valid)
      -> maxpool(2) -> conv1d(4, 2) -> avgpool(1) -> globalpool()
    head a = t -> classify(3)
    head b = s -> conv1d(2, 3, stride: 3) -> flatten() -> binary()
  }`,
  conv2d: `model Conv2 {
    input img: float[7, 6, 2]
    trunk t = img -> conv2d(3, 3, relu) -> conv2d(4, 2, elu, stride: 2) -> maxpool(2) -> flatten()
    head a = t -> regress(2)
    head b = img -> conv2d(3, 2, padding: valid, stride: 2) -> avgpool(2) -> globalpool() -> classify(2)
  }`,
  recurrent: `model Rnn {
    input tokens: int[6] vocab 11
    trunk e = tokens -> embedding(4)
    trunk seq = e -> lstm(5, sequences: true)
    head a = seq -> gru(3) -> binary()
    head b = seq -> gru(4, sequences: true) -> tag(3)
    head c = e -> lstm(3) -> regress(1)
  }`,
  categories: `model Categories {
    input kind: category(4)
    input id: category(5)
    input x: float[2]
    trunk emb = id -> embedding(3) -> flatten()
    trunk t = concat(kind, emb, x) -> dense(6, relu)
    trunk u = add(x -> dense(6), t)
    head a = u -> classify(2)
    head b = t -> regress(1)
  }`,
  mmoe: `model Moe {
    input x: float[4, 3]
    gate g = mmoe(x -> flatten(), experts: 3, expert: dense(5, relu) -> dense(2))
    head a = g -> dense(3, relu) -> binary()
    head b = g -> classify(2)
  }`,
  cgc: `model Cgc {
    input x: float[6]
    gate g = cgc(x, shared: 2, specific: 2, expert: dense(4, relu))
    head a = g -> binary()
    head b = g -> regress(2)
    head c = g -> classify(3)
  }`,
  ple: `model Ple {
    input x: float[3, 4]
    gate g = ple(x, levels: 3, shared: 1, specific: 1, expert: conv1d(4, 2, relu))
    head a = g -> flatten() -> binary()
    head b = g -> globalpool() -> regress(1)
  }`,
};

interface Case {
  readonly name: string;
  readonly model: CheckedModel;
  readonly file: string;
  readonly text: string;
}

function cases(): Case[] {
  const list: Case[] = [];
  for (const entry of fs
    .readdirSync(path.join(root, 'examples'))
    .filter((f) => f.endsWith('.mtl'))
    .sort()) {
    const file = `examples/${entry}`;
    const text = fs.readFileSync(path.join(root, file), 'utf8');
    for (const model of compile(path.join(root, file), text).models) list.push({ name: `${file} ${model.name}`, model, file, text });
  }
  for (const [name, text] of Object.entries(GENERATED)) {
    const result = compile(`${name}.mtl`, text);
    const errors = result.diagnostics.filter((d) => d.severity === 'error');
    if (errors.length > 0) throw new Error(`${name}: ${errors.map((d) => d.message).join('; ')}`);
    list.push({ name: `generated ${name}`, model: result.models[0]!, file: `${name}.mtl`, text });
  }
  return list;
}

const ROWS = 5;

/** A deterministic batch: inputs, labels of every task kind, masks with gaps, the task weights. */
function batchFor(model: tf.LayersModel, checked: CheckedModel, seed: number): LayerArrays {
  const arrays: Record<string, { shape: number[]; values: Float32Array }[]> = {};
  model.inputs.forEach((input, i) => {
    const shape = [ROWS, ...(input.shape.slice(1) as number[])];
    const size = shape.reduce((a, b) => a * b, 1);
    const node = checked.inputs.find((n) => n.name === model.inputNames[i])!;
    const vocab = node.vocab ?? node.category?.count;
    const raw = values(size, seed + i);
    const data = input.dtype === 'int32' ? raw.map((v) => Math.floor((v + 0.5) * vocab!)) : raw.map((v) => 4 * v);
    arrays[`input/${model.inputNames[i]}`] = [{ shape, values: data }];
  });
  checked.heads.forEach((head, h) => {
    const { kind, units } = head.task;
    const steps = kind === 'tag' ? head.task.outShape[0]! : 1;
    const y = new Float32Array(ROWS * steps * units);
    const r = values(y.length, seed + 100 + h);
    for (let row = 0; row < ROWS * steps; row++) {
      const at = row * units;
      if (kind === 'classify' || kind === 'tag') {
        // Some tag steps have no tag (all zeros): padding, left out of the loss.
        if (kind === 'tag' && row % 4 === 3) continue;
        y[at + Math.floor((r[at]! + 0.5) * units)] = 1;
      } else for (let u = 0; u < units; u++) y[at + u] = kind === 'regress' ? 3 * r[at + u]! : r[at + u]! > 0 ? 1 : 0;
    }
    const mask = Float32Array.from({ length: ROWS }, (_, row) => ((row + h) % 3 === 0 ? 0 : 1));
    const weight = head.name in checked.weights ? checked.weights[head.name]! : { kind: 'fixed', value: 1 };
    arrays[`label/${head.name}`] = [{ shape: [ROWS, ...head.task.outShape], values: y }];
    arrays[`mask/${head.name}`] = [{ shape: [ROWS], values: mask }];
    arrays[`lambda/${head.name}`] = [{ shape: [1], values: Float32Array.of(weight.kind === 'fixed' ? weight.value : 1) }];
  });
  return arrays;
}

/** What TensorFlow.js computes on the batch: outputs, masked mean losses, gradients per layer. */
function tfjsResult(model: tf.LayersModel, checked: CheckedModel, batch: LayerArrays, training: boolean): LayerArrays {
  const xs = model.inputs.map((input, i) => {
    const a = batch[`input/${model.inputNames[i]}`]![0]!;
    return tf.tensor(a.values, [...a.shape], input.dtype === 'int32' ? 'int32' : 'float32');
  });
  const heads = model.outputNames.map((n) => checked.heads.find((h) => h.name === n)!);
  const tensor = (name: string) => tf.tensor(batch[name]![0]!.values, [...batch[name]![0]!.shape]);
  const result: Record<string, { shape: number[]; values: Float32Array }[]> = {};
  const read = (t: tf.Tensor) => ({ shape: t.shape, values: t.dataSync() as Float32Array });
  const variables = model.trainableWeights.map((w) => w.read() as tf.Variable);
  const { grads } = tf.variableGrads(() => {
    const outputs = applyModel(model, xs, training);
    let total = tf.scalar(0);
    heads.forEach((head, i) => {
      const loss = maskedLoss(head.task, tensor(`label/${head.name}`), outputs[i]!, tensor(`mask/${head.name}`) as tf.Tensor1D);
      result[`output/${head.name}`] = [read(outputs[i]!)];
      result[`loss/${head.name}`] = [read(loss.mean.reshape([1]))];
      total = total.add(loss.mean.mul(batch[`lambda/${head.name}`]![0]!.values[0]!));
    });
    return total;
  }, variables);
  for (const layer of model.layers) {
    if (layer.trainableWeights.length === 0) continue;
    result[`grad/${layer.name}`] = layer.trainableWeights.map((w) => read(grads[(w.read() as tf.Variable).name]!));
  }
  tf.dispose([...xs, ...Object.values(grads)]);
  return result;
}

/** The largest difference relative to the largest magnitude of `expected`. */
function relative(expected: Float32Array, actual: Float32Array): number {
  let scale = 0;
  let diff = 0;
  for (let i = 0; i < expected.length; i++) {
    scale = Math.max(scale, Math.abs(expected[i]!));
    diff = Math.max(diff, Math.abs(expected[i]! - actual[i]!));
  }
  return scale === 0 ? diff : diff / scale;
}

const missing = torchMissing();

describe.skipIf(missing !== undefined)('the emitted PyTorch model computes the TensorFlow.js function', () => {
  const all = cases();
  const expected = new Map<string, LayerArrays>();
  const actual = new Map<string, LayerArrays>();

  beforeAll(async () => {
    await tf.setBackend('cpu');
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'mtl-same-'));
    const jobs = [];
    for (const [i, c] of all.entries()) {
      const pkg = path.join(dir, `package-${i}`);
      const caseDir = path.join(dir, `case-${i}`);
      fs.mkdirSync(caseDir);
      await writePyTorchPackage(pkg, pkg, c.model, { file: c.file, text: c.text });
      const model = lowerModel(c.model);
      // Dropout draws differ between engines: models with dropout compare in inference mode,
      // the others in training mode (batch statistics for batchnorm).
      const training = !planModel(c.model).steps.some((s) => s.op === 'dropout');
      const batch = batchFor(model, c.model, i + 1);
      await writeWeightsFiles(modelWeights(model), path.join(caseDir, 'weights.json'), path.join(caseDir, 'weights.bin'));
      await writeWeightsFiles(batch, path.join(caseDir, 'batch.json'), path.join(caseDir, 'batch.bin'));
      expected.set(c.name, tfjsResult(model, c.model, batch, training));
      model.dispose();
      jobs.push({ package: pkg, case: caseDir, training });
    }
    fs.writeFileSync(path.join(dir, 'cases.json'), JSON.stringify(jobs));
    const run = spawnSync(PYTHON, [path.join(__dirname, 'same_function.py'), path.join(dir, 'cases.json')], { encoding: 'utf8' });
    if (run.status !== 0) throw new Error(`same_function.py failed:\n${run.stderr}`);
    for (const [i, c] of all.entries()) {
      const caseDir = path.join(dir, `case-${i}`);
      actual.set(c.name, await readWeightsFiles(path.join(caseDir, 'torch.json'), path.join(caseDir, 'torch.bin')));
    }
    fs.rmSync(dir, { recursive: true, force: true });
  }, 120_000);

  for (const c of cases()) {
    it(`${c.name}: outputs and masked losses to 1e-5, gradients to 1e-4`, () => {
      const want = expected.get(c.name)!;
      const got = actual.get(c.name)!;
      expect(Object.keys(got).sort()).toEqual(Object.keys(want).sort());
      for (const [key, arrays] of Object.entries(want)) {
        const tolerance = key.startsWith('grad/') ? 1e-4 : 1e-5;
        arrays.forEach((a, i) => {
          const b = got[key]![i]!;
          expect(b.shape, key).toEqual(a.shape);
          expect(relative(a.values, b.values), `${key}[${i}]`).toBeLessThanOrEqual(tolerance);
        });
      }
    });
  }
});
