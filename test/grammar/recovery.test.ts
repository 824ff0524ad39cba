/**
 * Error recovery: every syntax error is reported once, at its place, in words for people, and the
 * parts that parsed are still in the AST.
 */
import { describe, expect, test } from 'vitest';
import type { HeadDecl, Member, TrainDecl } from '../../compiler/ast.js';
import { parse } from '../../compiler/parse.js';
import { diagnosticRecords } from '../helpers/diagnostics.js';

function parsed(text: string) {
  const { ast, diagnostics } = parse(text);
  return { ast, diagnostics: diagnosticRecords(text, diagnostics) };
}

/** Each member as `kind name` (or just the kind), to see what survived. */
function membersOf(members: readonly Member[]): string[] {
  return members.map((m) => ('name' in m ? `${m.kind} ${m.name.text}` : m.kind));
}

const syntax = (message: string, range: string) => ({ code: 'MTL0010', message, range });

describe('a broken member', () => {
  test('does not lose the members after it', () => {
    const text = [
      'model Seed {',
      '  input x: float[100]',
      '  trunk shared = x -> dense(64, relu) dense(32)',
      '  head task1 = shared -> classify(10)',
      '}',
    ].join('\n');
    const { ast, diagnostics } = parsed(text);
    expect(diagnostics).toEqual([syntax('expected "->" or "}" after "dense(64, relu)"', '3:39-3:44')]);
    expect(membersOf(ast.models[0]!.members)).toEqual(['Input x', 'Trunk shared', 'Head task1']);
  });

  test('a missing "=" is reported after the name, and the head is kept', () => {
    const { ast, diagnostics } = parsed('model M {\n  head task1 shared -> classify(10)\n  head task2 = shared -> classify(5)\n}');
    expect(diagnostics).toEqual([syntax('expected "=" after "head task1"', '2:14-2:20')]);
    expect(membersOf(ast.models[0]!.members)).toEqual(['Head task1', 'Head task2']);
  });

  test('a missing name is reported after the keyword and leaves an empty name', () => {
    const { ast, diagnostics } = parsed('model M {\n  head = x -> classify(2)\n  input x: float\n}');
    expect(diagnostics).toEqual([syntax('expected a name after "head"', '2:8-2:9')]);
    expect(membersOf(ast.models[0]!.members)).toEqual(['Head ', 'Input x']);
  });

  test('a stray "->" in a pipeline costs only that pipeline\'s step', () => {
    const { ast, diagnostics } = parsed('model M {\n  trunk t = x -> -> dense(64)\n  head h = t -> classify(2)\n}');
    expect(diagnostics).toEqual([syntax('expected a name after "->"', '2:18-2:20')]);
    const trunk = ast.models[0]!.members[0]!;
    expect(trunk.kind === 'Trunk' && trunk.pipeline!.steps.map((s) => s.callee.text)).toEqual(['x', 'dense']);
    expect(membersOf(ast.models[0]!.members)).toEqual(['Trunk t', 'Head h']);
  });

  test('an input with an unknown type keeps its name and loses only its type', () => {
    const { ast, diagnostics } = parsed('model M {\n  input x: floot[3]\n  input y: float\n}');
    expect(diagnostics).toEqual([syntax('expected a type ("float", "int" or "category") after "input x:"', '2:12-2:17')]);
    const [x, y] = ast.models[0]!.members;
    expect([x!.kind === 'Input' && x.type, y!.kind === 'Input' && y.type?.kind]).toEqual([undefined, 'NumericType']);
  });
});

