/**
 * Every runnable example (examples/*.mtl) compiled from its file, lowered, and run forward on the
 * wasm backend that `mtlc train` uses: each output has the shape the checker inferred for its head,
 * and each input the shape the checker gave it.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import * as tf from '@tensorflow/tfjs';
import { compile } from '../../compiler/compile.js';
import { inputShape } from '../../compiler/plan.js';
import { setupBackend } from '../../runtime/backend/index.js';
import { lowerModel } from '../../runtime/model/lower.js';
import { NodeHost } from '../../cli/host.js';

const examples = path.resolve(__dirname, '../../examples');
const files = fs
  .readdirSync(examples)
  .filter((f) => f.endsWith('.mtl'))
  .sort();

beforeAll(async () => {
  await setupBackend('wasm');
});

describe('every example', () => {
  it('includes at least the examples this suite was written with', () => {
    expect(files).toEqual(
      expect.arrayContaining(['cars.mtl', 'census-mmoe.mtl', 'multi-input.mtl', 'penguins.mtl', 'ple.mtl', 'seed.mtl', 'text.mtl']),
    );
  });

  for (const file of files) {
    it(`${file} lowers and runs forward with the shapes the checker inferred`, async () => {
      const full = path.join(examples, file);
      const result = compile(full, fs.readFileSync(full, 'utf8'), new NodeHost());
      expect(result.diagnostics.filter((d) => d.severity === 'error')).toEqual([]);
      for (const checked of result.models) {
        const model = lowerModel(checked);
        expect(model.outputNames).toEqual(checked.heads.map((h) => h.name));
        const declared = new Map(checked.inputs.map((i) => [i.name, i]));
        expect(model.inputs.map((i) => i.shape.slice(1))).toEqual(model.inputNames.map((name) => [...inputShape(declared.get(name)!)]));
        const batch = 2;
        const xs = model.inputs.map((i) => tf.ones([batch, ...(i.shape.slice(1) as number[])], i.dtype));
        const ys = [model.predict(xs.length === 1 ? xs[0]! : xs)].flat() as tf.Tensor[];
        expect(ys.map((y) => y.shape)).toEqual(checked.heads.map((h) => [batch, ...h.task.outShape]));
        for (const y of ys) expect(Array.from(await y.data()).every(Number.isFinite)).toBe(true);
        tf.dispose([...xs, ...ys]);
        model.dispose();
      }
    });
  }
});
