/**
 * Random edit sequences through didChange, each followed by a random request at a random position:
 * the server applies every edit as the client did, answers every request without an error, never
 * logs a failure, and publishes diagnostics whose ranges lie in the text.
 */
import fc from 'fast-check';
import { afterAll, beforeAll, expect, test } from 'vitest';
import type * as lsp from 'vscode-languageserver/node';
import { TextDocument } from 'vscode-languageserver-textdocument';
import { SEED, startTestServer, type TestServer } from './helpers.js';

let server: TestServer;
beforeAll(async () => {
  server = await startTestServer({ files: { '/project/lib.mtl': 'block tower(units: int) = dense(units)\n' } });
});
afterAll(() => server.stop());

const START = `import "lib.mtl"\nblock b(u: int, p: float = 0.1) = dense(u, relu) -> dropout(p)\n${SEED.replace('head task2 = shared', 'gate g = mmoe(x, expert: tower(8))\n  head task2 = g -> b(4)')}\n/* note */\n`;

const FRAGMENTS = [
  '->',
  '(',
  ')',
  '{',
  '}',
  '[',
  ']',
  ',',
  ':',
  '=',
  '"',
  '\\',
  '/*',
  '*/',
  '//',
  '\n',
  ' ',
  '..',
  '-',
  '*',
  '1e-3',
  '0',
  '42',
  'model',
  'block',
  'input',
  'trunk',
  'gate',
  'head',
  'weights',
  'weighting',
  'train',
  'data',
  'import',
  'dense(',
  'classify(3)',
  'x',
  'shared',
  'task1',
  'units:',
  'mmoe(x, expert: dense(4))',
  'search(0.1)',
  'float[3]',
  '\r\n',
  '\t',
  'é',
  '😀',
  '\u0000',
  '#',
];

const edit = fc.record({
  start: fc.nat({ max: 2000 }),
  length: fc.nat({ max: 12 }),
  text: fc.oneof(fc.constantFrom(...FRAGMENTS), fc.string({ maxLength: 6 })),
  /** Now and then a position past the end, as a confused client might send. */
  wild: fc.boolean(),
});

const request = fc.record({
  method: fc.constantFrom(
    'textDocument/hover',
    'textDocument/completion',
    'textDocument/signatureHelp',
    'textDocument/definition',
    'textDocument/references',
    'textDocument/prepareRename',
    'textDocument/rename',
    'textDocument/documentSymbol',
    'textDocument/formatting',
    'textDocument/semanticTokens/full',
    'textDocument/inlayHint',
    'textDocument/codeAction',
    'textDocument/foldingRange',
  ),
  at: fc.nat({ max: 2000 }),
});

function paramsFor(method: string, uri: string, position: lsp.Position): unknown {
  const whole = { start: { line: 0, character: 0 }, end: { line: 10_000, character: 0 } };
  switch (method) {
    case 'textDocument/references':
      return { textDocument: { uri }, position, context: { includeDeclaration: true } };
    case 'textDocument/rename':
      return { textDocument: { uri }, position, newName: 'renamed' };
    case 'textDocument/formatting':
      return { textDocument: { uri }, options: { tabSize: 2, insertSpaces: true } };
    case 'textDocument/inlayHint':
      return { textDocument: { uri }, range: whole };
    case 'textDocument/codeAction':
      return { textDocument: { uri }, range: whole, context: { diagnostics: [] } };
    default:
      return { textDocument: { uri }, position };
  }
}

test('random edits never kill the server, and every request is answered', async () => {
  await fc.assert(
    fc.asyncProperty(fc.array(fc.tuple(edit, request), { minLength: 1, maxLength: 15 }), async (steps) => {
      const uri = server.nextUri().replace('test', 'prop');
      let mirror = TextDocument.create(uri, 'mtl', 1, START);
      await server.open(START, uri);
      let version = 1;
      for (const [e, req] of steps) {
        const length = mirror.getText().length;
        const start = mirror.positionAt(e.start % (length + 1));
        const end = mirror.positionAt(Math.min(length, (e.start % (length + 1)) + e.length));
        const range = e.wild
          ? { start: { line: start.line + 1000, character: 0 }, end: { line: start.line + 1000, character: 5 } }
          : { start, end };
        const change = { range, text: e.text };
        mirror = TextDocument.update(mirror, [change], ++version);
        await server.change(uri, [change]);
        const position = req.at % 3 === 0 ? { line: 9999, character: 9999 } : mirror.positionAt(req.at % (mirror.getText().length + 1));
        const answer = await server.request(req.method, paramsFor(req.method, uri, position)).catch((error: Error) => error);
        // A rename may be refused for a name it cannot rename; anything else is a bug.
        if (answer instanceof Error) throw answer;
      }
      const published = await server.diagnosticsFor(uri, version);
      expect(server.workspace.analysis(uri)?.result.text).toBe(mirror.getText());
      const lastLine = mirror.lineCount - 1;
      for (const d of published.diagnostics) {
        expect(d.range.end.line).toBeLessThanOrEqual(lastLine);
        expect(mirror.offsetAt(d.range.start)).toBeLessThanOrEqual(mirror.offsetAt(d.range.end));
      }
      await server.close(uri);
      expect(server.logs).toEqual([]);
    }),
    { numRuns: 40 },
  );
});
