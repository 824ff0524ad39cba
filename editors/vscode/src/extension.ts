/**
 * The mtl extension: a language client for the mtl language server. By default it runs the server
 * bundled inside the extension (server/mtl-lsp.js, built from lsp/server by scripts/build.mjs), under
 * VS Code's own Node, so nothing else needs installing and nothing is downloaded. The setting
 * `mtl.server.path` runs another `mtlc` instead, as `mtlc lsp`.
 */
import * as path from 'node:path';
import * as vscode from 'vscode';
import { LanguageClient, TransportKind, type LanguageClientOptions, type ServerOptions } from 'vscode-languageclient/node';

let client: LanguageClient | undefined;

/** The bundled server's heap limit, in MiB. */
const HEAP_LIMIT_MB = 512;

function serverOptions(context: vscode.ExtensionContext): ServerOptions {
  const configured = vscode.workspace.getConfiguration('mtl').get<string>('server.path', '').trim();
  if (configured !== '') {
    const command = configured.startsWith('~') ? path.join(process.env['HOME'] ?? '', configured.slice(1)) : configured;
    // The client adds --stdio, which `mtlc lsp` accepts; .cmd shims on Windows need a shell.
    return { command, args: ['lsp'], transport: TransportKind.stdio, options: { shell: process.platform === 'win32' } };
  }
  const module = context.asAbsolutePath(path.join('server', 'mtl-lsp.js'));
  // The server keeps its heap under about 300 MB by its own limits (docs/security.md); past 512 MB
  // something is wrong, and ending it (the client starts it again) is better than growing.
  const heap = `--max-old-space-size=${HEAP_LIMIT_MB}`;
  return {
    run: { module, transport: TransportKind.stdio, options: { execArgv: [heap] } },
    debug: { module, transport: TransportKind.stdio, options: { execArgv: [heap, '--nolazy', '--inspect=6011'] } },
  };
}

async function start(context: vscode.ExtensionContext): Promise<void> {
  const clientOptions: LanguageClientOptions = {
    documentSelector: [{ language: 'mtl' }],
    // Imports are re-checked when a .mtl file changes, appears or disappears on disk.
    synchronize: { fileEvents: vscode.workspace.createFileSystemWatcher('**/*.mtl') },
  };
  client = new LanguageClient('mtl', 'mtl language server', serverOptions(context), clientOptions);
  await client.start();
}

export async function activate(context: vscode.ExtensionContext): Promise<void> {
  context.subscriptions.push(
    vscode.workspace.onDidChangeConfiguration(async (event) => {
      if (!event.affectsConfiguration('mtl.server.path')) return;
      await client?.stop();
      await start(context);
    }),
  );
  await start(context);
}

export async function deactivate(): Promise<void> {
  await client?.stop();
  client = undefined;
}
