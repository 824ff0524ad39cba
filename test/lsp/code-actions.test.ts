import { afterAll, beforeAll, expect, test } from 'vitest';
import type * as lsp from 'vscode-languageserver/node';
import { SEED, startTestServer, type TestServer } from './helpers.js';

let server: TestServer;
beforeAll(async () => {
  server = await startTestServer();
});
afterAll(() => server.stop());

const WHOLE = { start: { line: 0, character: 0 }, end: { line: 100, character: 0 } };

test('a did-you-mean hint becomes a preferred quick fix that replaces the name', async () => {
  const { uri, diagnostics } = await server.open(SEED.replace('dense(64, relu)', 'dens(64, rleu)'));
  const actions = await server.request<lsp.CodeAction[]>('textDocument/codeAction', {
    textDocument: { uri },
    range: { start: { line: 3, character: 23 }, end: { line: 3, character: 23 } },
    context: { diagnostics },
  });
  expect(actions).toEqual([
    {
      title: 'Change "dens" to "dense"',
      kind: 'quickfix',
      diagnostics: [diagnostics[0]],
      isPreferred: true,
      edit: { changes: { [uri]: [{ range: { start: { line: 3, character: 22 }, end: { line: 3, character: 26 } }, newText: 'dense' }] } },
    },
  ]);
});

test('every fix in the range is offered; none when only other kinds are asked for', async () => {
  const { uri } = await server.open(
    SEED.replace('head task2 = shared', 'head task2 = shard')
      .replace('weighting', '')
      .replace('weights { task1: 1.0, task2: 1.0 }', 'weights { task1: 1.0, taks2: 1.0 }\n  weighting uncertainity'),
  );
  const actions = await server.request<lsp.CodeAction[]>('textDocument/codeAction', {
    textDocument: { uri },
    range: WHOLE,
    context: { diagnostics: [] },
  });
  expect(actions.map((a) => a.title)).toEqual([
    'Change "shard" to "shared"',
    'Change "taks2" to "task2"',
    'Change "uncertainity" to "uncertainty"',
  ]);
  const refactors = await server.request<lsp.CodeAction[]>('textDocument/codeAction', {
    textDocument: { uri },
    range: WHOLE,
    context: { diagnostics: [], only: ['refactor'] },
  });
  expect(refactors).toEqual([]);
});
