/**
 * The language server: wires the LSP connection to the workspace and to one function per feature.
 * Every request handler is guarded, so an exception in one feature is logged and answered as an error
 * response while the server keeps serving; requests about documents that are not open get empty answers.
 */
import {
  createConnection,
  DidChangeWatchedFilesNotification,
  ErrorCodes,
  ResponseError,
  StreamMessageReader,
  StreamMessageWriter,
  TextDocuments,
  TextDocumentSyncKind,
  type Connection,
  type InitializeResult,
  type ResponseMessage,
} from 'vscode-languageserver/node';
import type { Readable, Writable } from 'node:stream';
import { codeActions } from './code-actions.js';
import { completion } from './completion.js';
import { definition } from './definition.js';
import { documentDiagnostics, limitDiagnostic } from './diagnostics.js';
import { foldingRanges } from './folding.js';
import { formatting } from './formatting.js';
import { hover } from './hover.js';
import { inlayHints } from './inlay-hints.js';
import { references } from './references.js';
import { prepareRename, rename } from './rename.js';
import { LEGEND, semanticTokens } from './semantic-tokens.js';
import { signatureHelp } from './signature-help.js';
import { documentSymbols } from './symbols.js';
import { Workspace, type Analysis } from './workspace.js';

export interface ServerOptions {
  /** Quiet time that ends a burst of edits before diagnostics are published (default 100 ms). */
  readonly debounceMs?: number;
  /** Reads files that are not open (default: the disk). */
  readonly readFile?: (file: string) => string | undefined;
  /** Leave the process alone on `exit` (in-process servers); stdio servers exit. */
  readonly keepProcess?: boolean;
}

const CAPABILITIES: InitializeResult['capabilities'] = {
  textDocumentSync: { openClose: true, change: TextDocumentSyncKind.Incremental, save: { includeText: false } },
  hoverProvider: true,
  completionProvider: { triggerCharacters: ['>', '(', ',', ':', '['] },
  signatureHelpProvider: { triggerCharacters: ['(', ','], retriggerCharacters: [':'] },
  definitionProvider: true,
  referencesProvider: true,
  renameProvider: { prepareProvider: true },
  documentSymbolProvider: true,
  documentFormattingProvider: true,
  semanticTokensProvider: { legend: LEGEND, full: true },
  inlayHintProvider: true,
  codeActionProvider: { codeActionKinds: ['quickfix'] },
  foldingRangeProvider: true,
};

