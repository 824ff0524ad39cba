import { describe, expect, it } from 'vitest';
import { check, compileText } from '../../helpers/check.js';

describe('shape inference (LANGUAGE.md §5)', () => {
  it('reports lstm on a flat vector with the shape it received', () => {
    expect(
      check('model M {\n  input x: float[100]\n  trunk s = x -> dense(64, relu) -> lstm(32)\n  head a = s -> classify(3)\n}\n'),
    ).toEqual([
      {
        code: 'MTL0301',
        range: '3:37-3:45',
        message: 'lstm expects a [t, f] sequence input, got [64]',
        hint: 'a sequence has a step axis: declare the input as float[t, f], or use dense on a flat vector',
      },
    ]);
  });

  it('suggests flatten when a classifier follows a convolution', () => {
    expect(
      check('model M {\n  input img: float[28, 28, 1]\n  head a = img -> conv2d(8, 3, relu) -> maxpool(2) -> classify(10)\n}\n'),
    ).toEqual([
      {
        code: 'MTL0301',
        range: '3:55-3:67',
        message: 'classify expects a [d] input, got [14, 14, 8]',
        hint: 'flatten first: -> flatten()',
      },
    ]);
  });

  it('computes valid convolutions with strides', () => {
    const result = compileText(
      'model M {\n  input img: float[28, 28, 1]\n  head a = img -> conv2d(8, 3, relu, stride: 2, padding: valid) -> flatten() -> classify(10)\n}\n',
    );
    expect(result.diagnostics).toEqual([]);
    // (28 - 3) / 2 + 1 = 13 rows and columns, 8 filters.
    expect(result.models[0]!.heads[0]!.flow.layers.map((l) => l.outShape)).toEqual([[13, 13, 8], [1352]]);
  });

  it('requires integer ids with a vocabulary for embedding', () => {
    expect(check('model M {\n  input x: float[20]\n  head a = x -> embedding(8) -> lstm(4) -> classify(3)\n}\n')).toEqual([
      {
        code: 'MTL0301',
        range: '3:17-3:29',
        message: 'embedding expects integer ids with a vocabulary, got float[20]',
        hint: 'declare the input as int[t] vocab V, or as category(n)',
      },
    ]);
    expect(check('model M {\n  input x: int[20]\n  head a = x -> embedding(8) -> lstm(4) -> classify(3)\n}\n')).toEqual([
      {
        code: 'MTL0301',
        range: '3:17-3:29',
        message: 'embedding expects integer ids with a vocabulary, got int[20] without a vocabulary',
        hint: 'declare the input as int[t] vocab V, or as category(n)',
      },
    ]);
  });

  it('feeds a category input to embedding as one id', () => {
    const result = compileText('model M {\n  input kind: category(12)\n  head h = kind -> embedding(4) -> flatten() -> regress(1)\n}\n');
    expect(result.diagnostics).toEqual([]);
    expect(result.models[0]!.inputs[0]).toMatchObject({ name: 'kind', dtype: 'int', shape: [1], categoryAsIds: true });
    expect(result.models[0]!.heads[0]!.flow.shape).toEqual([4]);
  });

  it('asks a tag head for a sequence', () => {
    expect(check('model M {\n  input t: int[20] vocab 100\n  head a = t -> embedding(8) -> lstm(4) -> tag(3)\n}\n')).toEqual([
      {
        code: 'MTL0301',
        range: '3:44-3:50',
        message: 'tag expects a [t, d] sequence, got [4]',
        hint: 'keep the steps: lstm(units, sequences: true)',
      },
    ]);
  });

  it('rejects a 1-D convolution over an image', () => {
    expect(check('model M {\n  input img: float[8, 8, 1]\n  head a = img -> conv1d(4, 3) -> flatten() -> regress(1)\n}\n')).toEqual([
      { code: 'MTL0301', range: '3:19-3:31', message: 'conv1d expects a [t, c] input, got [8, 8, 1]' },
    ]);
  });

  it('adds only equal shapes and concatenates along the last dimension', () => {
    expect(check('model M {\n  input a: float[4]\n  input b: float[5]\n  head h = add(a, b) -> regress(1)\n}\n')).toEqual([
      { code: 'MTL0302', range: '4:12-4:21', message: 'add needs equal shapes, got [4] and [5]' },
    ]);
    const result = compileText(
      'model M {\n  input a: float[4]\n  input b: float[5]\n  head h = concat(a, b -> dense(3)) -> regress(2)\n}\n',
    );
    expect(result.diagnostics).toEqual([]);
    expect(result.models[0]!.heads[0]!.flow.source.shape).toEqual([7]);
  });

  it('reports a shape error inside a block at the call, once per call', () => {
    expect(check('block seq(u: int) = lstm(u)\nmodel M {\n  input x: float[10]\n  head h = x -> seq(4) -> regress(1)\n}\n')).toEqual([
      {
        code: 'MTL0301',
        range: '4:17-4:23',
        message: 'in block "seq": lstm expects a [t, f] sequence input, got [10]',
        hint: 'a sequence has a step axis: declare the input as float[t, f], or use dense on a flat vector',
      },
    ]);
  });

  it('checks that PLE experts accept their own output at the next level', () => {
    expect(
      check(
        'model M {\n  input x: float[10, 4]\n  gate g = ple(x, levels: 2, expert: lstm(8))\n  head a = g -> regress(1)\n  head b = g -> regress(1)\n}\n',
      ),
    ).toEqual([
      {
        code: 'MTL0301',
        range: '3:38-3:45',
        message: 'at PLE level 2: lstm expects a [t, f] sequence input, got [8]',
        hint: 'a sequence has a step axis: declare the input as float[t, f], or use dense on a flat vector',
      },
    ]);
  });

  it('reports every bad dimension of an input type', () => {
    expect(
      check('model M {\n  input x: float[0, 2.5]\n  input t: int[3] vocab 0\n  input c: category(0)\n  head h = x -> regress(1)\n}\n'),
    ).toEqual([
      { code: 'MTL0303', range: '2:18-2:19', message: 'a dimension must be a positive integer' },
      { code: 'MTL0303', range: '2:21-2:24', message: 'a dimension must be a positive integer' },
      { code: 'MTL0303', range: '3:25-3:26', message: 'a vocabulary size must be a positive integer' },
      { code: 'MTL0303', range: '4:21-4:22', message: 'a category count must be a positive integer' },
    ]);
  });

  it('gives one error for one mistake: later stages of a broken pipeline are not checked', () => {
    expect(check('model M {\n  input x: float[10]\n  head a = x -> lstm(4) -> lstm(4) -> classify(3)\n}\n')).toEqual([
      {
        code: 'MTL0301',
        range: '3:17-3:24',
        message: 'lstm expects a [t, f] sequence input, got [10]',
        hint: 'a sequence has a step axis: declare the input as float[t, f], or use dense on a flat vector',
      },
    ]);
  });
});
