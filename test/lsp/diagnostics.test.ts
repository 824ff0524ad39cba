import { afterEach, describe, expect, test } from 'vitest';
import { SEED, startTestServer, type TestServer } from './helpers.js';

let server: TestServer;
afterEach(() => server.stop());

const LIB = 'block tower(units: int) = dense(units, relu)\n';
const MAIN = `import "lib.mtl"\n${SEED.replace('dense(64, relu)', 'tower(64)')}`;

describe('diagnostics', () => {
  test('are published on open with code, severity, exact range, hint and the did-you-mean replacement', async () => {
    server = await startTestServer();
    const { diagnostics } = await server.open(SEED.replace('dense(64, relu)', 'dens(64, relu)'));
    expect(diagnostics).toEqual([
      {
        range: { start: { line: 3, character: 22 }, end: { line: 3, character: 26 } },
        severity: 1,
        code: 'MTL0103',
        source: 'mtl',
        message: 'unknown layer or block "dens"\ndid you mean "dense"?',
        data: { replacement: 'dense' },
      },
    ]);
  });

  test('a clean file publishes an empty list', async () => {
    server = await startTestServer();
    expect((await server.open(SEED)).diagnostics).toEqual([]);
  });

  test('a duplicate is one diagnostic at the later copy, pointing at the first', async () => {
    server = await startTestServer();
    const uri = server.nextUri();
    const { diagnostics } = await server.open(SEED.replace('head task2', 'head task1'), uri);
    const duplicates = diagnostics.filter((d) => d.code === 'MTL0102');
    expect(duplicates).toEqual([
      {
        range: { start: { line: 6, character: 7 }, end: { line: 6, character: 12 } },
        severity: 1,
        code: 'MTL0102',
        source: 'mtl',
        message: 'name "task1" is declared more than once',
        relatedInformation: [
          {
            location: { uri, range: { start: { line: 5, character: 7 }, end: { line: 5, character: 12 } } },
            message: 'first declared here',
          },
        ],
      },
    ]);
  });

  test('a block declared again in an imported file points into that file', async () => {
    server = await startTestServer({ files: { '/project/lib.mtl': LIB } });
    const { diagnostics } = await server.open(
      `import "lib.mtl"\nblock tower(units: int) = dense(units)\n${SEED}`,
      'file:///project/main.mtl',
    );
    expect(diagnostics).toEqual([
      {
        range: { start: { line: 1, character: 6 }, end: { line: 1, character: 11 } },
        severity: 1,
        code: 'MTL0102',
        source: 'mtl',
        message: 'block "tower" is declared more than once',
        relatedInformation: [
          {
            location: { uri: 'file:///project/lib.mtl', range: { start: { line: 0, character: 6 }, end: { line: 0, character: 11 } } },
            message: 'also declared here',
          },
        ],
      },
    ]);
  });

  test('warnings are severity 2, and an unused declaration is tagged unnecessary', async () => {
    server = await startTestServer();
    const { diagnostics } = await server.open(SEED.replace('input x: float[100]', 'input x: float[100]\n  input extra: float[3]'));
    expect(diagnostics).toEqual([
      {
        range: { start: { line: 2, character: 8 }, end: { line: 2, character: 13 } },
        severity: 2,
        code: 'MTL0901',
        source: 'mtl',
        message: 'input "extra" is never read by a head',
        tags: [1],
      },
    ]);
  });

  test('edits in quick succession are checked once, after the last one', async () => {
    server = await startTestServer({ debounceMs: 200 });
    const { uri } = await server.open(SEED);
    await new Promise((resolve) => setTimeout(resolve, 250));
    // The first edit after a quiet spell is checked at once; the burst that follows, once.
    const first = await server.change(uri, [
      { range: { start: { line: 3, character: 22 }, end: { line: 3, character: 27 } }, text: 'dens' },
    ]);
    expect((await server.diagnosticsFor(uri, first)).diagnostics.map((d) => d.code)).toEqual(['MTL0103']);
    await server.change(uri, [{ range: { start: { line: 3, character: 22 }, end: { line: 3, character: 26 } }, text: 'den' }]);
    const last = await server.change(uri, [
      { range: { start: { line: 3, character: 22 }, end: { line: 3, character: 25 } }, text: 'dense' },
    ]);
    const final = await server.diagnosticsFor(uri, last);
    expect(final.diagnostics).toEqual([]);
    const versions = server.published.get(uri)!.map((p) => p.version);
    expect(versions).toEqual([1, 2, 4]);
  });

  test('an edit is compiled with the last result: the models it did not touch are reused as they were', async () => {
    server = await startTestServer();
    const text = `${SEED}\n${SEED.replace('model Seed', 'model Other')}`;
    const { uri } = await server.open(text);
    const before = server.workspace.analysis(uri)!.result;
    const line = text.split('\n').findLastIndex((l) => l.includes('dense(64, relu)'));
    const version = await server.change(uri, [{ range: { start: { line, character: 22 }, end: { line, character: 27 } }, text: 'dens' }]);
    expect((await server.diagnosticsFor(uri, version)).diagnostics.map((d) => [d.code, d.range.start.line])).toEqual([['MTL0103', line]]);
    const after = server.workspace.analysis(uri)!.result;
    expect(after.ast.models[0]).toBe(before.ast.models[0]);
    expect(after.semantic.symbols[0]).toBe(before.semantic.symbols[0]);
  });

  test('a file re-checked because an import changed is compiled with its last result', async () => {
    server = await startTestServer({ files: { '/project/lib.mtl': LIB } });
    const main = 'file:///project/main.mtl';
    await server.open(MAIN, main);
    const before = server.workspace.analysis(main)!.result;
    const rechecked = server.diagnosticsFor(main);
    await server.open(LIB.replace('relu', 'tanh'), 'file:///project/lib.mtl');
    expect((await rechecked).diagnostics).toEqual([]);
    const after = server.workspace.analysis(main)!.result;
    expect(after).not.toBe(before);
    expect(after.ast.models[0]).toBe(before.ast.models[0]);
  });

  test('changing an open imported file re-checks the files that import it', async () => {
    server = await startTestServer({ files: { '/project/lib.mtl': LIB } });
    const main = 'file:///project/main.mtl';
    expect((await server.open(MAIN, main)).diagnostics).toEqual([]);
    const lib = 'file:///project/lib.mtl';
    const opened = server.diagnosticsFor(main);
    await server.open(LIB, lib);
    expect((await opened).diagnostics).toEqual([]);
    const rechecked = server.diagnosticsFor(main);
    await server.change(lib, [{ range: { start: { line: 0, character: 6 }, end: { line: 0, character: 11 } }, text: 'towel' }]);
    expect((await rechecked).diagnostics.map((d) => [d.code, d.message])).toEqual([
      ['MTL0103', 'unknown layer or block "tower"\ndid you mean "towel"?'],
    ]);
    // Closing the buffer without saving: the importer reads the file from disk again.
    const reread = server.diagnosticsFor(main);
    await server.close(lib);
    expect((await reread).diagnostics).toEqual([]);
  });

  test('an imported file deleted on disk is reported when the watcher says so', async () => {
    const files: Record<string, string> = { '/project/lib.mtl': LIB };
    server = await startTestServer({ files });
    const main = 'file:///project/main.mtl';
    expect((await server.open(MAIN, main)).diagnostics).toEqual([]);
    delete files['/project/lib.mtl'];
    const rechecked = server.diagnosticsFor(main);
    await server.client.sendNotification('workspace/didChangeWatchedFiles', { changes: [{ uri: 'file:///project/lib.mtl', type: 3 }] });
    expect((await rechecked).diagnostics.map((d) => [d.code, d.range.start.line])).toEqual([['MTL0105', 0]]);
  });

  test('closing a document clears its diagnostics', async () => {
    server = await startTestServer();
    const { uri } = await server.open(SEED.replace('dense', 'dens'));
    const cleared = server.diagnosticsFor(uri);
    await server.close(uri);
    expect(await cleared).toEqual({ uri, diagnostics: [] });
  });
});