describe('several errors in one file', () => {
  test('are all reported, one per place, and every model survives', () => {
    const text = [
      'model A {',
      '  input x: float[100',
      '  trunk t = x -> dense(64 relu)',
      '  head h = t -> classify(2)',
      '}',
      'model B {',
      '  head h x -> classify(2)',
      '  head g = x -> classify(2)',
      '}',
      'model C {',
      '  input x: float[4]',
      'model D {',
      '  weighting',
      '}',
    ].join('\n');
    const { ast, diagnostics } = parsed(text);
    expect(diagnostics).toEqual([
      syntax('expected "," or "]" after "100"', '3:3-3:8'),
      syntax('expected "," or ")" after "64"', '3:27-3:31'),
      syntax('expected "=" after "head h"', '7:10-7:11'),
      syntax('expected "vocab", "normalize", "from" or "}" after "float[4]"', '12:1-12:6'),
      syntax('expected a name after "weighting"', '14:1-14:2'),
    ]);
    expect(ast.models.map((m) => `${m.name.text}: ${membersOf(m.members).join(', ')}`)).toEqual([
      'A: Input x, Trunk t, Head h',
      'B: Head h, Head g',
      'C: Input x',
      'D: Weighting',
    ]);
  });

  test('errors inside option blocks are reported per option, and the options around them kept', () => {
    const text = 'model M {\n  train { epochs 10, lr: , batch: 32 }\n  head h = x -> classify(2)\n}';
    const { ast, diagnostics } = parsed(text);
    expect(diagnostics).toEqual([syntax('expected ":" after "epochs"', '2:18-2:20'), syntax('expected a value after ":"', '2:26-2:27')]);
    const train = ast.models[0]!.members[0] as TrainDecl;
    expect(train.options.map((o) => [o.name.text, o.value?.kind])).toEqual([
      ['epochs', 'Number'],
      ['lr', undefined],
      ['batch', 'Number'],
    ]);
    expect(membersOf(ast.models[0]!.members)).toEqual(['Train', 'Head h']);
  });

  test('errors in blocks and imports', () => {
    const text = 'block b(u: int = , v) = dense(u)\nblock d =\nimport 42\nmodel M { head h = x -> b(2) }';
    const { ast, diagnostics } = parsed(text);
    expect(diagnostics).toEqual([
      syntax('expected a value after "="', '1:18-1:19'),
      syntax('expected ":" after "v"', '1:21-1:22'),
      syntax('expected a name after "block d ="', '3:1-3:7'),
      syntax('expected a string after "import"', '3:8-3:10'),
    ]);
    expect(ast.blocks.map((b) => `${b.name.text}(${b.params.map((p) => p.name.text).join(', ')})`)).toEqual(['b(u, v)', 'd()']);
    expect(ast.models.map((m) => m.name.text)).toEqual(['M']);
  });
});

describe('the wording of syntax errors', () => {
  const cases: [string, string, string][] = [
    ['model M { head h = x -> classify(2) }}', 'expected "import", "block" or "model" after "}"', '1:38-1:39'],
    ['model M {\n  input x: float', 'expected "[", "vocab", "normalize", "from" or "}" after "input x: float"', '2:17-2:17'],
    ['model M {\n  head h = x -> classify(10)', 'expected "->", "{" or "}" after "classify(10)"', '2:29-2:29'],
    ['model M\n  input x: float\n}', 'expected "{" after "model M"', '2:3-2:8'],
    ['model M { head h = (x) -> classify(2) }', 'expected a name after "head h ="', '1:20-1:21'],
    ['model M { head h = x -> f(1 +) }', 'expected a value after "+"', '1:30-1:31'],
    ['model M { head h = x -> f(,) }', 'expected a value or ")" after "f("', '1:27-1:28'],
    ['model M { head h = x -> f([1, 2) }', 'expected "," or "]" after "2"', '1:32-1:33'],
    ['model M { input c: category(3 }', 'expected ")" after "3"', '1:31-1:32'],
    ['model M { input w: float from "a" "b" }', 'expected ".." after "a"', '1:35-1:38'],
    ['model M { input v: float[3] vocab }', 'expected a number after "vocab"', '1:35-1:36'],
    ['model M { data { train: "a.csv" test "b.csv" } }', 'expected ":" after "test"', '1:38-1:45'],
    ['block b(,) = dense(1)', 'expected a name or ")" after "b("', '1:9-1:10'],
    ['x = 1', 'expected "import", "block" or "model"', '1:1-1:2'],
  ];
  test.each(cases)('%j says %s', (text, message, range) => {
    expect(parsed(text).diagnostics).toEqual([syntax(message, range)]);
  });
});

