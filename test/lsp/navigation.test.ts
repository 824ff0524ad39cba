import { afterEach, describe, expect, test } from 'vitest';
import type * as lsp from 'vscode-languageserver/node';
import { cursor, r, SEED, startTestServer, type TestServer } from './helpers.js';

let server: TestServer;
afterEach(() => server.stop());

const LIB = 'block tower(units: int) = dense(units, relu)\n';
const MAIN = `import "lib.mtl"\n${SEED.replace('dense(64, relu)', 'tower(64)')}`;

function where(location: lsp.Location | null): string | null {
  return location === null ? null : `${location.uri} ${r(location.range)}`;
}

describe('go to definition', () => {
  test('a reference goes to the declared name', async () => {
    server = await startTestServer();
    const { uri, position } = await server.openAt(SEED.replace('head task1 = shared', 'head task1 = sha<|>red'));
    expect(where(await server.request('textDocument/definition', { textDocument: { uri }, position }))).toBe(`${uri} 3:8-3:14`);
  });

  test('a head named in weights {} goes to the head', async () => {
    server = await startTestServer();
    const { uri, position } = await server.openAt(SEED.replace('weights { task1', 'weights { ta<|>sk1'));
    expect(where(await server.request('textDocument/definition', { textDocument: { uri }, position }))).toBe(`${uri} 5:7-5:12`);
  });

  test('a block call goes to the block, in this file or an imported one', async () => {
    server = await startTestServer({ files: { '/project/lib.mtl': LIB } });
    const local = await server.openAt(`block mlp(u: int) = dense(u)\n${SEED.replace('dense(64, relu)', 'm<|>lp(64)')}`);
    expect(where(await server.request('textDocument/definition', { textDocument: { uri: local.uri }, position: local.position }))).toBe(
      `${local.uri} 0:6-0:9`,
    );
    const { text, position } = cursor(MAIN.replace('tower(64)', 'to<|>wer(64)'));
    const { uri } = await server.open(text, 'file:///project/main.mtl');
    expect(where(await server.request('textDocument/definition', { textDocument: { uri }, position }))).toBe(
      'file:///project/lib.mtl 0:6-0:11',
    );
  });

  test('a parameter read in a block body goes to the parameter', async () => {
    server = await startTestServer();
    const { uri, position } = await server.openAt('block mlp(units: int, p: float = 0.1) = dense(un<|>its) -> dropout(p)');
    expect(where(await server.request('textDocument/definition', { textDocument: { uri }, position }))).toBe(`${uri} 0:10-0:15`);
  });

  test('an import goes to the file; a missing one goes nowhere', async () => {
    server = await startTestServer({ files: { '/project/lib.mtl': LIB } });
    const { text, position } = cursor(MAIN.replace('"lib.mtl"', '"li<|>b.mtl"'));
    const { uri } = await server.open(text, 'file:///project/main.mtl');
    expect(where(await server.request('textDocument/definition', { textDocument: { uri }, position }))).toBe(
      'file:///project/lib.mtl 0:0-0:0',
    );
    const missing = await server.openAt(MAIN.replace('"lib.mtl"', '"nowh<|>ere.mtl"'));
    expect(await server.request('textDocument/definition', { textDocument: { uri: missing.uri }, position: missing.position })).toBeNull();
  });

  test('a layer has no definition', async () => {
    server = await startTestServer();
    const { uri, position } = await server.openAt(SEED.replace('dense', 'de<|>nse'));
    expect(await server.request('textDocument/definition', { textDocument: { uri }, position })).toBeNull();
  });
});

