import { describe, expect, it } from 'vitest';
import { check } from '../../helpers/check.js';

describe('weights and weighting', () => {
  it('checks each weight: head names, values, repeats, and heads left out', () => {
    expect(
      check(
        'model M {\n  input x: float[4]\n  head h = x -> regress(1)\n  head g = x -> regress(1)\n  head k = x -> regress(1)\n  weights { h: search(0.1, 1), g: "heavy", h: 2, q: 1 }\n}\n',
      ),
    ).toEqual([
      { code: 'MTL0903', range: '5:8-5:9', message: 'head "k" is not in weights {}, so it gets weight 1.0' },
      { code: 'MTL0503', range: '6:35-6:42', message: 'option "g" must be a number or search(…), got "heavy"' },
      { code: 'MTL0502', range: '6:44-6:45', message: 'option "h" is given more than once' },
      { code: 'MTL0504', range: '6:50-6:51', message: 'weights names "q", which is not a head', hint: 'did you mean "h"?' },
    ]);
  });

  it('takes non-negative candidates in search()', () => {
    expect(check('model M {\n  input x: float[4]\n  head h = x -> regress(1)\n  weights { h: search(0.1, -1) }\n}\n')).toEqual([
      { code: 'MTL0510', range: '4:28-4:30', message: 'search(...) takes non-negative numbers only' },
    ]);
  });

  it('checks weighting arguments', () => {
    expect(
      check('model M {\n  input x: float[4]\n  head h = x -> regress(1)\n  head g = x -> regress(1)\n  weighting gradnorm(alpha: -1)\n}\n'),
    ).toEqual([{ code: 'MTL0207', range: '5:29-5:31', message: 'gradnorm argument "alpha" must be a number > 0, got -1' }]);
  });

  it('allows one weighting per model', () => {
    expect(check('model M {\n  input x: float[4]\n  head h = x -> regress(1)\n  weighting dwa\n  weighting pcgrad\n}\n')).toEqual([
      { code: 'MTL0509', range: '5:3-5:19', message: 'the model has more than one weighting section' },
    ]);
  });
});
