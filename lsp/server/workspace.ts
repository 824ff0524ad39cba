/**
 * The open documents and what the compiler made of them. Each document is compiled through the
 * compiler's one entry point, at most once per version, with a host that reads open buffers first
 * and the disk second, so unsaved imports count. The import graph (who imports whom) decides which
 * documents to check again when a file changes, is saved, closed, created or deleted.
 *
 * Diagnostics are debounced per document: after a quiet spell an edit is checked at once; edits that
 * follow one another within `debounceMs` are checked once, `debounceMs` after the last of them.
 *
 * Within the limits of limits.ts: a document over them is held empty or not analysed, and gets one
 * diagnostic that says why; requests about it get empty answers. Analyses and parsed imports are kept
 * for the 64 documents used last; another is compiled again (within the same bounds) when asked for.
 */
import { MAX_ANALYSED_BYTES, MAX_ANALYSED_FILES, MAX_CACHED, MAX_OPEN_BYTES } from './limits.js';
import { maxSourceBytes, readSourceFile, SourceTooLargeError } from './source-file.js';
import * as path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import type { TextDocumentsConfiguration } from 'vscode-languageserver';
import { TextDocument } from 'vscode-languageserver-textdocument';
import { compile, LineIndex, parse, type CompileHost, type CompileResult, type MtlFile } from '../../compiler/index.js';

/** A compiled document: the result of `compile` for one version of one URI. */
export interface Analysis {
  readonly uri: string;
  readonly path: string;
  readonly version: number;
  readonly result: CompileResult;
}

/** A document the server does not analyse, and why (it is too large, or the open documents are). */
export interface Unanalysed {
  readonly uri: string;
  readonly version: number;
  readonly reason: string;
}

/** Another file, parsed only (an import, or the target of a cross-file reference). */
export interface ParsedFile {
  readonly uri: string;
  readonly path: string;
  readonly text: string;
  readonly ast: MtlFile;
  readonly lines: LineIndex;
}

export interface WorkspaceOptions {
  /** Quiet time that ends a burst of edits; 0 checks every edit. */
  readonly debounceMs?: number;
  /** Reads a file that is not open; tests pass an in-memory one. Defaults to the disk. */
  readonly readFile?: (file: string) => string | undefined;
  /** Receives a document's analysis when it is ready, or why there is none. */
  readonly publish: (analysis: Analysis | Unanalysed) => void;
  /** Clears the diagnostics of a closed document. */
  readonly clear: (uri: string) => void;
  readonly log: (message: string) => void;
}

function uriToPath(uri: string): string {
  if (uri.startsWith('file:')) {
    try {
      return path.normalize(fileURLToPath(uri));
    } catch {
      return uri;
    }
  }
  return uri;
}

function pathToUri(file: string): string {
  return path.isAbsolute(file) ? pathToFileURL(file).href : file;
}

const byteLength = (text: string) => Buffer.byteLength(text, 'utf8');
const count = (n: number) => n.toLocaleString('en-US');

/** Sets `key` as the most recently used entry of `map`, dropping the least recently used past `max`. */
function remember<K, V>(map: Map<K, V>, key: K, value: V, max: number): V {
  map.delete(key);
  map.set(key, value);
  for (const oldest of map.keys()) {
    if (map.size <= max) break;
    map.delete(oldest);
  }
  return value;
}

/** What reading a file over the limit it is read with gives. */
const TOO_LARGE = Symbol('too large');

function readDisk(file: string, limit: number): string | undefined | typeof TOO_LARGE {
  try {
    return readSourceFile(file, limit);
  } catch (error) {
    return error instanceof SourceTooLargeError ? TOO_LARGE : undefined;
  }
}

export class Workspace {
  private readonly documents = new Map<string, TextDocument>();
  /** Open documents by file path, so the compile host finds unsaved buffers. */
  private readonly byPath = new Map<string, string>();
  /** The bytes of each open document held. */
  private readonly held = new Map<string, number>();
  /** Open documents held empty, and why. */
  private readonly refused = new Map<string, string>();
  /** The last analyses, least recently used first. */
  private readonly analyses = new Map<string, Analysis>();
  /** Documents whose last analysis an import made stale: the next compile reuses it. */
  private readonly outdated = new Set<string>();
  /** The files each open document's last analysis read or looked for. */
  private readonly dependencies = new Map<string, ReadonlySet<string>>();
  private readonly parsed = new Map<string, ParsedFile>();
  /** Pending checks by URI, each with its way to be cancelled. */
  private readonly timers = new Map<string, () => void>();
  private readonly lastEdit = new Map<string, number>();
  private readonly debounceMs: number;

  /** How the open texts are kept (TextDocuments' configuration): a document over the limits is held empty. */
  readonly store: TextDocumentsConfiguration<TextDocument> = {
    create: (uri, languageId, version, text) => this.hold(TextDocument.create(uri, languageId, version, text)),
    update: (document, changes, version) =>
      this.hold(TextDocument.update(document, this.refused.has(document.uri) ? [] : changes, version)),
  };

