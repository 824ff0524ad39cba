/**
 * The language server's time budget and memory cap (lsp/server/limits.ts, docs/security.md), over
 * its real protocol: after a buffer an attacker or an unlucky user could send, every request, and an
 * unrelated cheap one on a small document, is answered within the budget; open documents past the
 * cap are held empty with a diagnostic that says so, and the heap stays under the documented bound.
 */
import * as v8 from 'node:v8';
import * as vm from 'node:vm';
import { afterEach, describe, expect, test } from 'vitest';
import type * as lsp from 'vscode-languageserver/node';
import { MAX_ANALYSED_BYTES, MAX_ANALYSED_FILES, MAX_OPEN_BYTES } from '../../lsp/server/limits.js';
import { ADVERSARIAL, importedFiles, manyImports, models, requestsAbout } from '../../bench/adversarial.js';
import { SEED, startTestServer, type TestServer } from './helpers.js';

let server: TestServer;
afterEach(() => server.stop());

/** The budget of one request (100 ms), with room for a loaded CI machine; without the limits these take seconds. */
const BUDGET_MS = 100;
const ALLOWED_MS = 2.5 * BUDGET_MS;

/** The time from sending a request to its answer. */
async function timed(method: string, params: unknown): Promise<number> {
  const start = performance.now();
  await server.request(method, params);
  return performance.now() - start;
}

describe('the time budget of one request', () => {
  test.each(ADVERSARIAL.map((input) => [input.name, input] as const))(
    'after %s, every request and a hover on a small document are answered within it',
    async (_name, { text, files }) => {
      server = await startTestServer({ files });
      const small = await server.open(SEED, 'file:///project/small.mtl');
      const hoverSmall = () => timed('textDocument/hover', { textDocument: { uri: small.uri }, position: { line: 3, character: 24 } });
      await hoverSmall();
      const uri = 'file:///project/adversarial.mtl';
      // The cheap request follows each notification at once, as an editor's would.
      await server.client.sendNotification('textDocument/didOpen', { textDocument: { uri, languageId: 'mtl', version: 1, text } });
      const times: Record<string, number> = { 'hover on the small document': await hoverSmall() };
      for (const [method, params] of requestsAbout(uri)) times[method] = await timed(method, params);
      await server.change(uri, [{ range: { start: { line: 0, character: 0 }, end: { line: 0, character: 0 } }, text: ' ' }]);
      times['hover on the small document after an edit'] = await hoverSmall();
      const slow = Object.entries(times).filter(([, ms]) => ms > ALLOWED_MS);
      expect(slow).toEqual([]);
    },
  );
});

describe('documents the server does not analyse', () => {
  test(`a document over ${MAX_ANALYSED_BYTES} bytes gets one diagnostic that says so, and empty answers`, async () => {
    server = await startTestServer();
    const text = models(MAX_ANALYSED_BYTES + 1_000);
    const { uri, diagnostics } = await server.open(text);
    expect(diagnostics).toEqual([
      {
        range: { start: { line: 0, character: 0 }, end: { line: 0, character: 0 } },
        severity: 2,
        source: 'mtl',
        message: `this document is too large to check as you type: ${text.length.toLocaleString('en-US')} bytes, more than 32,768; \`mtlc check\` checks it`,
      },
    ]);
    expect(await server.request('textDocument/documentSymbol', { textDocument: { uri } })).toEqual([]);
    // Cut back under the limit, it is checked again.
    const version = await server.change(uri, [{ text: SEED }]);
    expect((await server.diagnosticsFor(uri, version)).diagnostics).toEqual([]);
  });

  test('a document over 4 MiB is held empty until it is opened again, with a diagnostic that says so', async () => {
    server = await startTestServer();
    const text = models(5e6);
    const { uri, diagnostics } = await server.open(text);
    const message = `this document is not checked: it has ${text.length.toLocaleString('en-US')} bytes, more than the 4,194,304 a source may have; close and open it again once it is smaller`;
    expect(diagnostics.map((d) => d.message)).toEqual([message]);
    // Its text is held by no one: an importer cannot read it either.
    expect(server.workspace.readFile(new URL(uri).pathname)).toBeUndefined();
    const version = await server.change(uri, [{ text: SEED }]);
    expect((await server.diagnosticsFor(uri, version)).diagnostics.map((d) => d.message)).toEqual([message]);
    await server.close(uri);
    const reopened = server.diagnosticsFor(uri, 3);
    await server.client.sendNotification('textDocument/didOpen', { textDocument: { uri, languageId: 'mtl', version: 3, text: SEED } });
    expect((await reopened).diagnostics).toEqual([]);
  });

  test(`imports past ${MAX_ANALYSED_FILES} files or ${MAX_ANALYSED_BYTES} bytes are left unread, and the diagnostic says why`, async () => {
    server = await startTestServer({ files: importedFiles(40) });
    const { diagnostics } = await server.open(manyImports(40));
    expect(diagnostics.map((d) => [d.range.start.line, d.message])).toEqual(
      Array.from({ length: 40 - (MAX_ANALYSED_FILES - 1) }, (_, i) => [
        MAX_ANALYSED_FILES - 1 + i,
        `cannot read imported file "lib/f${MAX_ANALYSED_FILES - 1 + i}.mtl"\nleft unread: as you type, a document and its imports are checked up to 32 files and 32,768 bytes together; \`mtlc check\` reads them all`,
      ]),
    );
  });
});

describe('the memory cap', () => {
  /** The heap in use after a full collection. */
  function heapAfterGc(): number {
    v8.setFlagsFromString('--expose-gc');
    (vm.runInNewContext('gc') as () => void)();
    return process.memoryUsage().heapUsed;
  }

  test(`open documents past ${MAX_OPEN_BYTES} bytes are held empty with a diagnostic, and the heap grows by less than 260 MB`, async () => {
    server = await startTestServer();
    const before = heapAfterGc();
    // Many small documents, each analysed: the server keeps the analyses of the last used only.
    const small = models(MAX_ANALYSED_BYTES - 1_000);
    for (let i = 0; i < 160; i++) expect((await server.open(small)).diagnostics).toEqual([]);
    const large = models(2e6);
    const held = Math.floor((MAX_OPEN_BYTES - 160 * small.length) / large.length);
    const uris: string[] = [];
    for (let i = 0; i < held + 8; i++) {
      const { uri, diagnostics } = await server.open(large);
      uris.push(uri);
      expect(diagnostics.map((d) => d.message)).toEqual([
        expect.stringMatching(
          i < held
            ? /^this document is too large to check as you type/
            : /^this document is not checked: the open documents would take [\d,]+ bytes, more than the 67,108,864/,
        ),
      ]);
    }
    const growth = heapAfterGc() - before;
    expect(growth).toBeLessThan(260 * 1e6);
    const refused = await server.request<lsp.FoldingRange[]>('textDocument/foldingRange', { textDocument: { uri: uris[held] } });
    expect(refused).toEqual([]);
  });
});
