import { describe, expect, it } from 'vitest';
import { check, compileText } from '../../helpers/check.js';

const TOWER = 'block tower(units: int, p: float = 0.1) = dense(units, relu) -> dropout(p)\n';

describe('blocks', () => {
  it('checks each argument where it is written, against the block and the layers it feeds', () => {
    expect(
      check(
        `${TOWER}model M {\n  input x: float[10]\n  head h = x -> tower("big") -> regress(1)\n  head g = x -> tower(4, p: 2.0) -> regress(1)\n  head k = x -> tower() -> regress(1)\n  head l = x -> tower(0) -> regress(1)\n}\n`,
      ),
    ).toEqual([
      { code: 'MTL0207', range: '4:23-4:28', message: 'tower argument "units" must be an integer, got "big"' },
      { code: 'MTL0207', range: '5:29-5:32', message: 'dropout argument "rate" must be a number in [0, 1), got 2' },
      { code: 'MTL0203', range: '6:17-6:22', message: 'tower needs the argument "units"' },
      { code: 'MTL0207', range: '7:23-7:24', message: 'dense argument "units" must be an integer >= 1, got 0' },
    ]);
  });

  it('reports a mistake in a block body once, however often the block is called', () => {
    expect(
      check(
        'block tower(units: int) = dens(units)\nmodel M {\n  input x: float[10]\n  head h = x -> tower(4) -> regress(1)\n  head g = x -> tower(8) -> regress(1)\n}\n',
      ),
    ).toEqual([{ code: 'MTL0103', range: '1:27-1:31', message: 'unknown layer or block "dens"', hint: 'did you mean "dense"?' }]);
  });

  it('reports recursion once per cycle of blocks', () => {
    expect(
      check('block a(u: int) = b(u)\nblock b(u: int) = a(u)\nmodel M {\n  input x: float[10]\n  head h = x -> a(4) -> regress(1)\n}\n'),
    ).toEqual([{ code: 'MTL0106', range: '1:19-1:20', message: 'block calls itself: a -> b -> a' }]);
  });

  it('checks parameter types and defaults', () => {
    expect(
      check('block t(u: int = 1.5, v: double) = dense(u)\nmodel M {\n  input x: float[10]\n  head h = x -> t(v: 1) -> regress(1)\n}\n'),
    ).toEqual([
      { code: 'MTL0207', range: '1:18-1:21', message: 't argument "u" must be an integer, got 1.5' },
      { code: 'MTL0107', range: '1:26-1:32', message: 'unknown parameter type "double": use int, float, bool or string' },
    ]);
  });

  it('inlines blocks with parameters bound and layers named after the call', () => {
    const result = compileText(
      `${TOWER}model M {\n  input x: float[10]\n  head h = x -> tower(16) -> tower(units: 8, p: 0.5) -> regress(1)\n}\n`,
    );
    expect(result.diagnostics).toEqual([]);
    expect(result.models[0]!.heads[0]!.flow.layers.map((l) => [l.id, l.op, l.args, l.outShape])).toEqual([
      ['h/tower_1/dense_1', 'dense', { units: 16, activation: 'relu' }, [16]],
      ['h/tower_1/dropout_2', 'dropout', { rate: 0.1 }, [16]],
      ['h/tower_2/dense_1', 'dense', { units: 8, activation: 'relu' }, [8]],
      ['h/tower_2/dropout_2', 'dropout', { rate: 0.5 }, [8]],
    ]);
  });

  it('computes with parameters in argument expressions', () => {
    const result = compileText(
      'block wide(u: int) = dense(u * 2 + 1)\nmodel M {\n  input x: float[10]\n  head h = x -> wide(4) -> regress(1)\n}\n',
    );
    expect(result.models[0]!.heads[0]!.flow.shape).toEqual([9]);
  });
});
