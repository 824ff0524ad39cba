/**
 * The grammar of LANGUAGE.md §3, production by production: what each construct becomes in the AST.
 * Structure is compared without spans here; spans.test.ts pins the spans.
 */
import { describe, expect, test } from 'vitest';
import type { Expr, HeadDecl, InputDecl, Member, ModelDecl } from '../../compiler/ast.js';
import { MtlParser } from '../../grammar/parser.js';
import { astOf, model, withoutSpans } from './support.js';

const name = (text: string) => ({ kind: 'Name', text });
const num = (raw: string) => ({ kind: 'Number', value: Number(raw), raw, isInteger: /^\d+$/.test(raw) });
const str = (value: string, raw = JSON.stringify(value)) => ({ kind: 'String', value, raw });
/** A call; `args` undefined when written without parentheses. */
const call = (callee: string, args?: unknown[]) => ({ kind: 'Call', callee: name(callee), ...(args ? { args } : {}) });
const pipe = (...steps: unknown[]) => ({ kind: 'Pipeline', steps });
const ref = (text: string) => pipe(call(text));
const arg = (value: unknown, argName?: string) => ({ kind: 'Arg', ...(argName ? { name: name(argName) } : {}), value });
const option = (key: string, value: unknown) => ({ kind: 'Option', name: name(key), value });

function membersOf(text: string): Member[] {
  return withoutSpans(astOf(model(text)).models[0]!.members as Member[]);
}

function member<T extends Member>(text: string): T {
  return membersOf(text)[0] as T;
}

/** The value of the option `v` in `train { v: <text> }`. */
function expr(text: string): Expr {
  const train = member<Member>(`train { v: ${text} }`);
  if (train.kind !== 'Train') throw new Error('not a train block');
  return train.options[0]!.value!;
}

describe('file = { import | block | model }', () => {
  test('an empty file is a file with nothing in it', () => {
    expect(withoutSpans(astOf(''))).toEqual({ kind: 'File', imports: [], blocks: [], models: [], comments: [] });
  });

  test('imports, blocks and models are collected by kind, each in source order', () => {
    const file = astOf('import "a.mtl"\nmodel A { }\nblock b = dense(1)\nimport "c.mtl"\nmodel C { }\n');
    expect(file.imports.map((i) => i.path?.value)).toEqual(['a.mtl', 'c.mtl']);
    expect(file.blocks.map((b) => b.name.text)).toEqual(['b']);
    expect(file.models.map((m) => m.name.text)).toEqual(['A', 'C']);
  });
});

describe('import = "import" STRING', () => {
  test('an import holds its path as a string', () => {
    expect(withoutSpans(astOf('import "layers/towers.mtl"').imports)).toEqual([{ kind: 'Import', path: str('layers/towers.mtl') }]);
  });
});

describe('block = "block" ID [ "(" params ")" ] "=" pipeline', () => {
  test('a block with typed parameters and a default', () => {
    const file = astOf('block tower(units: int, p: float = 0.1) = dense(units, relu) -> dropout(p)');
    expect(withoutSpans(file.blocks)).toEqual([
      {
        kind: 'Block',
        name: name('tower'),
        params: [
          { kind: 'Param', name: name('units'), type: name('int') },
          { kind: 'Param', name: name('p'), type: name('float'), default: num('0.1') },
        ],
        body: pipe(call('dense', [arg(ref('units')), arg(ref('relu'))]), call('dropout', [arg(ref('p'))])),
      },
    ]);
  });

  test('a block without parameters, with or without parentheses', () => {
    const file = astOf('block a = dense(8)\nblock b() = dense(8)');
    expect(withoutSpans(file.blocks)).toEqual([
      { kind: 'Block', name: name('a'), params: [], body: pipe(call('dense', [arg(num('8'))])) },
      { kind: 'Block', name: name('b'), params: [], body: pipe(call('dense', [arg(num('8'))])) },
    ]);
  });

  test('a parameter type is kept as written, for the checker to judge', () => {
    expect(astOf('block b(n: integer) = dense(n)').blocks[0]!.params[0]!.type.text).toBe('integer');
  });
});

describe('model = "model" ID "{" { member } "}"', () => {
  test('an empty model', () => {
    expect(withoutSpans(astOf('model Empty { }').models)).toEqual([{ kind: 'Model', name: name('Empty'), members: [] }]);
  });

  test('members of every kind, in source order', () => {
    const members = membersOf(
      [
        'data { train: "train.csv" }',
        'input x: float[4]',
        'trunk t = x -> dense(8)',
        'gate g = mmoe(t, experts: 2)',
        'head h = g -> classify(3)',
        'weights { h: 1.0 }',
        'weighting uncertainty',
        'train { epochs: 3 }',
      ].join('\n'),
    );
    expect(members.map((m) => m.kind)).toEqual(['Data', 'Input', 'Trunk', 'Gate', 'Head', 'Weights', 'Weighting', 'Train']);
  });
});

