import { describe, expect, it } from 'vitest';
import { check } from '../../helpers/check.js';

describe('gates', () => {
  it('warns about unused members and gates with one reader', () => {
    expect(
      check(
        'model M {\n  input x: float[4]\n  input y: float[4]\n  trunk t = x -> dense(4)\n  gate g = mmoe(x, expert: dense(4))\n  gate q = cgc(x, expert: dense(4))\n  head a = g -> regress(1)\n}\n',
      ),
    ).toEqual([
      { code: 'MTL0901', range: '3:9-3:10', message: 'input "y" is never read by a head' },
      { code: 'MTL0901', range: '4:9-4:10', message: 'trunk "t" is never read by a head' },
      { code: 'MTL0902', range: '5:8-5:9', message: 'gate "g" is read only by "a": a mixture of experts shares experts between tasks' },
      { code: 'MTL0901', range: '6:8-6:9', message: 'gate "q" is never read by a head' },
    ]);
  });

  it('reports an unknown gate source and gate kind', () => {
    expect(
      check(
        'model M {\n  input x: float[4]\n  gate g = mmoe(nothing, expert: dense(4))\n  gate k = mixture(x)\n  head a = g -> regress(1)\n  head b = g -> regress(1)\n}\n',
      ),
    ).toEqual([
      { code: 'MTL0101', range: '3:17-3:24', message: 'unknown name "nothing"' },
      { code: 'MTL0404', range: '4:12-4:19', message: 'unknown gate kind "mixture": use mmoe, cgc or ple' },
    ]);
  });

  it('lets a gate read a pipeline of its own', () => {
    expect(
      check(
        'model M {\n  input x: float[4]\n  gate g = mmoe(x -> dense(8), experts: 3, expert: dense(4) -> dense(2))\n  head a = g -> regress(1)\n  head b = g -> binary()\n}\n',
      ),
    ).toEqual([]);
  });

  it('does not let a gate read another gate', () => {
    expect(
      check(
        'model M {\n  input x: float[4]\n  gate g = mmoe(x, expert: dense(4))\n  gate k = mmoe(g, expert: dense(4))\n  head a = k -> regress(1)\n  head b = k -> binary()\n  head c = g -> binary()\n  head d = g -> binary()\n}\n',
      ),
    ).toEqual([{ code: 'MTL0108', range: '4:17-4:18', message: '"g" is a gate; expected an input or trunk: only a head reads a gate' }]);
  });

  it('requires a head in every model', () => {
    expect(check('model M {\n  input x: float[4]\n}\nmodel N {\n  input x: float[4]\n  head h = x -> regress(1)\n}\n')).toEqual([
      { code: 'MTL0401', range: '1:7-1:8', message: 'model "M" has no head: declare at least one task' },
    ]);
  });
});
