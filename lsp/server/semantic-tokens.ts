/**
 * Semantic tokens: the lexer's tokens, with each identifier classified by what it names — a declared
 * model, block, member or parameter, a reference, a layer or method of the language, an option key,
 * a named argument, an enumerated value such as `relu` — from the checker's facts and the syntax tree.
 */
import { tokenMatcher } from '#chevrotain';
import type * as lsp from 'vscode-languageserver/node';
import { ACTIVATIONS, METRICS, paramReferences, walk, type LineIndex, type Node } from '../../compiler/index.js';
import { lex } from '../../grammar/lexer.js';
import * as T from '../../grammar/tokens.js';
import { endOf } from '../../grammar/tokens.js';
import { lookupCallable } from './library.js';
import type { Analysis } from './workspace.js';

const TOKEN_TYPES = [
  'keyword',
  'type',
  'function',
  'class',
  'variable',
  'parameter',
  'property',
  'enumMember',
  'number',
  'string',
  'comment',
  'operator',
] as const;
const TOKEN_MODIFIERS = ['declaration', 'defaultLibrary'] as const;
export const LEGEND: lsp.SemanticTokensLegend = { tokenTypes: [...TOKEN_TYPES], tokenModifiers: [...TOKEN_MODIFIERS] };

type TokenType = (typeof TOKEN_TYPES)[number];
type Modifier = (typeof TOKEN_MODIFIERS)[number];

interface Classified {
  readonly type: TokenType;
  readonly modifiers?: readonly Modifier[];
}

const ENUM_WORDS = new Set<string>([...ACTIVATIONS, ...METRICS, 'same', 'valid']);
const INPUT_WORDS = new Set(['vocab', 'normalize', 'from']);
const TYPE_WORDS = new Set(['float', 'int', 'category', 'bool', 'string']);

/** How each identifier is shown, by its start offset. */
function classifyNames(analysis: Analysis): Map<number, Classified> {
  const { ast, semantic } = analysis.result;
  const classes = new Map<number, Classified>();
  const set = (start: number, c: Classified) => classes.set(start, c);
  const references = new Set(semantic.references.map((r) => r.span.start));
  const calls = new Map(semantic.calls.map((c) => [c.span.start, c]));
  const localBlocks = new Set(ast.blocks.map((b) => b.name.text));
  const importedBlocks = new Set(semantic.calls.filter((c) => c.kind === 'block').map((c) => c.name));
  for (const block of ast.blocks) {
    for (const names of paramReferences(block).values()) for (const n of names) set(n.span.start, { type: 'parameter' });
  }
  walk(ast, (node: Node, parent) => {
    switch (node.kind) {
      case 'Block':
        set(node.name.span.start, { type: 'function', modifiers: ['declaration'] });
        break;
      case 'Param':
        set(node.name.span.start, { type: 'parameter', modifiers: ['declaration'] });
        set(node.type.span.start, { type: 'type' });
        break;
      case 'Model':
        set(node.name.span.start, { type: 'class', modifiers: ['declaration'] });
        break;
      case 'Input':
      case 'Trunk':
      case 'Gate':
      case 'Head':
        set(node.name.span.start, { type: 'variable', modifiers: ['declaration'] });
        break;
      case 'NumericType':
      case 'CategoryType':
        set(node.span.start, { type: 'type' });
        break;
      case 'Option':
        if (parent?.kind === 'Weights') break;
        set(node.name.span.start, { type: 'property' });
        break;
      case 'Arg':
        if (node.name !== undefined) set(node.name.span.start, { type: 'parameter' });
        break;
      case 'Call': {
        const start = node.callee.span.start;
        if (classes.has(start)) break;
        const name = node.callee.text;
        const call = calls.get(start);
        if (references.has(start)) set(start, { type: 'variable' });
        else if (
          call?.kind === 'block' ||
          (call === undefined && node.args !== undefined && (localBlocks.has(name) || importedBlocks.has(name)))
        )
          set(start, { type: 'function' });
        else if (call !== undefined || (node.args !== undefined && lookupCallable(name) !== undefined))
          set(start, { type: 'function', modifiers: ['defaultLibrary'] });
        else if (node.args === undefined && ENUM_WORDS.has(name)) set(start, { type: 'enumMember', modifiers: ['defaultLibrary'] });
        else if (node.args === undefined && lookupCallable(name) !== undefined)
          set(start, { type: 'function', modifiers: ['defaultLibrary'] });
        else set(start, { type: 'variable' });
        break;
      }
      default:
        break;
    }
  });
  for (const r of semantic.references) set(r.span.start, { type: 'variable' });
  return classes;
}

export function semanticTokens(analysis: Analysis): lsp.SemanticTokens {
  const { text, lines, ast } = analysis.result;
  const names = classifyNames(analysis);
  const inputSpans = ast.models.flatMap((m) => m.members.filter((x) => x.kind === 'Input').map((x) => x.span));
  const inInput = (offset: number) => inputSpans.some((s) => s.start <= offset && offset < s.end);
  const lexed = lex(text);
  const found: { start: number; end: number; c: Classified }[] = [];
  for (const token of lexed.tokens) {
    const start = token.startOffset;
    const end = endOf(token);
    let c: Classified | undefined;
    if (tokenMatcher(token, T.Keyword)) c = { type: 'keyword' };
    else if (token.tokenType === T.Identifier) {
      c = names.get(start);
      if (c === undefined && inInput(start) && INPUT_WORDS.has(token.image)) c = { type: 'keyword' };
      if (c === undefined && inInput(start) && TYPE_WORDS.has(token.image)) c = { type: 'type' };
    } else if (token.tokenType === T.NumberLiteral) c = { type: 'number' };
    else if (token.tokenType === T.StringLiteral) c = { type: 'string' };
    else if ([T.Arrow, T.Plus, T.Minus, T.Star, T.Slash].includes(token.tokenType)) c = { type: 'operator' };
    if (c !== undefined) found.push({ start, end, c });
  }
  for (const comment of lexed.comments) found.push({ start: comment.startOffset, end: endOf(comment), c: { type: 'comment' } });
  found.sort((a, b) => a.start - b.start);
  return { data: encode(found, lines) };
}

/** LSP's relative encoding; a token over several lines (a block comment) is sent line by line. */
function encode(tokens: readonly { start: number; end: number; c: Classified }[], lines: LineIndex): number[] {
  const data: number[] = [];
  let lastLine = 0;
  let lastChar = 0;
  const push = (line: number, char: number, length: number, c: Classified) => {
    if (length <= 0) return;
    data.push(
      line - lastLine,
      line === lastLine ? char - lastChar : char,
      length,
      TOKEN_TYPES.indexOf(c.type),
      (c.modifiers ?? []).reduce((bits, m) => bits | (1 << TOKEN_MODIFIERS.indexOf(m)), 0),
    );
    lastLine = line;
    lastChar = char;
  };
  for (const token of tokens) {
    const from = lines.position(token.start);
    const to = lines.position(token.end);
    if (from.line === to.line) {
      push(from.line, from.character, to.character - from.character, token.c);
      continue;
    }
    for (let line = from.line; line <= to.line; line++) {
      const start = line === from.line ? from.character : 0;
      const end = line === to.line ? to.character : lines.lineText(line).length;
      push(line, start, end - start, token.c);
    }
  }
  return data;
}