  constructor(private readonly options: WorkspaceOptions) {
    this.debounceMs = options.debounceMs ?? 100;
  }

  /** The text of a file: its open buffer if there is one, else what `readFile` gives. */
  readFile(file: string): string | undefined {
    const text = this.readWithin(file, maxSourceBytes());
    return text === TOO_LARGE ? undefined : text;
  }

  /** The text of a file of at most `limit` bytes, found as `readFile` finds it; a larger one is not read. */
  private readWithin(file: string, limit: number): string | undefined | typeof TOO_LARGE {
    const uri = this.byPath.get(path.normalize(file));
    const open = uri === undefined ? undefined : this.documents.get(uri);
    if (uri !== undefined && open !== undefined)
      return this.refused.has(uri) || (this.held.get(uri) ?? 0) > limit ? TOO_LARGE : open.getText();
    if (this.options.readFile === undefined) return readDisk(file, limit);
    const text = this.options.readFile(file);
    return text !== undefined && byteLength(text) > limit ? TOO_LARGE : text;
  }

  isOpen(uri: string): boolean {
    return this.documents.has(uri);
  }

  openUris(): string[] {
    return [...this.documents.keys()];
  }

  /** A document was opened or edited: check it, and every open document that imports it. */
  changed(document: TextDocument): void {
    const file = uriToPath(document.uri);
    this.documents.set(document.uri, document);
    this.byPath.set(path.normalize(file), document.uri);
    this.schedule(document.uri);
    this.recheckDependents([file]);
  }

  closed(uri: string): void {
    const file = uriToPath(uri);
    this.documents.delete(uri);
    if (this.byPath.get(path.normalize(file)) === uri) this.byPath.delete(path.normalize(file));
    this.held.delete(uri);
    this.refused.delete(uri);
    this.analyses.delete(uri);
    this.outdated.delete(uri);
    this.dependencies.delete(uri);
    this.lastEdit.delete(uri);
    this.timers.get(uri)?.();
    this.timers.delete(uri);
    this.options.clear(uri);
    // Importers now read the file from disk instead of the buffer.
    this.recheckDependents([file]);
  }

  /** Files changed, appeared or disappeared on disk (saved, watched, deleted). */
  filesChanged(uris: readonly string[]): void {
    for (const uri of uris) this.parsed.delete(path.normalize(uriToPath(uri)));
    this.recheckDependents(uris.map(uriToPath));
  }

  /**
   * The compiled document, compiled now if its text or an import changed since; undefined if not open
   * or not analysed. The last result is passed to the compiler, which reuses what the edit left unchanged.
   */
  analysis(uri: string): Analysis | undefined {
    const document = this.documents.get(uri);
    if (document === undefined || this.unanalysed(uri) !== undefined) return undefined;
    const cached = this.analyses.get(uri);
    if (cached !== undefined && cached.version === document.version && !this.outdated.has(uri))
      return remember(this.analyses, uri, cached, MAX_CACHED);
    const file = uriToPath(uri);
    const result = compile(file, document.getText(), this.analysisHost(this.held.get(uri) ?? 0), cached?.result);
    const analysis: Analysis = { uri, path: file, version: document.version, result };
    this.outdated.delete(uri);
    this.dependencies.set(uri, dependencyPaths(analysis));
    return remember(this.analyses, uri, analysis, MAX_CACHED);
  }

  /** Why an open document is not analysed, or undefined when it is. */
  unanalysed(uri: string): string | undefined {
    const bytes = this.held.get(uri) ?? 0;
    return (
      this.refused.get(uri) ??
      (bytes > MAX_ANALYSED_BYTES
        ? `this document is too large to check as you type: ${count(bytes)} bytes, more than ${count(MAX_ANALYSED_BYTES)}; \`mtlc check\` checks it`
        : undefined)
    );
  }

  /** Another file by path, parsed (open buffer first); cached by text. Undefined when unreadable or too large. */
  parsedFile(file: string): ParsedFile | undefined {
    const key = path.normalize(file);
    const text = this.readWithin(key, MAX_ANALYSED_BYTES);
    if (typeof text !== 'string') return undefined;
    const known = this.parsed.get(key);
    if (known !== undefined && known.text === text) return remember(this.parsed, key, known, MAX_CACHED);
    const parsedFile: ParsedFile = { uri: this.uriOf(key), path: key, text, ast: parse(text).ast, lines: new LineIndex(text) };
    return remember(this.parsed, key, parsedFile, MAX_CACHED);
  }

  /** The URI of a file path: the open document's own URI when it is open. */
  uriOf(file: string): string {
    return this.byPath.get(path.normalize(file)) ?? pathToUri(file);
  }

