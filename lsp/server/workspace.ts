/**
 * The open documents and what the compiler made of them. Each document is compiled through the
 * compiler's one entry point, at most once per version, with a host that reads open buffers first
 * and the disk second, so unsaved imports count. The import graph (who imports whom) decides which
 * documents to check again when a file changes, is saved, closed, created or deleted.
 *
 * Diagnostics are debounced per document: after a quiet spell an edit is checked at once; edits that
 * follow one another within `debounceMs` are checked once, `debounceMs` after the last of them.
 */
import { readSourceFile } from './source-file.js';
import * as path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import type { TextDocument } from 'vscode-languageserver-textdocument';
import { compile, LineIndex, parse, type CompileHost, type CompileResult, type MtlFile } from '../../compiler/index.js';

/** A compiled document: the result of `compile` for one version of one URI. */
export interface Analysis {
  readonly uri: string;
  readonly path: string;
  readonly version: number;
  readonly result: CompileResult;
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
  /** Receives a document's diagnostics when they are ready. */
  readonly publish: (analysis: Analysis) => void;
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

function readDisk(file: string): string | undefined {
  try {
    return readSourceFile(file);
  } catch {
    return undefined;
  }
}

export class Workspace {
  private readonly documents = new Map<string, TextDocument>();
  /** Open documents by file path, so the compile host finds unsaved buffers. */
  private readonly byPath = new Map<string, string>();
  private readonly analyses = new Map<string, Analysis>();
  /** The last result of a document whose analysis an import made stale: the next compile reuses it. */
  private readonly stale = new Map<string, CompileResult>();
  private readonly parsed = new Map<string, ParsedFile>();
  /** Pending checks by URI, each with its way to be cancelled. */
  private readonly timers = new Map<string, () => void>();
  private readonly lastEdit = new Map<string, number>();
  private readonly debounceMs: number;
  private readonly readOther: (file: string) => string | undefined;
  readonly host: CompileHost;

  constructor(private readonly options: WorkspaceOptions) {
    this.debounceMs = options.debounceMs ?? 100;
    this.readOther = options.readFile ?? readDisk;
    this.host = { readFile: (file) => this.readFile(file) };
  }

  /** The text of a file: its open buffer if there is one, else what `readFile` gives. */
  readFile(file: string): string | undefined {
    const uri = this.byPath.get(path.normalize(file));
    const open = uri === undefined ? undefined : this.documents.get(uri);
    return open !== undefined ? open.getText() : this.readOther(file);
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
    this.analyses.delete(uri);
    this.stale.delete(uri);
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
   * The compiled document, compiled now if its text or an import changed since; undefined if not open.
   * The last result is passed to the compiler, which reuses what the edit left unchanged.
   */
  analysis(uri: string): Analysis | undefined {
    const document = this.documents.get(uri);
    if (document === undefined) return undefined;
    const cached = this.analyses.get(uri);
    if (cached !== undefined && cached.version === document.version) return cached;
    const file = uriToPath(uri);
    const result = compile(file, document.getText(), this.host, cached?.result ?? this.stale.get(uri));
    const analysis: Analysis = { uri, path: file, version: document.version, result };
    this.analyses.set(uri, analysis);
    this.stale.delete(uri);
    return analysis;
  }

  /** Another file by path, parsed (open buffer first); cached by text. */
  parsedFile(file: string): ParsedFile | undefined {
    const key = path.normalize(file);
    const text = this.readFile(key);
    if (text === undefined) return undefined;
    const known = this.parsed.get(key);
    if (known !== undefined && known.text === text) return known;
    const parsedFile: ParsedFile = { uri: this.uriOf(key), path: key, text, ast: parse(text).ast, lines: new LineIndex(text) };
    this.parsed.set(key, parsedFile);
    return parsedFile;
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
    const found: string[] = [];
    for (const [uri, analysis] of this.analyses) {
      if (dependsOn(analysis, key)) found.push(uri);
    }
    return found;
  }

  /** Publishes now whatever is pending (tests and shutdown). */
  flush(): void {
    for (const uri of [...this.timers.keys()]) this.publishNow(uri);
  }

  dispose(): void {
    for (const cancel of this.timers.values()) cancel();
    this.timers.clear();
  }

  private recheckDependents(files: readonly string[]): void {
    const keys = files.map((f) => path.normalize(f));
    for (const [uri, analysis] of [...this.analyses]) {
      if (!keys.some((key) => dependsOn(analysis, key) && key !== path.normalize(analysis.path))) continue;
      this.analyses.delete(uri);
      this.stale.set(uri, analysis.result);
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
      const analysis = this.analysis(uri);
      if (analysis !== undefined) this.options.publish(analysis);
    } catch (error) {
      this.options.log(`checking ${uri} failed: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}`);
    }
  }
}

/** Whether a check of `analysis` read `file`: an import that was found, or one that was looked for. */
function dependsOn(analysis: Analysis, file: string): boolean {
  if (analysis.result.imports.some((i) => path.normalize(i) === file)) return true;
  const dir = path.dirname(analysis.path);
  return analysis.result.ast.imports.some((imp) => imp.path !== undefined && path.resolve(dir, imp.path.value) === file);
}
