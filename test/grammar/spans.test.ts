/** Every AST node carries the exact source range it was written in, end exclusive. */
import { describe, expect, test } from 'vitest';
import type { CategoryType, GateDecl, HeadDecl, InputDecl, NumericType, TrainDecl } from '../../compiler/ast.js';
import { parse } from '../../compiler/parse.js';
import { astOf, textAt } from './support.js';

const SEED = `// The two-task model of the classic Keras example.
model Seed {
  input x: float[100]

  trunk shared = x -> dense(64, relu)

  head task1 = shared -> classify(10)
  head task2 = shared -> classify(5) { label: "t2", metrics: [accuracy] }

  weights { task1: 1.0, task2: search(0.1, 0.5) }

  train {
    optimizer: adam(lr: 0.001)
    epochs: 10
  }
}
`;

describe('spans', () => {
  const ast = astOf(SEED);
  const seed = ast.models[0]!;
  const [input, trunk, task1, task2, weights, train] = seed.members;

  test('the span of a declared name is exactly the identifier', () => {
    expect(task1!.kind === 'Head' && task1.name.span).toEqual({ start: SEED.indexOf('task1'), end: SEED.indexOf('task1') + 5 });
    expect(seed.members.map((m) => ('name' in m ? textAt(SEED, m.name.span) : m.kind))).toEqual([
      'x',
      'shared',
      'task1',
      'task2',
      'Weights',
      'Train',
    ]);
  });

  test('a model spans from its keyword to its closing brace', () => {
    expect(textAt(SEED, seed.span)).toMatch(/^model Seed \{[\s\S]*\}$/);
    expect(textAt(SEED, seed.name.span)).toBe('Seed');
  });

  test('each member spans from its keyword to its last character', () => {
    expect(seed.members.map((m) => textAt(SEED, m.span))).toEqual([
      'input x: float[100]',
      'trunk shared = x -> dense(64, relu)',
      'head task1 = shared -> classify(10)',
      'head task2 = shared -> classify(5) { label: "t2", metrics: [accuracy] }',
      'weights { task1: 1.0, task2: search(0.1, 0.5) }',
      'train {\n    optimizer: adam(lr: 0.001)\n    epochs: 10\n  }',
    ]);
  });

  test('types, pipelines, calls, arguments and options span what they were written as', () => {
    const type = (input as InputDecl).type as NumericType;
    expect(textAt(SEED, type.span)).toBe('float[100]');
    expect(textAt(SEED, type.dims![0]!.span)).toBe('100');
    const pipeline = (trunk as HeadDecl).pipeline!;
    expect(textAt(SEED, pipeline.span)).toBe('x -> dense(64, relu)');
    expect(pipeline.steps.map((s) => textAt(SEED, s.span))).toEqual(['x', 'dense(64, relu)']);
    expect(pipeline.steps[1]!.args!.map((a) => textAt(SEED, a.span))).toEqual(['64', 'relu']);
    const options = (task2 as HeadDecl).options;
    expect(options.map((o) => textAt(SEED, o.span))).toEqual(['label: "t2",', 'metrics: [accuracy]']);
    expect(options.map((o) => textAt(SEED, o.value!.span))).toEqual(['"t2"', '[accuracy]']);
    const optimizer = (train as TrainDecl).options[0]!;
    expect(optimizer.value?.kind === 'Pipeline' && optimizer.value.steps[0]!.args!.map((a) => textAt(SEED, a.span))).toEqual(['lr: 0.001']);
    expect(weights!.kind === 'Weights' && weights.entries.map((e) => textAt(SEED, e.name.span))).toEqual(['task1', 'task2']);
  });

  test('comments keep their text and place', () => {
    expect(ast.comments).toEqual([
      { kind: 'Comment', text: '// The two-task model of the classic Keras example.', span: { start: 0, end: 51 } },
    ]);
  });

  test('the file spans the whole text', () => {
    expect(ast.span).toEqual({ start: 0, end: SEED.length });
  });

  test('expressions span their operands and operators', () => {
    const text = 'model M { train { v: -(1 + 2) * x / 4, w: [1, 2] } }';
    const value = (astOf(text).models[0]!.members[0] as TrainDecl).options.map((o) => o.value!);
    expect(value.map((v) => textAt(text, v.span))).toEqual(['-(1 + 2) * x / 4', '[1, 2]']);
    const division = value[0]!;
    expect(division.kind === 'Binary' && [textAt(text, division.left.span), textAt(text, division.right!.span)]).toEqual([
      '-(1 + 2) * x',
      '4',
    ]);
  });

  test('category types span to their closing bracket', () => {
    const text = 'model M { input a: category(3)\n input b: category["x", "y"] }';
    const types = astOf(text).models[0]!.members.map((m) => (m as InputDecl).type as CategoryType);
    expect(types.map((t) => textAt(text, t.span))).toEqual(['category(3)', 'category["x", "y"]']);
  });
});

describe('spans where something is missing', () => {
  test('a missing name is empty text with an empty span right after the keyword', () => {
    const text = 'model M { head = x -> classify(2) }';
    const head = parse(text).ast.models[0]!.members[0] as HeadDecl;
    expect(head.name).toEqual({ kind: 'Name', text: '', span: { start: 14, end: 14 } });
    expect(textAt(text, head.span)).toBe('head = x -> classify(2)');
  });

  test('a missing model name sits right after "model"', () => {
    expect(parse('model { }').ast.models[0]!.name).toEqual({ kind: 'Name', text: '', span: { start: 5, end: 5 } });
  });

  test('a missing gate call leaves the call undefined and the span on what was written', () => {
    const text = 'model M { gate g = }';
    const gate = parse(text).ast.models[0]!.members[0] as GateDecl;
    expect([gate.name.text, gate.call, textAt(text, gate.span)]).toEqual(['g', undefined, 'gate g =']);
  });
});
