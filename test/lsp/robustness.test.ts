import * as fs from 'node:fs';
import * as path from 'node:path';
import { pathToFileURL } from 'node:url';
import { afterEach, describe, expect, test, vi } from 'vitest';
import type * as lsp from 'vscode-languageserver/node';
import { ROOT, SEED, startTestServer, type TestServer } from './helpers.js';

let server: TestServer;
afterEach(() => server.stop());

const FAR = { line: 10_000, character: 10_000 };

/** Every position request the server answers, at one position. */
function positionRequests(uri: string, position: lsp.Position): [string, unknown][] {
  const doc = { textDocument: { uri }, position };
  return [
    ['textDocument/hover', doc],
    ['textDocument/completion', doc],
    ['textDocument/signatureHelp', doc],
    ['textDocument/definition', doc],
    ['textDocument/references', { ...doc, context: { includeDeclaration: true } }],
    ['textDocument/prepareRename', doc],
    ['textDocument/rename', { ...doc, newName: 'renamed' }],
  ];
}

function documentRequests(uri: string): [string, unknown][] {
  const range = { start: { line: 0, character: 0 }, end: FAR };
  return [
    ['textDocument/documentSymbol', { textDocument: { uri } }],
    ['textDocument/formatting', { textDocument: { uri }, options: { tabSize: 2, insertSpaces: true } }],
    ['textDocument/semanticTokens/full', { textDocument: { uri } }],
    ['textDocument/inlayHint', { textDocument: { uri }, range }],
    ['textDocument/codeAction', { textDocument: { uri }, range, context: { diagnostics: [] } }],
    ['textDocument/foldingRange', { textDocument: { uri } }],
  ];
}

describe('robustness', () => {
  test('requests about a document that is not open get empty answers', async () => {
    server = await startTestServer();
    const uri = 'file:///project/never-opened.mtl';
    const answers = await Promise.all(
      [...positionRequests(uri, { line: 0, character: 0 }), ...documentRequests(uri)].map(([m, p]) => server.request(m, p)),
    );
    expect(answers).toEqual([null, [], null, null, [], null, null, [], [], { data: [] }, [], [], []]);
  });

  test('positions past the end of a line or of the document are answered as at the end', async () => {
    server = await startTestServer();
    const { uri } = await server.open(SEED);
    for (const position of [FAR, { line: 3, character: 500 }, { line: 500, character: 0 }]) {
      await Promise.all(positionRequests(uri, position).map(([m, p]) => server.request(m, p)));
    }
    expect(server.logs).toEqual([]);
  });

  test('an exception inside a feature is logged and answered as an error, and the server keeps serving', async () => {
    server = await startTestServer();
    const { uri } = await server.open(SEED);
    const spy = vi.spyOn(server.workspace, 'analysis').mockImplementationOnce(() => {
      throw new Error('boom');
    });
    const position = { line: 3, character: 24 };
    await expect(server.request('textDocument/hover', { textDocument: { uri }, position })).rejects.toMatchObject({
      code: -32603,
      message: 'hover failed: boom',
    });
    expect(server.logs[0]).toMatch(/^hover failed: Error: boom/);
    spy.mockRestore();
    const hover = await server.request<lsp.Hover>('textDocument/hover', { textDocument: { uri }, position });
    expect(hover.range).toEqual({ start: { line: 3, character: 22 }, end: { line: 3, character: 27 } });
  });

  test('an open file deleted on disk keeps its buffer; its importer reports the import once told', async () => {
    const files: Record<string, string> = { '/project/lib.mtl': 'block b(u: int) = dense(u)\n' };
    server = await startTestServer({ files });
    const lib = await server.open(files['/project/lib.mtl']!, 'file:///project/lib.mtl');
    const main = await server.open(`import "lib.mtl"\n${SEED.replace('dense(64, relu)', 'b(64)')}`, 'file:///project/main.mtl');
    expect(main.diagnostics).toEqual([]);
    delete files['/project/lib.mtl'];
    const afterDelete = server.diagnosticsFor(main.uri);
    await server.client.sendNotification('workspace/didChangeWatchedFiles', { changes: [{ uri: lib.uri, type: 3 }] });
    // The buffer is still open, so the importer still sees the block.
    expect((await afterDelete).diagnostics).toEqual([]);
    const hover = await server.request<lsp.Hover>('textDocument/hover', {
      textDocument: { uri: main.uri },
      position: { line: 4, character: 23 },
    });
    expect((hover.contents as lsp.MarkupContent).value).toContain('block b(u: int)');
    const rechecked = server.diagnosticsFor(main.uri);
    await server.close(lib.uri);
    expect((await rechecked).diagnostics.map((d) => d.code)).toEqual(['MTL0105']);
  });

  test('a change whose range lies past the end is applied at the end', async () => {
    server = await startTestServer();
    const { uri } = await server.open('model M {\n');
    const version = await server.change(uri, [
      { range: { start: FAR, end: FAR }, text: '  input x: float[2]\n  head h = x -> regress(1)\n}\n' },
    ]);
    expect((await server.diagnosticsFor(uri, version)).diagnostics).toEqual([]);
  });
});

describe('file watching', () => {
  test('a client that allows it is asked to report changes to .mtl files', async () => {
    server = await startTestServer({ capabilities: { workspace: { didChangeWatchedFiles: { dynamicRegistration: true } } } });
    await vi.waitFor(() => expect(server.registrations).toHaveLength(1));
    expect(server.registrations).toEqual([
      { id: expect.any(String), method: 'workspace/didChangeWatchedFiles', registerOptions: { watchers: [{ globPattern: '**/*.mtl' }] } },
    ]);
  });

  test('a client that does not allow it is not asked', async () => {
    server = await startTestServer();
    await server.open(SEED);
    expect(server.registrations).toEqual([]);
  });
});

describe('every request at every position of the examples', () => {
  const dir = path.join(ROOT, 'examples');
  const files = [
    ...fs
      .readdirSync(dir)
      .filter((f) => f.endsWith('.mtl'))
      .map((f) => path.join(dir, f)),
    ...fs
      .readdirSync(path.join(dir, 'errors'))
      .filter((f) => f.endsWith('.mtl'))
      .map((f) => path.join(dir, 'errors', f)),
  ];

  test.each(files.map((f) => [path.relative(ROOT, f), f]))('%s: answered without an error', async (_name, file) => {
    server = await startTestServer();
    const text = fs.readFileSync(file, 'utf8');
    const { uri, diagnostics } = await server.open(text, pathToFileURL(file).href);
    if (!file.includes(`${path.sep}errors${path.sep}`)) expect(diagnostics.filter((d) => d.severity === 1)).toEqual([]);
    const requests = documentRequests(uri);
    const lines = text.split('\n');
    lines.forEach((line, l) => {
      for (let c = 0; c <= line.length; c += 2) requests.push(...positionRequests(uri, { line: l, character: c }));
    });
    await Promise.all(requests.map(([method, params]) => server.request(method, params)));
    expect(server.logs).toEqual([]);
  });
});
