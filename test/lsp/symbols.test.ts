import { afterAll, beforeAll, expect, test } from 'vitest';
import type * as lsp from 'vscode-languageserver/node';
import { r, startTestServer, type TestServer } from './helpers.js';

let server: TestServer;
beforeAll(async () => {
  server = await startTestServer();
});
afterAll(() => server.stop());

const CENSUS = `block tower(units: int, p: float = 0.1) = dense(units, relu) -> dropout(p)

model Census {
  input features: float[64] normalize
  trunk base = features -> dense(32, relu)
  gate moe = mmoe(base, experts: 4, expert: dense(16, relu))
  head income  = moe -> tower(16) -> binary()
  head marital = moe -> tower(16) -> classify(7)
}
`;

type Shown = [string, number, string, string, string?, Shown[]?];

function show(s: lsp.DocumentSymbol): Shown {
  const shown: Shown = [s.name, s.kind, r(s.range), r(s.selectionRange), s.detail];
  if (s.children !== undefined) shown.push(s.children.map(show));
  return shown;
}

test('document symbols: blocks with parameters, and each model with its inputs, trunks, gates and heads with shapes', async () => {
  const { uri } = await server.open(CENSUS);
  const symbols = await server.request<lsp.DocumentSymbol[]>('textDocument/documentSymbol', { textDocument: { uri } });
  expect(symbols.map(show)).toEqual([
    [
      'tower',
      12,
      '0:0-0:74',
      '0:6-0:11',
      'block',
      [
        ['units', 26, '0:12-0:22', '0:12-0:17', 'int'],
        ['p', 26, '0:24-0:38', '0:24-0:25', 'float'],
      ],
    ],
    [
      'Census',
      5,
      '2:0-8:1',
      '2:6-2:12',
      'model',
      [
        ['features', 13, '3:2-3:37', '3:8-3:16', 'input [64]'],
        ['base', 12, '4:2-4:42', '4:8-4:12', 'trunk [32]'],
        ['moe', 23, '5:2-5:60', '5:7-5:10', 'gate [16]'],
        ['income', 24, '6:2-6:45', '6:7-6:13', 'head [1]'],
        ['marital', 24, '7:2-7:48', '7:7-7:14', 'head [7]'],
      ],
    ],
  ]);
});

test('symbols survive errors: a broken member still lists the others, without shapes it cannot know', async () => {
  const { uri } = await server.open(CENSUS.replace('dense(32, relu)', 'dense(32, relu) dense(8)'));
  const symbols = await server.request<lsp.DocumentSymbol[]>('textDocument/documentSymbol', { textDocument: { uri } });
  expect(symbols[1]!.children!.map((c) => [c.name, c.detail])).toEqual([
    ['features', 'input [64]'],
    ['base', 'trunk [32]'],
    ['moe', 'gate [16]'],
    ['income', 'head [1]'],
    ['marital', 'head [7]'],
  ]);
});
