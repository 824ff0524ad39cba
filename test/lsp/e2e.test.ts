/**
 * End to end: `node bin/mtlc.js lsp` as an editor starts it, spoken to over stdio with JSON-RPC —
 * initialize → didOpen → publishDiagnostics → hover → shutdown → exit, and the process ends with 0.
 * The spawned server runs the compiled dist/ (test/global-setup.ts builds it).
 */
import { spawn } from 'node:child_process';
import * as path from 'node:path';
import { expect, test } from 'vitest';
import { createMessageConnection, StreamMessageReader, StreamMessageWriter } from 'vscode-jsonrpc/node';
import type * as lsp from 'vscode-languageserver/node';
import { ROOT, SEED } from './helpers.js';

test('mtlc lsp over stdio: initialize, diagnostics on open, hover, shutdown, exit with code 0', async () => {
  const child = spawn(process.execPath, [path.join(ROOT, 'bin/mtlc.js'), 'lsp'], { cwd: ROOT, stdio: ['pipe', 'pipe', 'pipe'] });
  let stderr = '';
  child.stderr.on('data', (chunk) => (stderr += String(chunk)));
  const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
  const client = createMessageConnection(new StreamMessageReader(child.stdout), new StreamMessageWriter(child.stdin));
  const uri = 'file:///tmp/e2e/seed.mtl';
  const published = new Promise<lsp.PublishDiagnosticsParams>((resolve) =>
    client.onNotification('textDocument/publishDiagnostics', resolve),
  );
  client.listen();

  const init = await client.sendRequest<lsp.InitializeResult>('initialize', { processId: null, rootUri: null, capabilities: {} });
  expect(init.serverInfo).toEqual({ name: 'mtlc lsp' });
  expect(init.capabilities.hoverProvider).toBe(true);
  await client.sendNotification('initialized', {});

  await client.sendNotification('textDocument/didOpen', {
    textDocument: { uri, languageId: 'mtl', version: 1, text: SEED.replace('head task2 = shared', 'head task2 = shard') },
  });
  expect(await published).toEqual({
    uri,
    version: 1,
    diagnostics: [
      {
        range: { start: { line: 6, character: 15 }, end: { line: 6, character: 20 } },
        severity: 1,
        code: 'MTL0101',
        source: 'mtl',
        message: 'unknown name "shard"\ndid you mean "shared"?',
        data: { replacement: 'shared' },
      },
    ],
  });

  const hover = await client.sendRequest<lsp.Hover>('textDocument/hover', { textDocument: { uri }, position: { line: 5, character: 17 } });
  expect(hover).toEqual({
    contents: { kind: 'markdown', value: '```mtl\n(trunk) shared: [64]\n```\n\nIn model `Seed`' },
    range: { start: { line: 5, character: 15 }, end: { line: 5, character: 21 } },
  });

  await client.sendRequest('shutdown');
  await client.sendNotification('exit');
  expect(await exited).toBe(0);
  expect(stderr).toBe('');
  client.dispose();
}, 60_000);
