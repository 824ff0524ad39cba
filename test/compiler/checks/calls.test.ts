import { describe, expect, it } from 'vitest';
import { check } from '../../helpers/check.js';

const head = (pipeline: string) => `model M {\n  input x: float[10]\n  head h = x -> ${pipeline} -> regress(1)\n}\n`;

describe('calls and arguments', () => {
  it('takes integers where integers are declared, and checks ranges', () => {
    expect(check(head('dense(64.0) -> dropout(1)'))).toEqual([
      {
        code: 'MTL0207',
        range: '3:23-3:27',
        message: 'dense argument "units" must be written as an integer, got 64.0',
        hint: 'write 64',
      },
      { code: 'MTL0207', range: '3:40-3:41', message: 'dropout argument "rate" must be a number in [0, 1), got 1' },
    ]);
  });

  it('accepts enumerated values as names or strings, and suggests near misses', () => {
    expect(
      check(
        'model M {\n  input x: float[10, 3]\n  head h = x -> conv1d(4, 3, padding: "valid") -> conv1d(4, 3, padding: full) -> flatten() -> regress(1)\n}\n',
      ),
    ).toEqual([{ code: 'MTL0204', range: '3:73-3:77', message: 'unknown padding "full"' }]);
    expect(check(head('dense(8, activation: rleu)'))).toEqual([
      { code: 'MTL0204', range: '3:38-3:42', message: 'unknown activation "rleu"', hint: 'did you mean "relu"?' },
    ]);
  });

  it('binds positional arguments first, then named ones', () => {
    expect(check(head('dense(units: 8, relu)'))).toEqual([
      { code: 'MTL0205', range: '3:33-3:37', message: 'positional arguments come before named ones' },
    ]);
    expect(check(head('dense(8, units: 4)'))).toEqual([
      { code: 'MTL0206', range: '3:26-3:31', message: 'argument "units" is given more than once' },
    ]);
    expect(check(head('dense(8, relu, 3, 4)'))).toEqual([
      { code: 'MTL0202', range: '3:32-3:33', message: 'dense takes at most 2 arguments, got 4' },
    ]);
    expect(check(head('dense(activation: relu)'))).toEqual([
      { code: 'MTL0203', range: '3:17-3:22', message: 'dense needs the argument "units"' },
    ]);
    expect(check(head('dense(8, activaton: relu)'))).toEqual([
      { code: 'MTL0201', range: '3:26-3:35', message: 'dense has no argument "activaton"', hint: 'did you mean "activation"?' },
    ]);
  });

  it('computes argument expressions and reports division by zero', () => {
    expect(check(head('dense(4 * (2 + 1)) -> dense(8 / 0)'))).toEqual([
      { code: 'MTL0210', range: '3:45-3:50', message: 'division by zero' },
    ]);
  });

  it('names the closest layer for an unknown call', () => {
    expect(check(head('dens(8)'))).toEqual([
      { code: 'MTL0103', range: '3:17-3:21', message: 'unknown layer or block "dens"', hint: 'did you mean "dense"?' },
    ]);
  });
});
