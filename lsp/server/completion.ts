/**
 * Completion by context: top-level and member keywords, input types, what a pipeline can read
 * (inputs, trunks, gates in heads, concat/add), what it can apply (layers, blocks, task layers in
 * heads), the named arguments and argument values of the call under the cursor, option keys and
 * values of `train {}`, `data {}` and head options, and head names inside `weights {}`.
 */
import * as lsp from 'vscode-languageserver/node';
import {
  DATA_FORMATS,
  DATA_OPTIONS,
  describeType,
  formatShape,
  GATES,
  HEAD_OPTIONS,
  LAYERS,
  LOSSES,
  MERGES,
  METRICS,
  OPTIMIZERS,
  TASKS,
  TRAIN_OPTIONS,
  WEIGHTINGS,
  type ArgType,
  type BlockDecl,
  type ModelDecl,
} from '../../compiler/index.js';
import * as T from '../../grammar/tokens.js';
import { cursorContext, type CursorContext, type ParenFrame, type Statement } from './cursor.js';
import { blockSignatureLabel, callableMarkdown, lookupCallable, signatureLabel, type Callable } from './library.js';
import type { Analysis, Workspace } from './workspace.js';

const TOP_KEYWORDS = ['model', 'block', 'import'] as const;
const MEMBER_KEYWORDS = ['input', 'trunk', 'gate', 'head', 'weights', 'weighting', 'train', 'data'] as const;
const INPUT_TYPES = ['float', 'int', 'category'] as const;
const INPUT_OPTIONS = ['normalize', 'from', 'vocab'] as const;
const PARAM_TYPES = ['int', 'float', 'bool', 'string'] as const;

/** What completion needs from the document besides the cursor. */
interface Scope {
  readonly analysis: Analysis;
  readonly workspace: Workspace;
  readonly model: ModelDecl | undefined;
  readonly block: BlockDecl | undefined;
}

export function completion(analysis: Analysis, workspace: Workspace, position: lsp.Position): lsp.CompletionItem[] {
  const { text, lines, ast } = analysis.result;
  const offset = lines.offset(position);
  const ctx = cursorContext(text, offset);
  if (ctx.inert) return [];
  // The declaration the cursor is in: the last one that starts before it (half-typed text may end it early).
  const decl = [...ast.blocks, ...ast.models].filter((d) => d.span.start < ctx.wordStart).sort((a, b) => b.span.start - a.span.start)[0];
  const scope: Scope = {
    analysis,
    workspace,
    model: decl?.kind === 'Model' ? decl : undefined,
    block: decl?.kind === 'Block' ? decl : undefined,
  };
  return itemsFor(ctx, scope);
}

function itemsFor(ctx: CursorContext, scope: Scope): lsp.CompletionItem[] {
  const top = ctx.frames[ctx.frames.length - 1];
  const prev = ctx.previous?.tokenType;
  if (top === undefined) return topLevel(ctx.statement, prev, scope);
  switch (top.kind) {
    case 'paren':
      if (top.params) return prev === T.Colon ? PARAM_TYPES.map(keyword) : [];
      return argumentItems(top, ctx, scope);
    case 'bracket':
      return top.key === 'metrics' ? METRICS.map((m) => value(m)) : [];
    case 'curly':
      break;
  }
  const atValue = prev === T.Colon;
  const atKey = prev === T.LCurly || prev === T.Comma || (!atValue && !isOperator(prev));
  switch (top.section) {
    case 'model':
      return member(ctx.statement, prev, scope);
    case 'weights':
      if (atValue) return [callItem(lookupCallable('search', 'weights')!)];
      return atKey ? headNames(scope).filter((h) => !top.keys.includes(h.label)) : [];
    case 'train':
      if (atValue) {
        if (top.current === 'optimizer') return [...OPTIMIZERS.keys()].map((n) => callItem(lookupCallable(n, 'optimizer')!, false));
        if (top.current === 'shuffle') return ['true', 'false'].map(keyword);
        return [];
      }
      return atKey ? optionKeys(TRAIN_OPTIONS, top.keys) : [];
    case 'data':
      if (atValue) return top.current === 'format' ? DATA_FORMATS.map((f) => ({ ...value(`"${f}"`) })) : [];
      return atKey ? optionKeys(DATA_OPTIONS, top.keys) : [];
    case 'head':
      if (atValue) return top.current === 'loss' ? [...LOSSES.keys()].map((n) => callItem(lookupCallable(n, 'loss')!, false)) : [];
      return atKey ? optionKeys(HEAD_OPTIONS, top.keys) : [];
    default:
      return [];
  }
}

function isOperator(type: unknown): boolean {
  return (
    type === T.Arrow ||
    type === T.Equals ||
    type === T.Plus ||
    type === T.Minus ||
    type === T.Star ||
    type === T.Slash ||
    type === T.DotDot ||
    type === T.LParen ||
    type === T.LBracket
  );
}

