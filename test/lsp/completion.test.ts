import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import type * as lsp from 'vscode-languageserver/node';
import { SEED, startTestServer, type TestServer } from './helpers.js';

let server: TestServer;
beforeAll(async () => {
  server = await startTestServer({ files: { '/project/lib.mtl': 'block mlp(units: int) = dense(units, relu)\n' } });
});
afterAll(() => server.stop());

const LAYERS = [
  'dense',
  'dropout',
  'batchnorm',
  'layernorm',
  'activation',
  'conv1d',
  'conv2d',
  'maxpool',
  'avgpool',
  'globalpool',
  'flatten',
  'embedding',
  'lstm',
  'gru',
];
const TASKS = ['classify', 'binary', 'multilabel', 'regress', 'tag'];
const ACTIVATIONS = ['linear', 'relu', 'relu6', 'elu', 'selu', 'gelu', 'swish', 'sigmoid', 'tanh', 'softplus', 'softmax', 'leaky_relu'];
const MEMBERS = ['input', 'trunk', 'gate', 'head', 'weights', 'weighting', 'train', 'data'];

const MODEL = `model M {
  input x: float[100]
  input img: float[8, 8, 1]
  trunk shared = x -> dense(64, relu)
  gate moe = mmoe(shared, experts: 2, expert: dense(16, relu))
  head a = moe -> classify(3) { label: "a" }
  head b = shared -> regress(1)
  BODY
}
`;

async function complete(marked: string): Promise<lsp.CompletionItem[]> {
  return server.at<lsp.CompletionItem[]>('textDocument/completion', marked);
}

async function labels(marked: string): Promise<string[]> {
  return (await complete(marked)).map((i) => i.label);
}

const inModel = (body: string) => MODEL.replace('BODY', body);

