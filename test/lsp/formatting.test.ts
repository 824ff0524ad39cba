import { afterAll, beforeAll, expect, test } from 'vitest';
import type * as lsp from 'vscode-languageserver/node';
import { formatFile } from '../../compiler/format.js';
import { startTestServer, type TestServer } from './helpers.js';

let server: TestServer;
beforeAll(async () => {
  server = await startTestServer();
});
afterAll(() => server.stop());

const OPTIONS = { tabSize: 2, insertSpaces: true };
const MESSY = 'model   Seed{\ninput x:float[100]\n    trunk shared=x->dense(64,relu) // shared\nhead task1=shared->classify(10)\n}';

test('formatting replaces the document with what mtlc fmt writes', async () => {
  const { uri } = await server.open(MESSY);
  const edits = await server.request<lsp.TextEdit[]>('textDocument/formatting', { textDocument: { uri }, options: OPTIONS });
  expect(edits).toEqual([{ range: { start: { line: 0, character: 0 }, end: { line: 4, character: 1 } }, newText: formatFile(MESSY) }]);
  expect(edits[0]!.newText).toBe(
    'model Seed {\n  input x: float[100]\n  trunk shared = x -> dense(64, relu) // shared\n  head task1 = shared -> classify(10)\n}\n',
  );
});

test('a formatted document gets no edits, and one with syntax errors is left alone', async () => {
  const formatted = formatFile(MESSY)!;
  const clean = await server.open(formatted);
  expect(await server.request('textDocument/formatting', { textDocument: { uri: clean.uri }, options: OPTIONS })).toEqual([]);
  const broken = await server.open(MESSY.replace('->dense', '->->dense'));
  expect(await server.request('textDocument/formatting', { textDocument: { uri: broken.uri }, options: OPTIONS })).toEqual([]);
});