function topLevel(statement: Statement | undefined, prev: unknown, scope: Scope): lsp.CompletionItem[] {
  if (statement?.keyword === 'block') {
    if (prev === T.Equals || prev === T.Arrow) return stages(scope, false);
    if (!statement.tokens.some((t) => t.tokenType === T.Equals)) return [];
  } else if ((statement?.keyword === 'model' || statement?.keyword === 'import') && statement.tokens.length === 0) {
    return [];
  }
  return TOP_KEYWORDS.map(keyword);
}

function member(statement: Statement | undefined, prev: unknown, scope: Scope): lsp.CompletionItem[] {
  const members = MEMBER_KEYWORDS.map(keyword);
  if (statement === undefined) return members;
  const naming = statement.tokens.length === 0 && statement.keyword !== 'weighting';
  if (naming) return [];
  switch (statement.keyword) {
    case 'input':
      if (prev === T.Colon) return INPUT_TYPES.map(keyword);
      if (statement.tokens.length < 2) return [];
      return [...INPUT_OPTIONS.map(keyword), ...members];
    case 'trunk':
    case 'head': {
      const name = statement.tokens[0]?.image;
      if (prev === T.Equals) return sources(scope, statement.keyword === 'head', name);
      if (prev === T.Arrow) return stages(scope, statement.keyword === 'head');
      return statement.tokens.length < 2 ? [] : members;
    }
    case 'gate':
      if (prev === T.Equals) return [...GATES.keys()].map((n) => callItem(lookupCallable(n, 'gate')!));
      return statement.tokens.length < 2 ? [] : members;
    case 'weighting':
      if (statement.tokens.length === 0) return [...WEIGHTINGS.keys()].map((n) => callItem(lookupCallable(n, 'weighting')!, false));
      return members;
    default:
      return members;
  }
}

/** The arguments of the call under the cursor: named ones not given yet, and values for the current one. */
function argumentItems(frame: ParenFrame, ctx: CursorContext, scope: Scope): lsp.CompletionItem[] {
  const prev = ctx.previous?.tokenType;
  if (prev === T.Arrow) return stages(scope, false);
  const params = paramsOf(frame.callee!, scope);
  if (params === undefined) return [];
  const self = ctx.statement?.tokens[0]?.image;
  if (frame.callee === 'concat' || frame.callee === 'add')
    return prev === T.LParen || prev === T.Comma ? sources(scope, false, self, false) : [];
  if (prev === T.Colon && frame.current !== undefined) {
    const param = params.find((p) => p.name === frame.current);
    return param ? valuesFor(param.type, scope, self) : [];
  }
  if (prev !== T.LParen && prev !== T.Comma) return [];
  const given = new Set([...params.slice(0, frame.positional).map((p) => p.name), ...frame.named]);
  const named = params
    .filter((p) => !given.has(p.name))
    .map(
      (p): lsp.CompletionItem => ({
        label: p.name,
        kind: lsp.CompletionItemKind.Property,
        detail: p.type ? describeType(p.type) : p.typeText,
        insertText: `${p.name}: `,
      }),
    );
  const positional = frame.named.length === 0 ? params[frame.argIndex] : undefined;
  return [...named, ...(positional ? valuesFor(positional.type, scope, self) : [])];
}

interface ParamLike {
  readonly name: string;
  readonly type: ArgType | undefined;
  readonly typeText?: string;
}

function paramsOf(callee: string, scope: Scope): ParamLike[] | undefined {
  const callable = lookupCallable(callee);
  if (callable !== undefined) return callable.sig.params.map((p) => ({ name: p.name, type: p.type }));
  const block = blocksInScope(scope).find((b) => b.decl.name.text === callee);
  if (block === undefined) return undefined;
  const types: Record<string, ArgType> = {
    int: { kind: 'int' },
    float: { kind: 'float' },
    bool: { kind: 'bool' },
    string: { kind: 'string' },
  };
  return block.decl.params.map((p) => ({ name: p.name.text, type: types[p.type.text], typeText: p.type.text }));
}

function valuesFor(type: ArgType | undefined, scope: Scope, self: string | undefined): lsp.CompletionItem[] {
  const params = (kinds: string[]) =>
    (scope.block?.params ?? [])
      .filter((p) => kinds.includes(p.type.text))
      .map(
        (p): lsp.CompletionItem => ({ label: p.name.text, kind: lsp.CompletionItemKind.Variable, detail: `(parameter) ${p.type.text}` }),
      );
  switch (type?.kind) {
    case 'enum':
      return type.values.map((v) => value(v));
    case 'bool':
      return [...['true', 'false'].map(keyword), ...params(['bool'])];
    case 'source':
      return sources(scope, false, self, false);
    case 'layers':
      return stages(scope, false);
    case 'int':
    case 'float':
      return params(['int', 'float']);
    case 'string':
      return params(['string']);
    default:
      return [];
  }
}

