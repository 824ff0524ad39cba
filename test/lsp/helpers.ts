/**
 * An in-process language server and a JSON-RPC client over two PassThrough streams: the real
 * protocol, no editor. Test texts mark the cursor with `<|>`; files that are not open come from an
 * in-memory map, so imports need no disk.
 */
import * as path from 'node:path';
import { PassThrough } from 'node:stream';
import { fileURLToPath } from 'node:url';
import { createMessageConnection, StreamMessageReader, StreamMessageWriter, type MessageConnection } from 'vscode-jsonrpc/node';
import type * as lsp from 'vscode-languageserver/node';
import { startStreamServer } from '../../lsp/server/main.js';
import type { Workspace } from '../../lsp/server/workspace.js';

export const CURSOR = '<|>';

/** The text without its `<|>` marker, and the marker's position. */
export function cursor(marked: string): { text: string; offset: number; position: lsp.Position } {
  const offset = marked.indexOf(CURSOR);
  if (offset < 0) throw new Error('the test text has no <|> cursor');
  const text = marked.slice(0, offset) + marked.slice(offset + CURSOR.length);
  const before = text.slice(0, offset).split('\n');
  return { text, offset, position: { line: before.length - 1, character: before[before.length - 1]!.length } };
}

export interface TestServerOptions {
  /** Files that are not open, by absolute path. */
  readonly files?: Record<string, string>;
  readonly debounceMs?: number;
  /** What the client says it can do in `initialize`. */
  readonly capabilities?: lsp.ClientCapabilities;
}

export class TestServer {
  readonly published = new Map<string, lsp.PublishDiagnosticsParams[]>();
  readonly logs: string[] = [];
  /** What the server asked the client to register (client/registerCapability). */
  readonly registrations: lsp.Registration[] = [];
  private readonly waiters: { uri: string; version?: number; resolve: (p: lsp.PublishDiagnosticsParams) => void }[] = [];
  private versions = new Map<string, number>();
  private count = 0;

  constructor(
    readonly client: MessageConnection,
    readonly workspace: Workspace,
    private readonly dispose: () => void,
  ) {
    client.onNotification('textDocument/publishDiagnostics', (params: lsp.PublishDiagnosticsParams) => {
      this.published.set(params.uri, [...(this.published.get(params.uri) ?? []), params]);
      for (const waiter of [...this.waiters]) {
        if (waiter.uri === params.uri && (waiter.version === undefined || waiter.version === params.version)) {
          this.waiters.splice(this.waiters.indexOf(waiter), 1);
          waiter.resolve(params);
        }
      }
    });
    client.onNotification('window/logMessage', (params: lsp.LogMessageParams) => void this.logs.push(params.message));
    client.onRequest('client/registerCapability', (params: lsp.RegistrationParams) => {
      this.registrations.push(...params.registrations);
      return null;
    });
  }

  /** A fresh URI for each opened test document. */
  nextUri(): string {
    return `file:///project/test${++this.count}.mtl`;
  }

  /** Opens a document; resolves once its first diagnostics are published. */
  async open(text: string, uri = this.nextUri()): Promise<{ uri: string; diagnostics: lsp.Diagnostic[] }> {
    const published = this.diagnosticsFor(uri, 1);
    this.versions.set(uri, 1);
    await this.client.sendNotification('textDocument/didOpen', { textDocument: { uri, languageId: 'mtl', version: 1, text } });
    return { uri, diagnostics: (await published).diagnostics };
  }

  /** Opens a text with a `<|>` cursor; returns the URI and the cursor's position. */
  async openAt(marked: string): Promise<{ uri: string; position: lsp.Position; text: string }> {
    const { text, position } = cursor(marked);
    const { uri } = await this.open(text);
    return { uri, position, text };
  }

  async change(uri: string, changes: lsp.TextDocumentContentChangeEvent[]): Promise<number> {
    const version = (this.versions.get(uri) ?? 1) + 1;
    this.versions.set(uri, version);
    await this.client.sendNotification('textDocument/didChange', { textDocument: { uri, version }, contentChanges: changes });
    return version;
  }

  async close(uri: string): Promise<void> {
    await this.client.sendNotification('textDocument/didClose', { textDocument: { uri } });
  }

  /** The diagnostics of a given version of a URI (perhaps published already), or else the next ones. */
  diagnosticsFor(uri: string, version?: number): Promise<lsp.PublishDiagnosticsParams> {
    const already = version === undefined ? undefined : this.published.get(uri)?.find((p) => p.version === version);
    if (already !== undefined) return Promise.resolve(already);
    return new Promise((resolve) => this.waiters.push({ uri, ...(version !== undefined ? { version } : {}), resolve }));
  }

  request<R>(method: string, params: unknown): Promise<R> {
    return this.client.sendRequest(method, params) as Promise<R>;
  }

  /** Opens the marked text and sends one position request at its cursor. */
  async at<R>(method: string, marked: string, extra: Record<string, unknown> = {}): Promise<R> {
    const { uri, position } = await this.openAt(marked);
    return this.request<R>(method, { textDocument: { uri }, position, ...extra });
  }

  stop(): void {
    this.dispose();
  }
}

export async function startTestServer(options: TestServerOptions = {}): Promise<TestServer> {
  const toServer = new PassThrough();
  const toClient = new PassThrough();
  const files = options.files;
  const { connection, workspace } = startStreamServer(toServer, toClient, {
    debounceMs: options.debounceMs ?? 0,
    ...(files !== undefined ? { readFile: (file: string) => files[file] } : {}),
  });
  const client = createMessageConnection(new StreamMessageReader(toClient), new StreamMessageWriter(toServer));
  const server = new TestServer(client, workspace, () => {
    client.dispose();
    connection.dispose();
    workspace.dispose();
  });
  client.listen();
  await client.sendRequest('initialize', {
    processId: null,
    rootUri: null,
    capabilities: options.capabilities ?? {},
    workspaceFolders: null,
  });
  await client.sendNotification('initialized', {});
  return server;
}

/** A range written as `line:char-line:char`, zero-based, for compact expectations. */
export function r(range: lsp.Range): string {
  return `${range.start.line}:${range.start.character}-${range.end.line}:${range.end.character}`;
}

/** The seed model of LANGUAGE.md §1. */
export const SEED = `model Seed {
  input x: float[100]

  trunk shared = x -> dense(64, relu)

  head task1 = shared -> classify(10)
  head task2 = shared -> classify(5)

  weights { task1: 1.0, task2: 1.0 }
}
`;

export const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
