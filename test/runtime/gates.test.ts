/**
 * Gates from source to tensors: .mtl models with `mmoe`, `cgc` and `ple` gates are compiled,
 * lowered to TensorFlow.js and run. Every layer outputs the shape the compiler planned, every head
 * the shape the checker inferred, every mixture the gate's inferred shape, and every gate's softmax
 * has one weight per expert it mixes (LANGUAGE.md §4; Ma et al. 2018; Tang et al. 2020), summing to 1.
 */
import { beforeAll, describe, expect, it } from 'vitest';
import * as tf from '@tensorflow/tfjs';
import { compile } from '../../compiler/compile.js';
import type { CheckedModel, GateNode } from '../../compiler/ir.js';
import { planModel, type PlanStep } from '../../compiler/plan.js';
import { lowerModel } from '../../runtime/model/lower.js';

beforeAll(async () => {
  await tf.setBackend('cpu');
});

const SOURCE = `
model Moe {
  input x: float[12]
  gate moe = mmoe(x, experts: 3, expert: dense(8, relu) -> dense(6, relu))
  head a = moe -> dense(4, relu) -> binary()
  head b = moe -> classify(5)
  head c = moe -> regress(2)
}

model Cgc {
  input x: float[12]
  gate g = cgc(x, shared: 2, specific: 3, expert: dense(8, relu))
  head a = g -> binary()
  head b = g -> regress(1)
}

model Ple {
  input user: float[5]
  input item: float[7]
  trunk joined = concat(user, item)
  gate g = ple(joined, levels: 3, shared: 2, specific: 1, expert: dense(8, relu) -> layernorm())
  head a = g -> dense(4, relu) -> binary()
  head b = g -> multilabel(3)
  head c = g -> regress(1)
}

model SequenceExperts {
  input s: float[6, 4]
  gate g = mmoe(s, experts: 2, expert: conv1d(5, 3, relu))
  head a = g -> flatten() -> binary()
  head b = g -> globalpool() -> regress(1)
}
`;

function models(): Map<string, CheckedModel> {
  const result = compile('gates.mtl', SOURCE);
  expect(result.diagnostics.filter((d) => d.severity === 'error')).toEqual([]);
  return new Map(result.models.map((m) => [m.name, m]));
}

/** How many experts a gate step mixes: its own (specific) experts plus the shared ones, or all of them for PLE's shared gate. */
function expertsMixed(gate: GateNode, step: PlanStep): number {
  if (gate.kind === 'mmoe') return gate.experts;
  if (step.name.endsWith('/shared/gate')) return gate.readers.length * gate.specific + gate.shared;
  return gate.specific + gate.shared;
}

function randomInputs(model: tf.LayersModel, batch: number, seed: number): tf.Tensor[] {
  return model.inputs.map((input, i) => tf.randomNormal([batch, ...(input.shape.slice(1) as number[])], 0, 1, 'float32', seed + i));
}

describe('gates', () => {
  for (const name of ['Moe', 'Cgc', 'Ple', 'SequenceExperts']) {
    it(`${name}: every layer, head and mixture has the inferred shape, and every gate's weights sum to 1`, () => {
      const checked = models().get(name)!;
      const plan = planModel(checked);
      const model = lowerModel(checked);
      const batch = 5;
      const xs = randomInputs(model, batch, 3);

      // Every layer of the plan, as built by TensorFlow.js.
      for (const step of plan.steps) {
        if (step.op === 'input') continue;
        expect(model.getLayer(step.name).outputShape, step.name).toEqual([null, ...step.shape]);
      }

      // Heads: the checker's task shapes, on real data.
      const ys = [model.predict(xs)].flat() as tf.Tensor[];
      expect(ys.map((y) => y.shape)).toEqual(checked.heads.map((h) => [batch, ...h.task.outShape]));

      for (const gate of checked.gates) {
        const gateSteps = plan.steps.filter((s) => s.group === `gate ${gate.name}` && s.name.endsWith('/gate'));
        const levels = gate.kind === 'ple' ? gate.levels : 1;
        // One gate per reading head per level, plus PLE's shared gate below the last level.
        expect(gateSteps).toHaveLength(gate.readers.length * levels + (gate.kind === 'ple' ? levels - 1 : 0));
        // Each reader's final mixture: the last mixing step named after it.
        const mixtures = gate.readers.map((head) => {
          const own = plan.steps.filter(
            (s) => s.group === `gate ${gate.name}` && (s.name.endsWith(`/${head}/mix`) || s.name.endsWith(`/${head}/mix_shape`)),
          );
          return own[own.length - 1]!;
        });
        const probe = tf.model({
          inputs: model.inputs,
          outputs: [...gateSteps, ...mixtures].map((s) => model.getLayer(s.name).output as tf.SymbolicTensor),
        });
        const outs = probe.predict(xs) as tf.Tensor[];
        gateSteps.forEach((step, i) => {
          const weights = outs[i]!;
          expect(step.config.activation).toBe('softmax');
          expect(weights.shape, step.name).toEqual([batch, expertsMixed(gate, step)]);
          const values = weights.arraySync() as number[][];
          for (const row of values) {
            expect(row.every((w) => w >= 0 && w <= 1)).toBe(true);
            expect(row.reduce((a, b) => a + b, 0)).toBeCloseTo(1, 5);
          }
        });
        mixtures.forEach((step, i) => expect(outs[gateSteps.length + i]!.shape, step.name).toEqual([batch, ...gate.shape]));
        tf.dispose(outs);
      }
      tf.dispose([...xs, ...ys]);
      model.dispose();
    });
  }

  it('gives each reading head its own gate, so two heads mix the same experts differently', () => {
    const checked = models().get('Moe')!;
    const model = lowerModel(checked);
    const names = ['moe/a/gate', 'moe/b/gate'];
    const probe = tf.model({ inputs: model.inputs, outputs: names.map((n) => model.getLayer(n).output as tf.SymbolicTensor) });
    const xs = randomInputs(model, 4, 9);
    const [wa, wb] = probe.predict(xs) as [tf.Tensor, tf.Tensor];
    const gap = tf.tidy(() => tf.max(tf.abs(wa.sub(wb))).arraySync() as number);
    expect(gap).toBeGreaterThan(1e-4);
    tf.dispose([...xs, wa, wb]);
    model.dispose();
  });

  it('stacks PLE levels: inner levels feed the next through task and shared mixtures', () => {
    const checked = models().get('Ple')!;
    const plan = planModel(checked);
    const byName = new Map(plan.steps.map((s) => [s.name, s]));
    // A level-2 specific expert reads its head's level-1 mixture; a level-2 shared expert reads the level-1 shared mixture.
    expect(byName.get('g/level_2/a/expert_1/dense_1')!.inputs).toEqual(['g/level_1/a/mix']);
    expect(byName.get('g/level_2/shared_expert_1/dense_1')!.inputs).toEqual(['g/level_1/shared/mix']);
    expect(byName.has('g/level_3/shared/gate')).toBe(false);
  });
});
