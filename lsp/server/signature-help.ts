/**
 * Signature help inside a call's parentheses: the signature of the layer, task layer, gate, method or
 * block being called, with the parameter the cursor is on (by position, or by `name:`).
 */
import type * as lsp from 'vscode-languageserver/node';
import { cursorContext, innermostCall } from './cursor.js';
import { blockParamLabels, lookupCallable, paramLine, signatureLabel } from './library.js';
import { findBlock } from './resolve.js';
import type { Analysis, Workspace } from './workspace.js';

export function signatureHelp(analysis: Analysis, workspace: Workspace, position: lsp.Position): lsp.SignatureHelp | null {
  const { text, lines } = analysis.result;
  const ctx = cursorContext(text, lines.offset(position));
  if (ctx.inert) return null;
  const frame = innermostCall(ctx);
  if (frame === undefined || frame.callee === undefined) return null;
  const signature = signatureOf(frame.callee, analysis, workspace);
  if (signature === undefined) return null;
  const names = signature.parameterNames;
  let active: number | undefined;
  if (frame.current !== undefined) active = names.indexOf(frame.current);
  else if (frame.named.length === 0) active = signature.variadic ? 0 : frame.argIndex;
  const info: lsp.SignatureInformation = { label: signature.label, parameters: signature.parameters };
  if (signature.documentation !== undefined) info.documentation = { kind: 'markdown', value: signature.documentation };
  const help: lsp.SignatureHelp = { signatures: [info], activeSignature: 0 };
  // An index past the parameters tells the client that none is active (a misspelt name, say).
  help.activeParameter = active !== undefined && active >= 0 && active < names.length ? active : names.length;
  return help;
}

interface Signature {
  readonly label: string;
  readonly parameters: lsp.ParameterInformation[];
  readonly parameterNames: string[];
  readonly documentation?: string;
  readonly variadic: boolean;
}

function signatureOf(callee: string, analysis: Analysis, workspace: Workspace): Signature | undefined {
  const callable = lookupCallable(callee);
  if (callable !== undefined) {
    const label = signatureLabel(callable);
    const variadic = callable.kind === 'merge' || callable.kind === 'search';
    // formatSignature writes `name: type = default` pieces joined by ", ".
    const variadicPiece = callable.kind === 'merge' ? 'source' : 'weight';
    const pieces = variadic
      ? [variadicPiece]
      : label
          .slice(label.indexOf('(') + 1, -1)
          .split(', ')
          .filter((p) => p !== '');
    const params = variadic ? [variadicPiece] : callable.sig.params.map((p) => p.name);
    const docs = [callable.sig.doc, ...callable.sig.params.map(paramLine)].join('\n\n');
    return {
      label,
      parameters: labelRanges(
        label,
        pieces,
        callable.sig.params.map((p) => p.doc),
      ),
      parameterNames: params,
      documentation: docs,
      variadic,
    };
  }
  const block = findBlock(analysis, workspace, callee);
  if (block === undefined) return undefined;
  const pieces = blockParamLabels(block.decl, block.text);
  const label = `${callee}(${pieces.join(', ')})`;
  return {
    label,
    parameters: labelRanges(label, pieces),
    parameterNames: block.decl.params.map((p) => p.name.text),
    documentation: `block \`${callee}\``,
    variadic: false,
  };
}

/** Parameters as [start, end) offsets into the label, found left to right. */
function labelRanges(label: string, pieces: readonly string[], docs: readonly string[] = []): lsp.ParameterInformation[] {
  let from = label.indexOf('(') + 1;
  return pieces.map((piece, i) => {
    const start = label.indexOf(piece, from);
    from = start + piece.length;
    const info: lsp.ParameterInformation = { label: [start, start + piece.length] };
    if (docs[i]) info.documentation = docs[i];
    return info;
  });
}
