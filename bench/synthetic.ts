/**
 * Synthetic data for any checked model, generated in process from a fixed seed: uniform inputs in
 * [-1, 1) (ids in [0, vocab) for int inputs, one id or one-hot per category), and labels that fit
 * each task (one-hot classes, 0/1, multi-hot, numbers, one-hot tags), every row labelled. The
 * benchmarks time training, not learning, so the labels are random.
 */
import type { CheckedModel, InputNode, TaskNode } from '../compiler/index.js';
import { inputWidth, labelWidth, type Dataset, type LabelColumn, mulberry32 } from '../runtime/data/index.js';

export function syntheticData(model: CheckedModel, n: number, seed: number): Dataset {
  const random = mulberry32(seed);
  const inputs: Record<string, Float32Array | Int32Array> = {};
  for (const input of model.inputs) inputs[input.name] = inputValues(input, n, random);
  const labels: Record<string, LabelColumn> = {};
  for (const head of model.heads) labels[head.name] = { values: labelValues(head.task, n, random), mask: new Uint8Array(n).fill(1) };
  return { n, inputs, labels };
}

function inputValues(input: InputNode, n: number, random: () => number): Float32Array | Int32Array {
  const width = inputWidth(input);
  if (input.category !== undefined) {
    const count = input.category.count;
    if (input.categoryAsIds === true) return Int32Array.from({ length: n }, () => Math.floor(random() * count));
    const out = new Float32Array(n * count);
    for (let i = 0; i < n; i++) out[i * count + Math.floor(random() * count)] = 1;
    return out;
  }
  if (input.dtype === 'int') {
    const vocab = input.vocab ?? 2;
    return Int32Array.from({ length: n * width }, () => Math.floor(random() * vocab));
  }
  return Float32Array.from({ length: n * width }, () => random() * 2 - 1);
}

function labelValues(task: TaskNode, n: number, random: () => number): Float32Array {
  const width = labelWidth(task);
  const out = new Float32Array(n * width);
  const units = task.units;
  switch (task.kind) {
    case 'classify':
    case 'tag':
      // One hot per row (classify) or per step (tag): width / units groups per row.
      for (let group = 0; group < (n * width) / units; group++) out[group * units + Math.floor(random() * units)] = 1;
      return out;
    case 'binary':
    case 'multilabel':
      for (let i = 0; i < out.length; i++) out[i] = random() < 0.5 ? 0 : 1;
      return out;
    case 'regress':
      for (let i = 0; i < out.length; i++) out[i] = random() * 2 - 1;
      return out;
  }
}
