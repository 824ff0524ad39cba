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
import { SEED, startTestServer, type TestServer } from './helpers.js';

let server: TestServer;
afterEach(() => server.stop());

/** The budget of one request (100 ms), with room for a loaded CI machine; without the limits these take seconds. */
const BUDGET_MS = 100;
const ALLOWED_MS = 2.5 * BUDGET_MS;

/** `n` copies of the seed model, each under its own name. */
const models = (n: number) => Array.from({ length: n }, (_, i) => SEED.replace('model Seed', `model Seed${i}`)).join('');

/** Blocks that each call the one below twice, 40 levels deep. */
function nestedBlocks(): string {
  const blocks = ['block b0(u: int) = dense(u)'];
  for (let i = 1; i <= 40; i++) blocks.push(`block b${i}(u: int) = b${i - 1}(u) -> b${i - 1}(u)`);
  return `${blocks.join('\n')}\n${SEED.replace('dense(64, relu)', 'b40(64)')}`;
}

/** A pseudo-random line of the language's punctuation, names and numbers. */
const garbageLine = (length: number) => Array.from({ length }, (_, i) => '{}()->,:;=#"ab1 x['[(i * 7919) % 18]).join('');

const manyImports = (n: number) => `${Array.from({ length: n }, (_, i) => `import "lib/f${i}.mtl"`).join('\n')}\n${SEED}`;
const importedFiles = (n: number) =>
  Object.fromEntries(Array.from({ length: n }, (_, i) => [`/project/lib/f${i}.mtl`, `block k${i}(u: int) = dense(u)\n`]));

const ADVERSARIAL: [string, string, Record<string, string>][] = [
  ['a 5 MB document', models(22_000), {}],
  ['a 1 MB document of models', models(4_400), {}],
  ['an 83 KB line of garbage', garbageLine(83_000), {}],
  ['40 levels of blocks that call the one below twice', nestedBlocks(), {}],
  ['1,000 imports', manyImports(1_000), importedFiles(1_000)],
  ['an import of a 4 MB file', `import "big.mtl"\n${SEED}`, { '/project/big.mtl': models(17_000) }],
];

/** Every request the server answers about a document, at a position inside it. */
function requests(uri: string): [string, unknown][] {
  const textDocument = { uri };
  const position = { line: 2, character: 10 };
  const range = { start: { line: 0, character: 0 }, end: { line: 100_000, character: 0 } };
  return [
    ['textDocument/hover', { textDocument, position }],
    ['textDocument/completion', { textDocument, position }],
    ['textDocument/signatureHelp', { textDocument, position }],
    ['textDocument/definition', { textDocument, position }],
    ['textDocument/references', { textDocument, position, context: { includeDeclaration: true } }],
    ['textDocument/prepareRename', { textDocument, position }],
    ['textDocument/rename', { textDocument, position, newName: 'renamed' }],
    ['textDocument/documentSymbol', { textDocument }],
    ['textDocument/formatting', { textDocument, options: { tabSize: 2, insertSpaces: true } }],
    ['textDocument/semanticTokens/full', { textDocument }],
    ['textDocument/inlayHint', { textDocument, range }],
    ['textDocument/codeAction', { textDocument, range, context: { diagnostics: [] } }],
    ['textDocument/foldingRange', { textDocument }],
  ];
}

/** The time from sending a request to its answer. */
async function timed(method: string, params: unknown): Promise<number> {
  const start = performance.now();
  await server.request(method, params);
  return performance.now() - start;
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

describe('the time budget of one request', () => {
  test.each(ADVERSARIAL)('after %s, every request and a hover on a small document are answered within it', async (_name, text, files) => {
    server = await startTestServer({ files });
    const small = await server.open(SEED, 'file:///project/small.mtl');
    const hoverSmall = () => timed('textDocument/hover', { textDocument: { uri: small.uri }, position: { line: 3, character: 24 } });
    await hoverSmall();
    const uri = 'file:///project/adversarial.mtl';
    await server.client.sendNotification('textDocument/didOpen', { textDocument: { uri, languageId: 'mtl', version: 1, text } });
    // Let the server take the document in, and start checking it, before the cheap request is sent.
    await sleep(5);
    const times: Record<string, number> = { 'hover on the small document': await hoverSmall() };
    for (const [method, params] of requests(uri)) times[method] = await timed(method, params);
    await server.change(uri, [{ range: { start: { line: 0, character: 0 }, end: { line: 0, character: 0 } }, text: ' ' }]);
    await sleep(5);
    times['hover on the small document after an edit'] = await hoverSmall();
    const slow = Object.entries(times).filter(([, ms]) => ms > ALLOWED_MS);
    expect(slow).toEqual([]);
  });
});

describe('documents the server does not analyse', () => {
  test(`a document over ${MAX_ANALYSED_BYTES} bytes gets one diagnostic that says so, and empty answers`, async () => {
    server = await startTestServer();
    const text = models(Math.ceil(MAX_ANALYSED_BYTES / SEED.length) + 1);
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

  test(`open documents past ${MAX_OPEN_BYTES} bytes are held empty with a diagnostic, and the heap stays under 300 MB`, async () => {
    server = await startTestServer();
    const before = heapAfterGc();
    // Many small documents, each analysed: the server keeps the analyses of the last used only.
    const small = models(Math.floor(MAX_ANALYSED_BYTES / (SEED.length + 5)));
    for (let i = 0; i < 200; i++) expect((await server.open(small)).diagnostics).toEqual([]);
    const large = models(Math.ceil((2 * 2 ** 20) / SEED.length));
    const held = Math.floor((MAX_OPEN_BYTES - 200 * small.length) / large.length);
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
    expect(growth).toBeLessThan(300 * 1e6);
    const refused = await server.request<lsp.FoldingRange[]>('textDocument/foldingRange', { textDocument: { uri: uris[held] } });
    expect(refused).toEqual([]);
  });
});
