import { afterAll, beforeAll, expect, test } from 'vitest';
import type * as lsp from 'vscode-languageserver/node';
import { LEGEND } from '../../lsp/server/semantic-tokens.js';
import { startTestServer, type TestServer } from './helpers.js';

let server: TestServer;
beforeAll(async () => {
  server = await startTestServer();
});
afterAll(() => server.stop());

/** Decodes the relative encoding into `text type[.modifier…]` lines. */
function decode(text: string, data: readonly number[]): string[] {
  const lines = text.split('\n');
  const out: string[] = [];
  let line = 0;
  let char = 0;
  for (let i = 0; i < data.length; i += 5) {
    const [dLine, dChar, length, type, mods] = data.slice(i, i + 5) as [number, number, number, number, number];
    line += dLine;
    char = dLine === 0 ? char + dChar : dChar;
    const modifiers = LEGEND.tokenModifiers.filter((_, bit) => mods & (1 << bit));
    out.push([lines[line]!.slice(char, char + length), [LEGEND.tokenTypes[type], ...modifiers].join('.')].join(' '));
  }
  return out;
}

const TEXT = `// two tasks
block tower(units: int) = dense(units, relu) -> dropout(0.1)
model M {
  input x: float[4] normalize
  trunk t = x -> tower(8)
  head h = t -> classify(3) { metrics: [accuracy] }
  train { optimizer: adam(lr: 0.01) }
}
/* a
   b */`;

test('semantic tokens classify each name by what it names', async () => {
  const { uri } = await server.open(TEXT);
  const tokens = await server.request<lsp.SemanticTokens>('textDocument/semanticTokens/full', { textDocument: { uri } });
  expect(decode(TEXT, tokens.data)).toEqual([
    '// two tasks comment',
    'block keyword',
    'tower function.declaration',
    'units parameter.declaration',
    'int type',
    'dense function.defaultLibrary',
    'units parameter',
    'relu enumMember.defaultLibrary',
    '-> operator',
    'dropout function.defaultLibrary',
    '0.1 number',
    'model keyword',
    'M class.declaration',
    'input keyword',
    'x variable.declaration',
    'float type',
    '4 number',
    'normalize keyword',
    'trunk keyword',
    't variable.declaration',
    'x variable',
    '-> operator',
    'tower function',
    '8 number',
    'head keyword',
    'h variable.declaration',
    't variable',
    '-> operator',
    'classify function.defaultLibrary',
    '3 number',
    'metrics property',
    'accuracy enumMember.defaultLibrary',
    'train keyword',
    'optimizer property',
    'adam function.defaultLibrary',
    'lr parameter',
    '0.01 number',
    '/* a comment',
    '   b */ comment',
  ]);
});