describe('completion', () => {
  test('at the top level: the declaration keywords', async () => {
    expect(await labels(`<|>\n${SEED}`)).toEqual(['model', 'block', 'import']);
    expect(await labels(`${SEED}\nmo<|>`)).toEqual(['model', 'block', 'import']);
  });

  test('at the start of a member: the member keywords', async () => {
    expect(await labels(inModel('<|>'))).toEqual(MEMBERS);
    expect(await labels(inModel('he<|>'))).toEqual(MEMBERS);
  });

  test('while naming a declaration: nothing', async () => {
    expect(await labels(inModel('trunk <|>'))).toEqual([]);
    expect(await labels('model <|>')).toEqual([]);
  });

  test('after the colon of an input: the input types', async () => {
    expect(await labels(inModel('input y: <|>'))).toEqual(['float', 'int', 'category']);
  });

  test('where a head starts: inputs, trunks and gates in scope, then concat and add', async () => {
    expect(await labels(inModel('head c = <|>'))).toEqual(['x', 'img', 'shared', 'moe', 'concat', 'add']);
  });

  test('where a trunk starts: no gates, and not the trunk itself', async () => {
    expect(await labels(inModel('trunk t = <|>'))).toEqual(['x', 'img', 'shared', 'concat', 'add']);
    expect(await labels(MODEL.replace('trunk shared = x', 'trunk shared = <|>x').replace('BODY', ''))).toEqual([
      'x',
      'img',
      'concat',
      'add',
    ]);
  });

  test('a name in scope carries its kind and shape', async () => {
    const items = await complete(inModel('head c = <|>'));
    expect(items.find((i) => i.label === 'shared')).toEqual({ label: 'shared', kind: 6, detail: '(trunk) [64]' });
  });

  test('after an arrow in a head: layers, blocks, then task layers', async () => {
    expect(await labels(`block tower(u: int) = dense(u)\n${inModel('head c = x -> <|>')}`)).toEqual([...LAYERS, 'tower', ...TASKS]);
  });

  test('after an arrow in a trunk or block: layers and blocks, no task layers', async () => {
    expect(await labels(inModel('trunk t = x -> <|>'))).toEqual(LAYERS);
    expect(await labels('block a(u: int) = dense(u) -> <|>')).toEqual(LAYERS);
  });

  test('blocks of imported files are offered too', async () => {
    const { uri, position } = await server.openAt(`import "lib.mtl"\n${inModel('trunk t = x -> <|>')}`);
    const items = await server.request<lsp.CompletionItem[]>('textDocument/completion', { textDocument: { uri }, position });
    expect(items.find((i) => i.label === 'mlp')).toEqual({
      label: 'mlp',
      kind: 3,
      detail: 'block mlp(units: int)',
      insertText: 'mlp($1)',
      insertTextFormat: 2,
    });
  });

  test('a layer item has its signature, docs and a snippet', async () => {
    const items = await complete(inModel('trunk t = x -> <|>'));
    const dense = items.find((i) => i.label === 'dense')!;
    expect({ ...dense, documentation: undefined }).toEqual({
      label: 'dense',
      kind: 3,
      detail: 'dense(units: int, activation: an activation = linear)',
      documentation: undefined,
      insertText: 'dense($1)',
      insertTextFormat: 2,
    });
    expect((dense.documentation as lsp.MarkupContent).value.split('\n\n')[1]).toBe('Layer: A fully connected layer on the last dimension.');
    expect(items.find((i) => i.label === 'flatten')).toMatchObject({ insertText: 'flatten()', insertTextFormat: 1 });
  });

  test('in a call: the named arguments not given yet, and values for the positional one', async () => {
    expect(await labels(inModel('trunk t = x -> dense(64, <|>)'))).toEqual(['activation', ...ACTIVATIONS]);
    expect(await labels(inModel('trunk t = x -> dense(<|>)'))).toEqual(['units', 'activation']);
    expect(await labels(inModel('trunk t = x -> conv1d(8, 3, padding: valid, <|>)'))).toEqual(['activation', 'stride']);
  });

  test('a named argument item inserts its name and colon', async () => {
    const items = await complete(inModel('trunk t = x -> dense(64, <|>)'));
    expect(items[0]).toEqual({
      label: 'activation',
      kind: 10,
      detail: 'an activation (linear, relu, relu6, elu, selu, gelu, swish, sigmoid, tanh, softplus, softmax, leaky_relu)',
      insertText: 'activation: ',
    });
  });

  test('after a named argument: the values it takes', async () => {
    expect(await labels(inModel('trunk t = x -> conv1d(8, 3, padding: <|>)'))).toEqual(['same', 'valid']);
    expect(await labels(inModel('trunk t = x -> lstm(8, sequences: <|>)'))).toEqual(['true', 'false']);
  });

  test('in a gate: its kinds, sources and expert layers', async () => {
    expect(await labels(inModel('gate g = <|>'))).toEqual(['mmoe', 'cgc', 'ple']);
    expect(await labels(inModel('gate g = cgc(<|>)'))).toEqual(['source', 'shared', 'specific', 'expert', 'x', 'img', 'shared']);
    expect(await labels(inModel('gate g = mmoe(x, expert: <|>)'))).toEqual(LAYERS);
    expect(await labels(inModel('gate g = mmoe(x, expert: dense(8) -> <|>)'))).toEqual(LAYERS);
  });

  test('in concat and add: the sources', async () => {
    expect(await labels(inModel('trunk t = concat(x, <|>)'))).toEqual(['x', 'img', 'shared']);
  });

  test('in a block body: the parameters of a fitting type', async () => {
    expect(await labels('block a(u: int, name: string, on: bool) = dense(<|>)')).toEqual(['units', 'activation', 'u']);
    expect(await labels('block a(<|>')).toEqual([]);
    expect(await labels('block a(u: <|>')).toEqual(['int', 'float', 'bool', 'string']);
  });

  test('after weighting: the methods', async () => {
    expect(await labels(inModel('weighting <|>'))).toEqual(['fixed', 'uncertainty', 'gradnorm', 'dwa', 'pcgrad', 'mgda']);
  });

  test('inside weights {}: the heads not weighted yet, then search(…) as a value', async () => {
    expect(await labels(inModel('weights { <|> }'))).toEqual(['a', 'b']);
    expect(await labels(inModel('weights { a: 1.0, <|> }'))).toEqual(['b']);
    expect(await labels(inModel('weights { a: <|> }'))).toEqual(['search']);
    const items = await complete(inModel('weights { <|> }'));
    expect(items[0]).toEqual({ label: 'a', kind: 5, detail: '(head)', insertText: 'a: ' });
  });

  test('inside train {}: the options not given yet, and optimizers', async () => {
    expect(await labels(inModel('train {\n    epochs: 10\n    <|>\n  }'))).toEqual([
      'optimizer',
      'batch',
      'validation',
      'early_stop',
      'seed',
      'shuffle',
      'select',
    ]);
    expect(await labels(inModel('train { optimizer: <|> }'))).toEqual(['adam', 'adamw', 'sgd', 'rmsprop']);
    expect(await labels(inModel('train { optimizer: adam(<|>) }'))).toEqual(['lr', 'beta1', 'beta2']);
  });

  test('inside data {} and head options: their keys and values', async () => {
    expect(await labels(inModel('data { <|> }'))).toEqual(['train', 'validation', 'test', 'format']);
    expect(await labels(inModel('data { format: <|> }'))).toEqual(['"csv"', '"jsonl"', '"parquet"']);
    expect(await labels(inModel('head c = x -> regress(1) { label: "c", <|> }'))).toEqual(['loss', 'metrics', 'classes', 'normalize']);
    expect(await labels(inModel('head c = x -> regress(1) { loss: <|> }'))).toEqual([
      'categorical_crossentropy',
      'binary_crossentropy',
      'mse',
      'mae',
      'huber',
    ]);
    expect(await labels(inModel('head c = x -> regress(1) { metrics: [mae, <|>] }'))).toEqual([
      'accuracy',
      'auc',
      'precision',
      'recall',
      'f1',
      'mse',
      'mae',
      'rmse',
      'r2',
    ]);
  });

  test('inside comments and strings: nothing', async () => {
    expect(await labels(inModel('// trunk t = x -> <|>'))).toEqual([]);
    expect(await labels(inModel('/* <|> */'))).toEqual([]);
    expect(await labels(inModel('head c = x -> regress(1) { label: "<|>" }'))).toEqual([]);
  });
});