describe('keywords used as names', () => {
  test('are MTL0011 where declared and where referenced, and parse as names', () => {
    const text = 'model M {\n  trunk train = x -> dense(1)\n  head task1 = train -> classify(10)\n}';
    const { ast, diagnostics } = parsed(text);
    expect(diagnostics).toEqual([
      { code: 'MTL0011', message: '"train" is a keyword and cannot be used as a name', range: '2:9-2:14' },
      { code: 'MTL0011', message: '"train" is a keyword and cannot be used as a name', range: '3:16-3:21' },
    ]);
    const head = ast.models[0]!.members[1] as HeadDecl;
    expect([ast.models[0]!.members[0]!.kind, head.pipeline!.steps[0]!.callee.text]).toEqual(['Trunk', 'train']);
  });

  test('a keyword as a model, block or parameter name', () => {
    expect(parsed('model data { }\nblock head(true: int) = dense(1)').diagnostics).toEqual([
      { code: 'MTL0011', message: '"data" is a keyword and cannot be used as a name', range: '1:7-1:11' },
      { code: 'MTL0011', message: '"head" is a keyword and cannot be used as a name', range: '2:7-2:11' },
      { code: 'MTL0011', message: '"true" is a keyword and cannot be used as a name', range: '2:12-2:16' },
    ]);
  });

  test('a keyword as an option key or argument name is not an error', () => {
    expect(parsed('model M { data { train: "a.csv" }\n gate g = mmoe(x, data: 1) }').diagnostics).toEqual([]);
  });
});

describe('nesting too deep', () => {
  test('is MTL0012 once, at the first bracket past the limit, and the rest of the file is parsed', () => {
    const text = `model M {\n  trunk t = x -> dense(${'('.repeat(300)}64${')'.repeat(300)}, relu)\n  head h = t -> classify(2)\n}`;
    const { ast, diagnostics } = parsed(text);
    expect(diagnostics).toEqual([{ code: 'MTL0012', message: 'expression nested more than 100 levels deep', range: '2:122-2:123' }]);
    expect(membersOf(ast.models[0]!.members)).toEqual(['Trunk t', 'Head h']);
  });

  test('a long run of minus signs is nesting too', () => {
    const text = `model M { train { v: ${'-'.repeat(150)}1 } }`;
    expect(parsed(text).diagnostics).toEqual([
      { code: 'MTL0012', message: 'expression nested more than 100 levels deep', range: '1:122-1:123' },
    ]);
  });
});

describe('lexical errors do not cascade into syntax errors', () => {
  test('an unexpected character is skipped', () => {
    const { ast, diagnostics } = parsed('model M {\n  trunk t = x -> dense(64, relu) #\n  head h = t -> classify(2)\n}');
    expect(diagnostics).toEqual([{ code: 'MTL0001', message: 'unexpected character "#"', range: '2:34-2:35' }]);
    expect(membersOf(ast.models[0]!.members)).toEqual(['Trunk t', 'Head h']);
  });

  test('an unterminated string keeps its text as the value and the next member', () => {
    const { ast, diagnostics } = parsed('model M {\n  head h = x -> classify(2) { label: "h }\n  head g = x -> classify(2)\n}');
    expect(diagnostics.map((d) => d.code)).toEqual(['MTL0002']);
    const head = ast.models[0]!.members[0] as HeadDecl;
    expect(head.options[0]!.value).toMatchObject({ kind: 'String', value: 'h }', raw: '"h }' });
    expect(membersOf(ast.models[0]!.members)).toEqual(['Head h', 'Head g']);
  });

  test('an unterminated comment keeps what came before it', () => {
    const { ast, diagnostics } = parsed('model M {\n  input x: float\n/* trunk t = x\n}');
    expect(diagnostics.map((d) => d.code)).toEqual(['MTL0003']);
    expect(membersOf(ast.models[0]!.members)).toEqual(['Input x']);
    expect(ast.comments.map((c) => c.text)).toEqual(['/* trunk t = x\n}']);
  });
});

describe('a comment written with "#"', () => {
  test('is one MTL0001 at the "#", with a fix to "//", and the rest of its line is skipped', () => {
    const text = 'model M {\n  input x: float[2] # the features\n  head h = x -> classify(2)\n}';
    const { ast, diagnostics } = parse(text);
    expect(diagnosticRecords(text, diagnostics)).toEqual([{ code: 'MTL0001', message: 'unexpected character "#"', range: '2:21-2:22' }]);
    expect(diagnostics[0]!.suggestion?.newText).toBe('//');
    expect(membersOf(ast.models[0]!.members)).toEqual(['Input x', 'Head h']);
  });
});
