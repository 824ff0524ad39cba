/**
 * The one entry point of the compiler, shared by the CLI and the language server: text in, syntax
 * tree, diagnostics, checked models and semantic facts out. Files are read only through the host,
 * so the server can serve unsaved editor buffers and tests can use an in-memory host.
 */
import * as path from 'node:path';
import type { MtlFile } from './ast.js';
import { checkFile } from './check.js';
import { diagnostic, Diagnostics, type Diagnostic } from './diagnostics.js';
import type { CheckedModel } from './ir.js';
import { parse } from './parse.js';
import type { SemanticModel } from './semantic.js';
import { LineIndex } from './span.js';
import type { BlockEntry } from './stages.js';

export interface CompileHost {
  /** The text of a file, or undefined when it cannot be read. */
  readFile(file: string): string | undefined;
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

export const NO_FILES: CompileHost = { readFile: () => undefined };

export function compile(file: string, text: string, host: CompileHost = NO_FILES): CompileResult {
  const { ast, diagnostics: syntax } = parse(text);
  const importDiagnostics: Diagnostic[] = [];
  const blocks = new Map<string, BlockEntry>();
  const imports: string[] = [];
  let importMissing = false;
  const visit = (from: string, tree: MtlFile, top: boolean): void => {
    for (const imp of tree.imports) {
      if (imp.path === undefined) continue;
      const target = path.resolve(path.dirname(from), imp.path.value);
      if (target === path.resolve(file) || imports.includes(target)) continue;
      const source = host.readFile(target);
      if (source === undefined) {
        importMissing = true;
        if (top) importDiagnostics.push(diagnostic(Diagnostics.importNotFound, imp.path.span, [imp.path.value]));
        continue;
      }
      imports.push(target);
      const imported = parse(source).ast;
      for (const block of imported.blocks) {
        if (block.name.text !== '' && !blocks.has(block.name.text)) blocks.set(block.name.text, { decl: block, uri: target });
      }
      visit(target, imported, false);
    }
  };
  visit(file, ast, true);
  const checked = checkFile(ast, blocks);
  // A block from a file that could not be read is unknown: the missing import is the one root
  // cause, so an unknown name that resembles no layer or block is not reported again.
  const semanticDiagnostics = importMissing ? checked.diagnostics.filter((d) => !(d.code === Diagnostics.unknownCallee.code && d.suggestion === undefined)) : checked.diagnostics;
  const diagnostics = [...syntax, ...importDiagnostics, ...semanticDiagnostics].sort((a, b) => a.span.start - b.span.start || a.span.end - b.span.end);
  const hasErrors = diagnostics.some((d) => d.severity === 'error');
  return {
    file,
    text,
    lines: new LineIndex(text),
    ast,
    diagnostics,
    models: hasErrors ? [] : checked.models,
    semantic: checked.semantic,
    imports,
  };
}
