/**
 * The one entry point of the compiler, shared by the CLI and the language server: text in, syntax
 * tree, diagnostics, checked models and semantic facts out. Files are read only through the host,
 * so the server can serve unsaved editor buffers and tests can use an in-memory host.
 */
import * as path from 'node:path';
import type { MtlFile } from './ast.js';
import { checkFile, type CheckResult } from './check.js';
import { compareDiagnostics, diagnostic, Diagnostics, type Diagnostic } from './diagnostics.js';
import type { CheckedModel } from './ir.js';
import { parse, type ParseResult } from './parse.js';
import type { SemanticModel } from './semantic.js';
import { LineIndex } from './span.js';
import type { BlockEntry } from './stages.js';

export interface CompileHost {
  /** The text of a file, or undefined when it cannot be read. */
  readFile(file: string): string | undefined;
  /** Why a file that `readFile` did not give was left unread, when it was a choice: the diagnostic's hint. */
  unreadable?(file: string): string | undefined;
}

export interface CompileResult {
  readonly file: string;
  readonly text: string;
  readonly lines: LineIndex;
  readonly ast: MtlFile;
  /** Every problem in this file, sorted by position. */
  readonly diagnostics: readonly Diagnostic[];
  /** The checked models, when the file has no errors. */
  readonly models: readonly CheckedModel[];
  readonly semantic: SemanticModel;
  /** The files this one imports, directly or not, resolved to paths. */
  readonly imports: readonly string[];
}

const NO_FILES: CompileHost = { readFile: () => undefined };

/** What a compile made on the way to its result, for the next compile to reuse. */
interface Stages {
  readonly parsed: ParseResult;
  readonly checked: CheckResult;
  /** The imported files' texts and syntax trees, by path. */
  readonly imported: ReadonlyMap<string, { readonly text: string; readonly ast: MtlFile }>;
}

/** Held beside each result rather than in it, so that a result is only what the text means. */
const stagesOf = new WeakMap<CompileResult, Stages>();

/**
 * Compiles a file. `previous`, an earlier result (the language server passes the document's last
 * one), makes it faster and changes nothing: text and imports that did not change are not parsed
 * again, and models whose syntax tree and blocks did not change are not checked again, only moved.
 */
export function compile(file: string, text: string, host: CompileHost = NO_FILES, previous?: CompileResult): CompileResult {
  const before = previous === undefined ? undefined : stagesOf.get(previous);
  const parsed = parse(text, before?.parsed);
  const { ast, diagnostics: syntax } = parsed;
  const imported = new Map<string, { text: string; ast: MtlFile }>();
  const importDiagnostics: Diagnostic[] = [];
  const blocks = new Map<string, BlockEntry>();
  const imports: string[] = [];
  let importFailed = false;
  const visit = (from: string, tree: MtlFile, top: boolean): void => {
    for (const imp of tree.imports) {
      if (imp.path === undefined) continue;
      const target = path.resolve(path.dirname(from), imp.path.value);
      if (target === path.resolve(file) || imports.includes(target)) continue;
      const source = host.readFile(target);
      if (source === undefined) {
        importFailed = true;
        const hint = host.unreadable?.(target);
        if (top)
          importDiagnostics.push(
            diagnostic(Diagnostics.importNotFound, imp.path.span, [imp.path.value], hint === undefined ? {} : { hint }),
          );
        continue;
      }
      imports.push(target);
      const known = before?.imported.get(target);
      const tree = known !== undefined && known.text === source ? known.ast : parse(source).ast;
      imported.set(target, { text: source, ast: tree });
      for (const block of tree.blocks) {
        if (block.name.text !== '' && !blocks.has(block.name.text)) blocks.set(block.name.text, { decl: block, uri: target });
      }
      visit(target, tree, false);
    }
  };
  visit(file, ast, true);
  const checked = checkFile(ast, blocks, importFailed, before?.checked);
  const diagnostics = [...syntax, ...importDiagnostics, ...checked.diagnostics].sort(compareDiagnostics);
  const hasErrors = diagnostics.some((d) => d.severity === 'error');
  const result: CompileResult = {
    file,
    text,
    lines: new LineIndex(text),
    ast,
    diagnostics,
    models: hasErrors ? [] : checked.models,
    semantic: checked.semantic,
    imports,
  };
  stagesOf.set(result, { parsed, checked, imported });
  return result;
}