/** What a pipeline can start from: inputs and trunks (and gates, for a head), then concat/add. */
function sources(scope: Scope, forHead: boolean, self?: string, withMerges = true): lsp.CompletionItem[] {
  const items: lsp.CompletionItem[] = [];
  for (const m of scope.model?.members ?? []) {
    if (m.kind !== 'Input' && m.kind !== 'Trunk' && m.kind !== 'Gate') continue;
    if (m.name.text === '' || m.name.text === self || (m.kind === 'Gate' && !forHead)) continue;
    if (items.some((i) => i.label === m.name.text)) continue;
    const symbol = scope.analysis.result.semantic.symbols.find((s) => s.nameSpan.start === m.name.span.start);
    items.push({
      label: m.name.text,
      kind: m.kind === 'Gate' ? lsp.CompletionItemKind.Interface : lsp.CompletionItemKind.Variable,
      detail: `(${m.kind.toLowerCase()})${symbol?.shape ? ` ${formatShape(symbol.shape)}` : ''}`,
    });
  }
  if (withMerges) items.push(...[...MERGES.keys()].map((n) => callItem(lookupCallable(n, 'pipeline')!)));
  return items;
}

/** What a pipeline can apply: layers and blocks, and task layers at the end of a head. */
function stages(scope: Scope, forHead: boolean): lsp.CompletionItem[] {
  const items = [...LAYERS.keys()].map((n) => callItem(lookupCallable(n, 'pipeline')!));
  for (const block of blocksInScope(scope)) {
    if (
      block.decl.name.text === '' ||
      block.decl.name.text === scope.block?.name.text ||
      items.some((i) => i.label === block.decl.name.text)
    )
      continue;
    const hasParams = block.decl.params.length > 0;
    items.push({
      label: block.decl.name.text,
      kind: lsp.CompletionItemKind.Function,
      detail: `block ${blockSignatureLabel(block.decl, block.text)}`,
      insertText: hasParams ? `${block.decl.name.text}($1)` : `${block.decl.name.text}()`,
      insertTextFormat: hasParams ? lsp.InsertTextFormat.Snippet : lsp.InsertTextFormat.PlainText,
    });
  }
  if (forHead) items.push(...[...TASKS.keys()].map((n) => callItem(lookupCallable(n, 'pipeline')!)));
  return items;
}

function blocksInScope(scope: Scope): { decl: BlockDecl; text: string }[] {
  const { result } = scope.analysis;
  const found = result.ast.blocks.map((decl) => ({ decl, text: result.text }));
  for (const file of result.imports) {
    const parsed = scope.workspace.parsedFile(file);
    if (parsed !== undefined) found.push(...parsed.ast.blocks.map((decl) => ({ decl, text: parsed.text })));
  }
  return found;
}

function headNames(scope: Scope): lsp.CompletionItem[] {
  const items: lsp.CompletionItem[] = [];
  for (const m of scope.model?.members ?? []) {
    if (m.kind !== 'Head' || m.name.text === '' || items.some((i) => i.label === m.name.text)) continue;
    items.push({ label: m.name.text, kind: lsp.CompletionItemKind.Field, detail: '(head)', insertText: `${m.name.text}: ` });
  }
  return items;
}

function optionKeys(known: readonly string[], given: readonly string[]): lsp.CompletionItem[] {
  return known.filter((k) => !given.includes(k)).map((k) => ({ label: k, kind: lsp.CompletionItemKind.Property, insertText: `${k}: ` }));
}

function keyword(word: string): lsp.CompletionItem {
  return { label: word, kind: lsp.CompletionItemKind.Keyword };
}

function value(word: string): lsp.CompletionItem {
  return { label: word, kind: lsp.CompletionItemKind.EnumMember };
}

/** A callable; with `parens`, inserted as a snippet with the cursor between them. */
function callItem(callable: Callable, parens = true): lsp.CompletionItem {
  const name = callable.sig.name;
  const takesArgs = callable.sig.params.length > 0 || callable.kind === 'merge';
  const item: lsp.CompletionItem = {
    label: name,
    kind: lsp.CompletionItemKind.Function,
    detail: signatureLabel(callable),
    documentation: { kind: 'markdown', value: callableMarkdown(callable) },
  };
  if (parens) {
    item.insertText = takesArgs ? `${name}($1)` : `${name}()`;
    item.insertTextFormat = takesArgs ? lsp.InsertTextFormat.Snippet : lsp.InsertTextFormat.PlainText;
  }
  return item;
}