/** Starts serving on a connection; returns the workspace (tests inspect it). */
function startServer(connection: Connection, options: ServerOptions = {}): Workspace {
  const log = (message: string) => connection.console.error(message);
  const workspace: Workspace = new Workspace({
    ...(options.debounceMs !== undefined ? { debounceMs: options.debounceMs } : {}),
    ...(options.readFile !== undefined ? { readFile: options.readFile } : {}),
    publish: (analysis) =>
      void connection.sendDiagnostics({
        uri: analysis.uri,
        version: analysis.version,
        diagnostics: 'reason' in analysis ? [limitDiagnostic(analysis.reason)] : documentDiagnostics(analysis, workspace),
      }),
    clear: (uri) => void connection.sendDiagnostics({ uri, diagnostics: [] }),
    log,
  });
  const documents = new TextDocuments(workspace.store);

  const guard =
    <P, R>(name: string, handler: (params: P) => R) =>
    (params: P): R | ResponseError<void> => {
      try {
        return handler(params);
      } catch (error) {
        log(`${name} failed: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}`);
        return new ResponseError(ErrorCodes.InternalError, `${name} failed: ${error instanceof Error ? error.message : String(error)}`);
      }
    };
  /** A request about one document: answered with `empty` when the document is not open. */
  const onDocument = <P extends { textDocument: { uri: string } }, R, E>(
    name: string,
    empty: E,
    handler: (analysis: Analysis, params: P) => R,
  ) =>
    guard(name, (params: P): R | E => {
      const analysis = workspace.analysis(params.textDocument.uri);
      return analysis === undefined ? empty : handler(analysis, params);
    });
  const quietly =
    <P>(name: string, handler: (params: P) => void) =>
    (params: P) =>
      void guard(name, handler)(params);

  let watchFiles = false;
  connection.onInitialize((params) => {
    watchFiles = params.capabilities.workspace?.didChangeWatchedFiles?.dynamicRegistration === true;
    return { capabilities: CAPABILITIES, serverInfo: { name: 'mtlc lsp' } };
  });
  // Clients that let the server choose (Neovim 0.9+) are asked to report .mtl files changed on disk,
  // so importers of a file that was edited elsewhere, created or deleted are checked again.
  connection.onInitialized(() => {
    if (watchFiles)
      void connection.client
        .register(DidChangeWatchedFilesNotification.type, { watchers: [{ globPattern: '**/*.mtl' }] })
        .catch(() => undefined);
  });
  documents.onDidChangeContent(quietly('didChange', (e) => workspace.changed(e.document)));
  documents.onDidClose(quietly('didClose', (e) => workspace.closed(e.document.uri)));
  connection.onDidChangeWatchedFiles(quietly('didChangeWatchedFiles', (p) => workspace.filesChanged(p.changes.map((c) => c.uri))));

  connection.onHover(onDocument('hover', null, (a, p) => hover(a, workspace, p.position)));
  connection.onCompletion(onDocument('completion', [], (a, p) => completion(a, workspace, p.position)));
  connection.onSignatureHelp(onDocument('signatureHelp', null, (a, p) => signatureHelp(a, workspace, p.position)));
  connection.onDefinition(onDocument('definition', null, (a, p) => definition(a, workspace, p.position)));
  connection.onReferences(onDocument('references', [], (a, p) => references(a, workspace, p.position, p.context.includeDeclaration)));
  connection.onPrepareRename(onDocument('prepareRename', null, (a, p) => prepareRename(a, workspace, p.position)));
  connection.onRenameRequest(onDocument('rename', null, (a, p) => rename(a, workspace, p.position, p.newName)));
  connection.onDocumentSymbol(onDocument('documentSymbol', [], (a) => documentSymbols(a)));
  connection.onDocumentFormatting(onDocument('formatting', [], (a) => formatting(a)));
  connection.languages.semanticTokens.on(onDocument('semanticTokens', { data: [] }, (a) => semanticTokens(a)));
  connection.languages.inlayHint.on(onDocument('inlayHint', [], (a, p) => inlayHints(a, p.range)));
  connection.onCodeAction(onDocument('codeAction', [], (a, p) => codeActions(a, workspace, p)));
  connection.onFoldingRanges(onDocument('foldingRange', [], (a) => foldingRanges(a)));

  connection.onShutdown(() => workspace.dispose());
  if (options.keepProcess) connection.onExit(() => workspace.dispose());
  documents.listen(connection);
  connection.listen();
  return workspace;
}

/**
 * The JSON-RPC connection on a pair of streams. A message whose body is not JSON is answered as
 * JSON-RPC 2.0 says, with a Parse error (-32700, id null); its Content-Length has been read, so the
 * next message is read as usual and the server stays in step with the client.
 */
function protocolConnection(input: Readable, output: Writable): Connection {
  const reader = new StreamMessageReader(input);
  const writer = new StreamMessageWriter(output);
  reader.onError((error) => {
    const reply: ResponseMessage = {
      jsonrpc: '2.0',
      id: null,
      error: { code: ErrorCodes.ParseError, message: `Parse error: ${error.message}` },
    };
    void writer.write(reply);
  });
  return createConnection(reader, writer);
}

/** A server on a pair of streams, in this process (tests and benchmarks). */
export function startStreamServer(
  input: Readable,
  output: Writable,
  options: ServerOptions = {},
): { connection: Connection; workspace: Workspace } {
  const connection = protocolConnection(input, output);
  const workspace = startServer(connection, { keepProcess: true, ...options });
  return { connection, workspace };
}

/** `mtlc lsp`: a server on stdin/stdout that exits with the protocol (0 after shutdown, else 1). */
export function startStdioServer(options: ServerOptions = {}): void {
  const connection = protocolConnection(process.stdin, process.stdout);
  // stdout carries the protocol: anything printed by accident goes to the client's log instead.
  console.log = (...args: unknown[]) => connection.console.log(args.map(String).join(' '));
  console.info = console.log;
  console.warn = (...args: unknown[]) => connection.console.warn(args.map(String).join(' '));
  console.error = (...args: unknown[]) => connection.console.error(args.map(String).join(' '));
  startServer(connection, options);
}
