import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import type * as lsp from 'vscode-languageserver/node';
import { r, SEED, startTestServer, type TestServer } from './helpers.js';

let server: TestServer;
beforeAll(async () => {
  server = await startTestServer({ files: { '/project/lib.mtl': 'block mlp(units: int) = dense(units, relu) -> dense(units, relu)\n' } });
});
afterAll(() => server.stop());

const CENSUS = `block tower(units: int, p: float = 0.1) = dense(units, relu) -> dropout(p)

model Census {
  input features: float[64] normalize
  gate moe = mmoe(features, experts: 4, expert: dense(32, relu) -> dense(16, relu))
  head income  = moe -> tower(16) -> binary()
  head marital = moe -> tower(16) -> classify(7)
  weighting uncertainty
  train { optimizer: adam(lr: 0.01) }
}
`;

async function hover(marked: string): Promise<{ value: string; range: string } | null> {
  const result = await server.at<lsp.Hover | null>('textDocument/hover', marked);
  if (result === null) return null;
  return { value: (result.contents as lsp.MarkupContent).value, range: r(result.range!) };
}

describe('hover', () => {
  test('a referenced trunk shows its kind and shape', async () => {
    expect(await hover(SEED.replace('head task1 = shared', 'head task1 = sh<|>ared'))).toEqual({
      value: '```mtl\n(trunk) shared: [64]\n```\n\nIn model `Seed`',
      range: '5:15-5:21',
    });
  });

  test('a declared input shows its type', async () => {
    expect(await hover(SEED.replace('input x', 'input <|>x'))).toEqual({
      value: '```mtl\n(input) x: [100]\n```\n\nFloat input in model `Seed`',
      range: '1:8-1:9',
    });
  });

  test('a head shows its task and output shape', async () => {
    expect(await hover(SEED.replace('head task2', 'head task<|>2'))).toEqual({
      value: '```mtl\n(head) task2: [5]\n```\n\nClassify head in model `Seed`',
      range: '6:7-6:12',
    });
  });

  test('a layer shows its signature, doc, shape rule, the shapes at this call and its parameters', async () => {
    expect(await hover(SEED.replace('dense(64', 'den<|>se(64'))).toEqual({
      value: [
        '```mtl\ndense(units: int, activation: an activation = linear)\n```',
        'Layer: A fully connected layer on the last dimension.',
        'Shape: `[…, d] → […, units]`',
        'Here: `[100] → [64]`',
        '- `units`: an integer >= 1 — output size\n- `activation`: an activation (linear, relu, relu6, elu, selu, gelu, swish, sigmoid, tanh, softplus, softmax, leaky_relu), default linear — applied to the output',
      ].join('\n\n'),
      range: '3:22-3:27',
    });
  });

  test('a task layer shows its activation, default loss and label format', async () => {
    expect(await hover(SEED.replace('classify(10)', 'classify<|>(10)'))).toEqual({
      value: [
        '```mtl\nclassify(n: int)\n```',
        'Task layer: Single-label classification into n classes (softmax).',
        'Shape: `[d] → [n]`',
        'Here: `[64] → [10]`',
        'Output activation softmax; default loss categorical_crossentropy; label: a class id 0…n-1, or a class name listed in classes: [...].',
        '- `n`: an integer >= 2 — number of classes',
      ].join('\n\n'),
      range: '5:25-5:33',
    });
  });

  test('a gate shows the paper it implements', async () => {
    const hovered = await hover(CENSUS.replace('mmoe(', 'mm<|>oe('));
    expect(hovered?.range).toBe('4:13-4:17');
    expect(hovered?.value.split('\n\n')).toEqual([
      '```mtl\nmmoe(source: source, experts: int = 4, expert: layers)\n```',
      'Gate: Multi-gate mixture of experts: shared experts, one softmax gate per reading head.',
      'Here: `[16]`',
      '- `source`: an input or trunk name — what the experts read\n- `experts`: an integer in [1, 256], default 4 — number of shared experts\n- `expert`: a layer pipeline — the layers of one expert',
      'Paper: Ma et al., 2018. Modeling Task Relationships in Multi-task Learning with Multi-gate Mixture-of-Experts. KDD.',
    ]);
  });

  test('a head that reads a gate shows which, and the mixture it gets', async () => {
    expect(await hover(CENSUS.replace('head income', 'head inc<|>ome'))).toEqual({
      value:
        '```mtl\n(head) income: [1]\n```\n\nBinary head reading gate `moe` (mmoe: its own softmax over 4 shared experts) in model `Census`',
      range: '5:7-5:13',
    });
  });

  test('a weighting method shows its doc and paper', async () => {
    expect(await hover(CENSUS.replace('weighting uncertainty', 'weighting uncert<|>ainty'))).toEqual({
      value: [
        '```mtl\nuncertainty()\n```',
        'Weighting method: Learns a log-variance s_i per task: L = Σ L_i / (2·exp(s_i)) + s_i / 2.',
        'Paper: Kendall, Gal & Cipolla, 2018. Multi-Task Learning Using Uncertainty to Weigh Losses for Scene Geometry and Semantics. CVPR.',
      ].join('\n\n'),
      range: '7:12-7:23',
    });
  });

  test('an optimizer, which the checker does not record, is found from the option it is written in', async () => {
    const hovered = await hover(CENSUS.replace('adam(', 'ad<|>am('));
    expect(hovered?.value.split('\n\n').slice(0, 2)).toEqual([
      '```mtl\nadam(lr: float = 0.001, beta1: float = 0.9, beta2: float = 0.999)\n```',
      'Optimizer: Adam.',
    ]);
  });

  test('a block call shows the block, its body and the shapes at this call', async () => {
    expect(await hover(CENSUS.replace('moe -> tower(16) -> binary', 'moe -> tow<|>er(16) -> binary'))).toEqual({
      value: '```mtl\nblock tower(units: int, p: float = 0.1)\n```\n\n`dense(units, relu) -> dropout(p)`\n\nHere: `[16] → [16]`',
      range: '5:24-5:29',
    });
  });

  test('a block from an imported file says where it comes from', async () => {
    const { uri, position } = await server.openAt(`import "lib.mtl"\n${SEED.replace('dense(64, relu)', 'm<|>lp(64)')}`);
    const result = await server.request<lsp.Hover>('textDocument/hover', { textDocument: { uri }, position });
    expect((result.contents as lsp.MarkupContent).value).toBe(
      '```mtl\nblock mlp(units: int)\n```\n\n`dense(units, relu) -> dense(units, relu)`\n\nHere: `[100] → [64]`\n\nImported from `/project/lib.mtl`',
    );
  });

  test('a parameter read in a block body shows its type and block', async () => {
    expect(await hover(CENSUS.replace('dense(units', 'dense(un<|>its'))).toEqual({
      value: '```mtl\n(parameter) units: int\n```\n\nParameter of block `tower`',
      range: '0:48-0:53',
    });
  });

  test('punctuation, numbers and comments have no hover', async () => {
    expect(await hover(SEED.replace('dense(64', 'dense(6<|>4'))).toBeNull();
    expect(await hover(`// a <|>comment\n${SEED}`)).toBeNull();
  });
});
