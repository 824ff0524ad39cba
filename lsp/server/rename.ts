/**
 * Rename of inputs, trunks, gates, heads (with their `weights {}` entries), models, blocks (across
 * open importers) and block parameters. prepareRename refuses the language's own names and keywords.
 */
import * as lsp from 'vscode-languageserver/node';
import { keywordTokens } from '../../grammar/tokens.js';
import { toRange } from './diagnostics.js';
import { occurrences } from './references.js';
import { targetAt, type Target } from './resolve.js';
import type { Analysis, Workspace } from './workspace.js';

const KEYWORDS = new Set(keywordTokens.map((t) => String(t.PATTERN).replace(/^\/|\/$/g, '')));

function renameable(target: Target | undefined): target is Target {
  if (target === undefined) return false;
  if (target.kind === 'symbol') return target.symbol.uri === undefined;
  return target.kind === 'param' || (target.kind === 'block' && target.location !== undefined);
}

export function prepareRename(analysis: Analysis, workspace: Workspace, position: lsp.Position): lsp.PrepareRenameResult | null {
  const lines = analysis.result.lines;
  const target = targetAt(analysis, workspace, lines.offset(position));
  if (!renameable(target)) return null;
  return { range: toRange(lines, target.span), placeholder: analysis.result.text.slice(target.span.start, target.span.end) };
}

export function rename(
  analysis: Analysis,
  workspace: Workspace,
  position: lsp.Position,
  newName: string,
): lsp.WorkspaceEdit | lsp.ResponseError<void> | null {
  if (!/^[A-Za-z_][A-Za-z0-9_]*$/.test(newName) || KEYWORDS.has(newName)) {
    return new lsp.ResponseError(
      lsp.ErrorCodes.InvalidParams,
      `"${newName}" is not a valid name: use letters, digits and _, not starting with a digit, and not a keyword`,
    );
  }
  const target = targetAt(analysis, workspace, analysis.result.lines.offset(position));
  if (!renameable(target)) return null;
  const changes: Record<string, lsp.TextEdit[]> = {};
  for (const { analysis: doc, spans } of occurrences(analysis, workspace, target, true)) {
    changes[doc.uri] = spans.map((span) => ({ range: toRange(doc.result.lines, span), newText: newName }));
  }
  // A block declared in a file that is not open is renamed there too.
  if (target.kind === 'block' && target.location !== undefined && changes[target.location.uri] === undefined) {
    changes[target.location.uri] = [{ range: toRange(target.location.lines, target.location.decl.name.span), newText: newName }];
  }
  return { changes };
}