describe('input = "input" ID ":" tensorType { inputOption }', () => {
  const inputs = (text: string) => membersOf(text) as InputDecl[];

  test('a float vector', () => {
    expect(inputs('input x: float[100]')).toEqual([
      { kind: 'Input', name: name('x'), type: { kind: 'NumericType', dtype: 'float', dims: [num('100')] } },
    ]);
  });

  test('several dimensions', () => {
    expect(inputs('input image: float[28, 28, 1]')[0]!.type).toEqual({
      kind: 'NumericType',
      dtype: 'float',
      dims: [num('28'), num('28'), num('1')],
    });
  });

  test('an int sequence with a vocabulary', () => {
    expect(inputs('input words: int[20] vocab 5000')[0]!.type).toEqual({
      kind: 'NumericType',
      dtype: 'int',
      dims: [num('20')],
      vocab: num('5000'),
    });
  });

  test('a scalar, written without brackets, has no dims', () => {
    expect(inputs('input age: float')[0]!.type).toEqual({ kind: 'NumericType', dtype: 'float' });
  });

  test('a category by count', () => {
    expect(inputs('input kind: category(3)')[0]!.type).toEqual({ kind: 'CategoryType', count: num('3') });
  });

  test('a category by names', () => {
    expect(inputs('input region: category["north", "south"]')[0]!.type).toEqual({
      kind: 'CategoryType',
      names: [str('north'), str('south')],
    });
  });

  test('normalize is recorded by its place in the source', () => {
    const text = model('input x: float[4] normalize');
    const [input] = astOf(text).models[0]!.members as InputDecl[];
    expect(input!.normalize).toEqual({ start: text.indexOf('normalize'), end: text.indexOf('normalize') + 9 });
  });

  test('from a column range', () => {
    expect(inputs('input x: float[3] from "a".."c"')[0]!.from).toEqual({ kind: 'ColumnRange', first: str('a'), last: str('c') });
  });

  test('from a column list, with normalize after it', () => {
    const [input] = inputs('input x: float[2] from ["a", "c"] normalize');
    expect(input!.from).toEqual({ kind: 'ColumnList', names: [str('a'), str('c')] });
    expect(input!.normalize).toBeDefined();
  });
});

describe('trunk, gate and head', () => {
  test('trunk = "trunk" ID "=" pipeline', () => {
    expect(membersOf('trunk shared = x -> dense(64, relu)')).toEqual([
      { kind: 'Trunk', name: name('shared'), pipeline: pipe(call('x'), call('dense', [arg(num('64')), arg(ref('relu'))])) },
    ]);
  });

  test('a pipeline may start with a call such as concat(…)', () => {
    expect(membersOf('trunk both = concat(a, b) -> dense(8)')).toEqual([
      {
        kind: 'Trunk',
        name: name('both'),
        pipeline: pipe(call('concat', [arg(ref('a')), arg(ref('b'))]), call('dense', [arg(num('8'))])),
      },
    ]);
  });

  test('gate = "gate" ID "=" call, with a chain as a named argument', () => {
    expect(membersOf('gate moe = mmoe(features, experts: 4, expert: dense(32, relu) -> dense(16, relu))')).toEqual([
      {
        kind: 'Gate',
        name: name('moe'),
        call: call('mmoe', [
          arg(ref('features')),
          arg(num('4'), 'experts'),
          arg(pipe(call('dense', [arg(num('32')), arg(ref('relu'))]), call('dense', [arg(num('16')), arg(ref('relu'))])), 'expert'),
        ]),
      },
    ]);
  });

  test('head = "head" ID "=" pipeline, without options', () => {
    expect(membersOf('head task1 = shared -> classify(10)')).toEqual([
      { kind: 'Head', name: name('task1'), pipeline: pipe(call('shared'), call('classify', [arg(num('10'))])), options: [] },
    ]);
  });

  test('head options in braces, separated by commas or newlines', () => {
    const [head] = membersOf('head h = x -> binary() { label: "y", metrics: [accuracy, auc]\n loss: mse }') as HeadDecl[];
    expect(head!.pipeline).toEqual(pipe(call('x'), call('binary', [])));
    expect(head!.options).toEqual([
      option('label', str('y')),
      option('metrics', { kind: 'List', items: [ref('accuracy'), ref('auc')] }),
      option('loss', ref('mse')),
    ]);
  });
});