  /** The line index of any file, open or not, for ranges that point into it. */
  linesOf(file: string): LineIndex | undefined {
    const uri = this.byPath.get(path.normalize(file));
    const analysis = uri === undefined ? undefined : this.analyses.get(uri);
    if (analysis !== undefined && uri !== undefined && analysis.version === this.documents.get(uri)?.version) return analysis.result.lines;
    return this.parsedFile(file)?.lines;
  }

  /** Open documents that import `file`, directly or not, as of their last check. */
  importersOf(file: string): string[] {
    const key = path.normalize(file);
    return [...this.dependencies].filter(([, files]) => files.has(key)).map(([uri]) => uri);
  }

  /** Publishes now whatever is pending (tests and shutdown). */
  flush(): void {
    for (const uri of [...this.timers.keys()]) this.publishNow(uri);
  }

  dispose(): void {
    for (const cancel of this.timers.values()) cancel();
    this.timers.clear();
  }

  /**
   * A document as it is held: its bytes counted, or (over the limits) kept empty with the reason.
   * A document once refused stays empty until it is closed and opened again.
   */
  private hold(document: TextDocument): TextDocument {
    const uri = document.uri;
    if (this.refused.has(uri)) return document;
    const bytes = byteLength(document.getText());
    let others = 0;
    for (const [other, held] of this.held) if (other !== uri) others += held;
    const reason =
      bytes > maxSourceBytes()
        ? `this document is not checked: it has ${count(bytes)} bytes, more than the ${count(maxSourceBytes())} a source may have; close and open it again once it is smaller`
        : others + bytes > MAX_OPEN_BYTES
          ? `this document is not checked: the open documents would take ${count(others + bytes)} bytes, more than the ${count(MAX_OPEN_BYTES)} the language server holds; close some, then close and open this one again`
          : undefined;
    if (reason === undefined) {
      this.held.set(uri, bytes);
      return document;
    }
    this.refused.set(uri, reason);
    this.held.delete(uri);
    return TextDocument.create(uri, document.languageId, document.version, '');
  }

  /** The host of one analysis: the document and the files it imports stay within the analysis limits. */
  private analysisHost(documentBytes: number): CompileHost {
    let bytes = documentBytes;
    let files = 1;
    const left = new Set<string>();
    const leave = (file: string) => void left.add(file);
    return {
      readFile: (file) => {
        if (files >= MAX_ANALYSED_FILES) return leave(file);
        const text = this.readWithin(file, MAX_ANALYSED_BYTES - bytes);
        if (text === TOO_LARGE) return leave(file);
        if (text !== undefined) {
          bytes += byteLength(text);
          files++;
        }
        return text;
      },
      unreadable: (file) =>
        left.has(file)
          ? `left unread: as you type, a document and its imports are checked up to ${MAX_ANALYSED_FILES} files and ${count(MAX_ANALYSED_BYTES)} bytes together; \`mtlc check\` reads them all`
          : undefined,
    };
  }

  private recheckDependents(files: readonly string[]): void {
    const keys = files.map((f) => path.normalize(f));
    for (const [uri, dependencies] of this.dependencies) {
      const own = path.normalize(uriToPath(uri));
      if (!keys.some((key) => key !== own && dependencies.has(key))) continue;
      this.outdated.add(uri);
      this.schedule(uri);
    }
  }

  private schedule(uri: string): void {
    const now = Date.now();
    const pending = this.timers.get(uri);
    pending?.();
    const quiet = pending === undefined && now - (this.lastEdit.get(uri) ?? -Infinity) >= this.debounceMs;
    this.lastEdit.set(uri, now);
    // After a quiet spell, check as soon as the edits already received are applied.
    if (quiet) {
      const immediate = setImmediate(() => this.publishNow(uri));
      this.timers.set(uri, () => clearImmediate(immediate));
    } else {
      const timer = setTimeout(() => this.publishNow(uri), this.debounceMs);
      this.timers.set(uri, () => clearTimeout(timer));
    }
  }

  private publishNow(uri: string): void {
    this.timers.get(uri)?.();
    this.timers.delete(uri);
    try {
      const document = this.documents.get(uri);
      const reason = this.unanalysed(uri);
      if (document !== undefined && reason !== undefined) this.options.publish({ uri, version: document.version, reason });
      const analysis = this.analysis(uri);
      if (analysis !== undefined) this.options.publish(analysis);
    } catch (error) {
      this.options.log(`checking ${uri} failed: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}`);
    }
  }
}

/** The files a check of `analysis` read or looked for: the imports that were found, and those that were not. */
function dependencyPaths(analysis: Analysis): ReadonlySet<string> {
  const dir = path.dirname(analysis.path);
  const lookedFor = analysis.result.ast.imports.flatMap((imp) => (imp.path === undefined ? [] : [path.resolve(dir, imp.path.value)]));
  return new Set([...analysis.result.imports, ...lookedFor].map((file) => path.normalize(file)));
}