describe('find references', () => {
  test('a trunk: every read, and the declaration when asked', async () => {
    server = await startTestServer();
    const { uri, position } = await server.openAt(SEED.replace('trunk shared', 'trunk sh<|>ared'));
    const refs = await server.request<lsp.Location[]>('textDocument/references', {
      textDocument: { uri },
      position,
      context: { includeDeclaration: true },
    });
    expect(refs.map((l) => r(l.range))).toEqual(['3:8-3:14', '5:15-5:21', '6:15-6:21']);
    const reads = await server.request<lsp.Location[]>('textDocument/references', {
      textDocument: { uri },
      position,
      context: { includeDeclaration: false },
    });
    expect(reads.map((l) => r(l.range))).toEqual(['5:15-5:21', '6:15-6:21']);
  });

  test('a head: its entry in weights {}', async () => {
    server = await startTestServer();
    const { uri, position } = await server.openAt(SEED.replace('head task2', 'head <|>task2'));
    const refs = await server.request<lsp.Location[]>('textDocument/references', {
      textDocument: { uri },
      position,
      context: { includeDeclaration: true },
    });
    expect(refs.map((l) => r(l.range))).toEqual(['6:7-6:12', '8:24-8:29']);
  });

  test('a block: its calls here and in the open files that import it', async () => {
    server = await startTestServer({ files: { '/project/lib.mtl': LIB } });
    await server.open(MAIN.replace('head task1 = shared', 'head task1 = shared -> tower(8)'), 'file:///project/main.mtl');
    const { text, position } = cursor(`block <|>tower(units: int) = dense(units, relu)\nblock twice(u: int) = tower(u) -> tower(u)\n`);
    const { uri } = await server.open(text, 'file:///project/lib.mtl');
    const refs = await server.request<lsp.Location[]>('textDocument/references', {
      textDocument: { uri },
      position,
      context: { includeDeclaration: true },
    });
    expect(refs.map((l) => `${l.uri.replace('file:///project/', '')} ${r(l.range)}`)).toEqual([
      'lib.mtl 0:6-0:11',
      'lib.mtl 1:22-1:27',
      'lib.mtl 1:34-1:39',
      'main.mtl 4:22-4:27',
      'main.mtl 6:25-6:30',
    ]);
  });
});

describe('rename', () => {
  test('prepareRename gives the name under the cursor; a layer or keyword cannot be renamed', async () => {
    server = await startTestServer();
    const { uri, position } = await server.openAt(SEED.replace('head task1 = shared', 'head task1 = sha<|>red'));
    expect(await server.request('textDocument/prepareRename', { textDocument: { uri }, position })).toEqual({
      range: { start: { line: 5, character: 15 }, end: { line: 5, character: 21 } },
      placeholder: 'shared',
    });
    const layer = await server.openAt(SEED.replace('dense', 'den<|>se'));
    expect(await server.request('textDocument/prepareRename', { textDocument: { uri: layer.uri }, position: layer.position })).toBeNull();
    const keyword = await server.openAt(SEED.replace('trunk shared', 'tr<|>unk shared'));
    expect(
      await server.request('textDocument/prepareRename', { textDocument: { uri: keyword.uri }, position: keyword.position }),
    ).toBeNull();
  });

  test('renaming a head renames its weights entry', async () => {
    server = await startTestServer();
    const { uri, position } = await server.openAt(SEED.replace('head task1', 'head ta<|>sk1'));
    const edit = await server.request<lsp.WorkspaceEdit>('textDocument/rename', { textDocument: { uri }, position, newName: 'income' });
    expect(Object.keys(edit.changes!)).toEqual([uri]);
    expect(edit.changes![uri]!.map((e) => `${r(e.range)} ${e.newText}`)).toEqual(['5:7-5:12 income', '8:12-8:17 income']);
  });

  test('renaming a block parameter renames its reads, defaults included', async () => {
    server = await startTestServer();
    const { uri, position } = await server.openAt('block mlp(<|>units: int, wide: int = units * 2) = dense(units) -> dense(wide)');
    const edit = await server.request<lsp.WorkspaceEdit>('textDocument/rename', { textDocument: { uri }, position, newName: 'n' });
    expect(edit.changes![uri]!.map((e) => r(e.range))).toEqual(['0:10-0:15', '0:34-0:39', '0:53-0:58']);
  });

  test('renaming a block renames it in the file that declares it and in the open importers', async () => {
    server = await startTestServer({ files: { '/project/lib.mtl': LIB } });
    const { text, position } = cursor(MAIN.replace('tower(64)', 't<|>ower(64)'));
    const { uri } = await server.open(text, 'file:///project/main.mtl');
    const edit = await server.request<lsp.WorkspaceEdit>('textDocument/rename', { textDocument: { uri }, position, newName: 'mlp' });
    expect(Object.entries(edit.changes!).map(([u, edits]) => [u, edits.map((e) => r(e.range))])).toEqual([
      ['file:///project/main.mtl', ['4:22-4:27']],
      ['file:///project/lib.mtl', ['0:6-0:11']],
    ]);
  });

  test('a new name that is not an identifier, or is a keyword, is refused', async () => {
    server = await startTestServer();
    const { uri, position } = await server.openAt(SEED.replace('trunk shared', 'trunk sh<|>ared'));
    await expect(server.request('textDocument/rename', { textDocument: { uri }, position, newName: '2x' })).rejects.toMatchObject({
      code: -32602,
    });
    await expect(server.request('textDocument/rename', { textDocument: { uri }, position, newName: 'model' })).rejects.toMatchObject({
      message: '"model" is not a valid name: use letters, digits and _, not starting with a digit, and not a keyword',
    });
  });
});