describe('weights, weighting, train and data', () => {
  test('weights hold an entry per head, a number or a search space', () => {
    expect(membersOf('weights { t: 1.0, u: search(0.1, 0.5) }')).toEqual([
      {
        kind: 'Weights',
        entries: [option('t', num('1.0')), option('u', pipe(call('search', [arg(num('0.1')), arg(num('0.5'))])))],
      },
    ]);
  });

  test('weighting names a strategy, bare or called with arguments', () => {
    expect(membersOf('weighting uncertainty\nweighting gradnorm(alpha: 1.5)')).toEqual([
      { kind: 'Weighting', call: call('uncertainty') },
      { kind: 'Weighting', call: call('gradnorm', [arg(num('1.5'), 'alpha')]) },
    ]);
  });

  test('train options, one per line, with a named argument inside', () => {
    expect(membersOf('train {\n  optimizer: adam(lr: 0.001)\n  epochs: 10\n  batch: 32,\n}')).toEqual([
      {
        kind: 'Train',
        options: [
          option('optimizer', pipe(call('adam', [arg(num('0.001'), 'lr')]))),
          option('epochs', num('10')),
          option('batch', num('32')),
        ],
      },
    ]);
  });

  test('data options may be named by keywords, such as train', () => {
    expect(membersOf('data { train: "a.csv", test: "b.csv", format: csv }')).toEqual([
      { kind: 'Data', options: [option('train', str('a.csv')), option('test', str('b.csv')), option('format', ref('csv'))] },
    ]);
  });

  test('an empty option block', () => {
    expect(membersOf('train { }')).toEqual([{ kind: 'Train', options: [] }]);
  });
});

describe('expressions', () => {
  test('numbers keep how they were written, and whether they are integers', () => {
    expect([expr('12'), expr('12.0'), expr('0.5'), expr('1e-3')]).toEqual([
      { kind: 'Number', value: 12, raw: '12', isInteger: true },
      { kind: 'Number', value: 12, raw: '12.0', isInteger: false },
      { kind: 'Number', value: 0.5, raw: '0.5', isInteger: false },
      { kind: 'Number', value: 0.001, raw: '1e-3', isInteger: false },
    ]);
  });

  test('strings hold their unescaped value and their raw text', () => {
    expect(expr('"say \\"hi\\" to C:\\\\data"')).toEqual({
      kind: 'String',
      value: 'say "hi" to C:\\data',
      raw: '"say \\"hi\\" to C:\\\\data"',
    });
  });

  test('a backslash before any other character is kept as written', () => {
    expect(expr('"C:\\data"')).toEqual({ kind: 'String', value: 'C:\\data', raw: '"C:\\data"' });
  });

  test('booleans', () => {
    expect([expr('true'), expr('false')]).toEqual([
      { kind: 'Bool', value: true },
      { kind: 'Bool', value: false },
    ]);
  });

  test('lists, empty or not, of any values', () => {
    expect(expr('[1, "a", [], x]')).toEqual({
      kind: 'List',
      items: [num('1'), str('a'), { kind: 'List', items: [] }, ref('x')],
    });
  });

  test('* and / bind tighter than + and -, and all are left-associative', () => {
    const bin = (op: string, left: unknown, right: unknown) => ({ kind: 'Binary', op, left, right });
    expect(expr('1 + 2 * 3 - 4 / 5 / 6')).toEqual(
      bin('-', bin('+', num('1'), bin('*', num('2'), num('3'))), bin('/', bin('/', num('4'), num('5')), num('6'))),
    );
  });

  test('parentheses group', () => {
    expect(expr('(1 + 2) * 3')).toEqual({
      kind: 'Binary',
      op: '*',
      left: { kind: 'Paren', inner: { kind: 'Binary', op: '+', left: num('1'), right: num('2') } },
      right: num('3'),
    });
  });

  test('unary minus, repeated and after an operator', () => {
    const neg = (operand: unknown) => ({ kind: 'Negate', operand });
    expect(expr('- -2 - -x')).toEqual({ kind: 'Binary', op: '-', left: neg(neg(num('2'))), right: neg(ref('x')) });
  });

  test('a chain of calls is a value', () => {
    expect(expr('dense(32, relu) -> dropout(0.5) -> flatten()')).toEqual(
      pipe(call('dense', [arg(num('32')), arg(ref('relu'))]), call('dropout', [arg(num('0.5'))]), call('flatten', [])),
    );
  });

  test('a name followed by ":" is a named argument; a name alone is a positional chain', () => {
    expect(expr('f(a, b: c, d -> e)')).toEqual(pipe(call('f', [arg(ref('a')), arg(ref('c'), 'b'), arg(pipe(call('d'), call('e')))])));
  });

  test('a keyword may name an argument', () => {
    expect(expr('f(data: 1)')).toEqual(pipe(call('f', [arg(num('1'), 'data')])));
  });
});

describe('keywords and identifiers', () => {
  test('words that start with a keyword are ordinary names', () => {
    const m = withoutSpans(
      astOf('model headCount {\n  input inputs: float\n  head trainer = inputs -> regress(1)\n}').models[0]!,
    ) as ModelDecl;
    expect([m.name.text, ...m.members.map((x) => (x as InputDecl).name.text)]).toEqual(['headCount', 'inputs', 'trainer']);
  });

  test('type words are ordinary names outside a type', () => {
    const members = membersOf('input float: float\ntrunk category = float -> dense(2)');
    expect(members.map((x) => (x as InputDecl).name.text)).toEqual(['float', 'category']);
  });
});

describe('the grammar itself', () => {
  test("passes all of Chevrotain's grammar validations (the shared parser skips them to start faster)", () => {
    expect(() => new MtlParser({ validate: true })).not.toThrow();
  });
});
