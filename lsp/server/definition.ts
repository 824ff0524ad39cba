/**
 * Go to definition: a member name to its declaration, a block call to its block (in this file or an
 * imported one), a parameter read in a block body to the parameter, an import to the file.
 */
import type * as lsp from 'vscode-languageserver/node';
import { toRange } from './diagnostics.js';
import { targetAt } from './resolve.js';
import type { Analysis, Workspace } from './workspace.js';

export function definition(analysis: Analysis, workspace: Workspace, position: lsp.Position): lsp.Location | null {
  const lines = analysis.result.lines;
  const target = targetAt(analysis, workspace, lines.offset(position));
  switch (target?.kind) {
    case 'symbol':
      return target.symbol.uri === undefined ? { uri: analysis.uri, range: toRange(lines, target.symbol.nameSpan) } : null;
    case 'param':
      return { uri: analysis.uri, range: toRange(lines, target.param.name.span) };
    case 'block': {
      const location = target.location;
      return location ? { uri: location.uri, range: toRange(location.lines, location.decl.name.span) } : null;
    }
    case 'import':
      return workspace.readFile(target.file) === undefined
        ? null
        : { uri: workspace.uriOf(target.file), range: { start: { line: 0, character: 0 }, end: { line: 0, character: 0 } } };
    default:
      return null;
  }
}
