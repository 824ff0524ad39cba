import { describe, expect, it } from 'vitest';
import { check, compileText, rangeOf, show } from '../../helpers/check.js';

describe('names and scope', () => {
  it('suggests the closest member for an unknown source', () => {
    expect(check('model M {\n  input features: float[10]\n  head a = featurs -> regress(1)\n}\n')).toEqual([
      { code: 'MTL0101', range: '3:12-3:19', message: 'unknown name "featurs"', hint: 'did you mean "features"?' },
    ]);
  });

  it('reports a duplicate name once, at the later copy', () => {
    expect(
      check('model M {\n  input x: float[4]\n  trunk x = x -> dense(2)\n  head h = x -> regress(1)\n  head h = x -> regress(1)\n}\n'),
    ).toEqual([
      { code: 'MTL0102', range: '3:9-3:10', message: 'name "x" is declared more than once' },
      { code: 'MTL0102', range: '5:8-5:9', message: 'name "h" is declared more than once' },
    ]);
  });

  it('points each later copy at the first', () => {
    const text =
      'block b = dense(1)\nblock b = dense(2)\nblock b = dense(3)\nmodel M {\n  input x: float[4]\n  head h = x -> b -> regress(1)\n}\n';
    const result = compileText(text);
    expect(result.diagnostics.map((d) => [show(result, d), d.related?.map((r) => [rangeOf(result.lines, r.span), r.message])])).toEqual([
      [{ code: 'MTL0102', range: '2:7-2:8', message: 'block "b" is declared more than once' }, [['1:7-1:8', 'first declared here']]],
      [{ code: 'MTL0102', range: '3:7-3:8', message: 'block "b" is declared more than once' }, [['1:7-1:8', 'first declared here']]],
    ]);
  });

  it('does not let a pipeline read a head', () => {
    expect(check('model M {\n  input x: float[4]\n  head a = x -> regress(1)\n  head b = a -> regress(1)\n}\n')).toEqual([
      { code: 'MTL0108', range: '4:12-4:13', message: '"a" is a head; expected an input, trunk or gate' },
    ]);
  });

  it('explains a member name used as a layer', () => {
    expect(check('model M {\n  input x: float[10]\n  trunk t = x -> dense(4)\n  head a = x -> t -> regress(1)\n}\n')).toEqual([
      {
        code: 'MTL0108',
        range: '4:17-4:18',
        message: '"t" is a trunk; expected a layer or block',
        hint: 'a pipeline reads t at its start: t -> …',
      },
    ]);
  });

  it('lets merges only start a pipeline', () => {
    expect(check('model M {\n  input x: float[10]\n  head a = x -> concat(x) -> regress(1)\n}\n')).toEqual([
      { code: 'MTL0108', range: '3:17-3:23', message: '"concat" is a merge, which only starts a pipeline; expected a layer or block' },
    ]);
  });

  it('resolves names regardless of declaration order', () => {
    expect(check('model M {\n  head a = t -> regress(1)\n  trunk t = x -> dense(4)\n  input x: float[10]\n}\n')).toEqual([]);
  });

  it('brings the blocks of an imported file into scope, relative to the importing file', () => {
    const files = { '/project/lib/blocks.mtl': 'block tower(units: int) = dense(units, relu)\n' };
    expect(check('import "lib/blocks.mtl"\nmodel M {\n  input x: float[10]\n  head a = x -> tower(4) -> regress(1)\n}\n', files)).toEqual(
      [],
    );
    expect(check('import "lib/missing.mtl"\nmodel M {\n  input x: float[10]\n  head a = x -> regress(1)\n}\n', files)).toEqual([
      { code: 'MTL0105', range: '1:8-1:25', message: 'cannot read imported file "lib/missing.mtl"' },
    ]);
  });

  it('reports a missing import once: its blocks are not reported as unknown again, but a misspelt layer still is', () => {
    expect(
      check('import "lib/missing.mtl"\nmodel M {\n  input x: float[10]\n  head a = x -> tower(4) -> dens(2) -> regress(1)\n}\n'),
    ).toEqual([
      { code: 'MTL0105', range: '1:8-1:25', message: 'cannot read imported file "lib/missing.mtl"' },
      { code: 'MTL0103', range: '4:29-4:33', message: 'unknown layer or block "dens"', hint: 'did you mean "dense"?' },
    ]);
  });

  it('reports errors inside an imported block at the call', () => {
    const files = { '/project/blocks.mtl': 'block seq(u: int) = lstm(u)\n' };
    expect(check('import "blocks.mtl"\nmodel M {\n  input x: float[10]\n  head a = x -> seq(4) -> regress(1)\n}\n', files)).toEqual([
      {
        code: 'MTL0301',
        range: '4:17-4:23',
        message: 'in block "seq": lstm expects a [t, f] sequence input, got [10]',
        hint: 'a sequence has a step axis: declare the input as float[t, f], or use dense on a flat vector',
      },
    ]);
  });
});

describe('cycles', () => {
  it('reports a cycle once, at its first member, with its path', () => {
    expect(
      check(
        'model M {\n  input x: float[4]\n  trunk a = c -> dense(4)\n  trunk b = a -> dense(4)\n  trunk c = b -> dense(4)\n  head h = concat(x, c) -> regress(1)\n}\n',
      ),
    ).toEqual([{ code: 'MTL0104', range: '3:9-3:10', message: 'cycle: a -> c -> b -> a' }]);
  });

  it('reports a member that reads itself', () => {
    expect(check('model M {\n  input x: float[4]\n  trunk a = a -> dense(4)\n  head h = a -> regress(1)\n}\n')).toEqual([
      { code: 'MTL0104', range: '3:9-3:10', message: 'cycle: a -> a' },
    ]);
  });
});
