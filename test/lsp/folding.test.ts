import { afterAll, beforeAll, expect, test } from 'vitest';
import type * as lsp from 'vscode-languageserver/node';
import { startTestServer, type TestServer } from './helpers.js';

let server: TestServer;
beforeAll(async () => {
  server = await startTestServer();
});
afterAll(() => server.stop());

const TEXT = `import "a.mtl"
import "b.mtl"
// The model,
// in two lines.
model M {
  input x: float[4]
  gate moe = mmoe(
    x,
    expert: dense(8)
  )
  head h = moe -> classify(3) {
    label: "h",
    metrics: [accuracy]
  }
  /* one
     two */
  train {
    epochs: 3
  }
}
`;

test('folding ranges: imports, comment runs, the model, multi-line calls, option lists and block comments', async () => {
  const { uri } = await server.open(TEXT);
  const ranges = await server.request<lsp.FoldingRange[]>('textDocument/foldingRange', { textDocument: { uri } });
  expect(ranges).toEqual([
    { startLine: 0, endLine: 1, kind: 'imports' },
    { startLine: 2, endLine: 3, kind: 'comment' },
    { startLine: 4, endLine: 18 },
    { startLine: 6, endLine: 8 },
    { startLine: 10, endLine: 12 },
    { startLine: 14, endLine: 15, kind: 'comment' },
    { startLine: 16, endLine: 17 },
  ]);
});
