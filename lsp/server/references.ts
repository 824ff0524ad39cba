/**
 * Find references: every place a member, block or parameter is named. A block is also looked for in
 * the open documents that import its file.
 */
import type * as lsp from 'vscode-languageserver/node';
import type { Span } from '../../compiler/index.js';
import { toRange } from './diagnostics.js';
import { occurrencesInDocument, targetAt, type Target } from './resolve.js';
import type { Analysis, Workspace } from './workspace.js';

export function references(analysis: Analysis, workspace: Workspace, position: lsp.Position, includeDeclaration: boolean): lsp.Location[] {
  const target = targetAt(analysis, workspace, analysis.result.lines.offset(position));
  if (target === undefined) return [];
  return occurrences(analysis, workspace, target, includeDeclaration).flatMap(({ analysis: where, spans }) =>
    spans.map((span) => ({ uri: where.uri, range: toRange(where.result.lines, span) })),
  );
}

export interface Occurrences {
  readonly analysis: Analysis;
  readonly spans: Span[];
}

/** Occurrences by document: this one first, then (for blocks) the block's file and its importers. */
export function occurrences(analysis: Analysis, workspace: Workspace, target: Target, includeDeclaration: boolean): Occurrences[] {
  if (target.kind !== 'block' || target.location === undefined) {
    return [{ analysis, spans: occurrencesInDocument(analysis, target, includeDeclaration) }];
  }
  const home = target.location.path;
  const documents: Analysis[] = [];
  const add = (a: Analysis | undefined) => {
    if (a !== undefined && !documents.some((d) => d.uri === a.uri)) documents.push(a);
  };
  add(analysis);
  add(workspace.isOpen(target.location.uri) ? workspace.analysis(target.location.uri) : undefined);
  for (const uri of workspace.importersOf(home)) add(workspace.analysis(uri));
  return documents
    .map((doc) => {
      const location = doc.path === home ? { ...target.location!, lines: doc.result.lines } : target.location!;
      const here: Target = { ...target, location };
      return { analysis: doc, spans: occurrencesInDocument(doc, here, includeDeclaration) };
    })
    .filter((o) => o.spans.length > 0);
}
