/**
 * CST → AST. The CST is Chevrotain's, shaped by grammar/parser.ts; the AST is compiler/ast.ts.
 *
 * The CST may be partial where the parser recovered from an error: any child can be missing, and
 * tokens inserted by recovery are empty. A missing required name becomes a `Name` with text '' and
 * an empty span where it was expected; a missing optional part is `undefined`. Spans are exclusive
 * at the end and never NaN. A keyword used as a name is reported here (MTL0011): the parser accepts
 * it so that one misused word does not derail the rest of the file.
 */
import type { CstNode, IToken } from '#chevrotain';
import type {
  Arg,
  BlockDecl,
  Call,
  Columns,
  Comment,
  Expr,
  ImportDecl,
  InputDecl,
  Member,
  ModelDecl,
  MtlFile,
  Name,
  NumberLit,
  OptionEntry,
  Param,
  Pipeline,
  StringLit,
  TensorType,
} from './ast.js';
import { type Diagnostic, Diagnostics, diagnostic } from './diagnostics.js';
import { cover, type Span, span } from './span.js';
import { endOf, Identifier, NumberLiteral, StringLiteral } from '../grammar/tokens.js';
import type { MtlToken } from '../grammar/lexer.js';

export function buildAst(cst: CstNode, comments: readonly IToken[], text: string): { ast: MtlFile; diagnostics: Diagnostic[] } {
  const builder = new AstBuilder();
  const ast = builder.file(cst, comments, text);
  return { ast, diagnostics: builder.diagnostics };
}

// ── CST access ────────────────────────────────────────────────────────────────────────────────

function nodes(node: CstNode | undefined, key: string): CstNode[] {
  return (node?.children[key] as CstNode[] | undefined) ?? [];
}

function child(node: CstNode | undefined, key: string): CstNode | undefined {
  return (node?.children[key] as CstNode[] | undefined)?.[0];
}

/** The tokens under `key`, without those inserted by recovery (which carry no text). */
function tokens(node: CstNode | undefined, key: string): IToken[] {
  const all = node?.children[key] as IToken[] | undefined;
  if (all === undefined) return [];
  return all.every(isReal) ? all : all.filter(isReal);
}

/** The first token under `key`, inserted by recovery or not. */
function anyToken(node: CstNode | undefined, key: string): IToken | undefined {
  return (node?.children[key] as IToken[] | undefined)?.[0];
}

/** The first real token under `key`. */
function token(node: CstNode | undefined, key: string): IToken | undefined {
  const first = anyToken(node, key);
  return first === undefined || isReal(first) ? first : undefined;
}

function isReal(token: IToken): boolean {
  return token.isInsertedInRecovery !== true && !Number.isNaN(token.startOffset);
}

function tokenSpan(token: IToken): Span {
  return span(token.startOffset, endOf(token));
}

/** The last token under `key`, real or inserted by recovery (inserted ones sit where they were due). */
function lastToken(node: CstNode | undefined, key: string): IToken | undefined {
  const all = node?.children[key] as IToken[] | undefined;
  return all?.[all.length - 1];
}

/**
 * The span from `first` to the furthest of `parts`, a node's possible last tokens and parts. (The
 * parser tracks no node locations: they cost a third of its time.)
 */
function extent(first: Span, ...parts: (Span | IToken | undefined)[]): Span {
  let end = first.end;
  for (const part of parts) {
    if (part === undefined) continue;
    const partEnd = 'end' in part ? part.end : endOf(part);
    if (partEnd > end) end = partEnd;
  }
  return span(first.start, end);
}

function lastSpan(items: readonly { span: Span }[]): Span | undefined {
  return items[items.length - 1]?.span;
}

/** An empty span just after `token` or `at`: where something missing was expected. */
function after(at: IToken | Span): Span {
  const end = 'end' in at ? at.end : endOf(at);
  return span(end, end);
}

function missingName(at: IToken | Span): Name {
  return { kind: 'Name', text: '', span: after(at) };
}

// ── Literals ──────────────────────────────────────────────────────────────────────────────────

function numberLit(token: IToken | undefined): NumberLit | undefined {
  if (token === undefined) return undefined;
  const raw = token.image;
  return { kind: 'Number', value: Number(raw), raw, isInteger: /^\d+$/.test(raw), span: tokenSpan(token) };
}

/** `\"` and `\\` are the escapes (§2); any other backslash is kept as written (`"C:\data"`). */
function stringLit(token: IToken | undefined): StringLit | undefined {
  if (token === undefined) return undefined;
  const raw = token.image;
  const closed = (token as MtlToken).unterminated !== true;
  const body = raw.slice(1, closed ? -1 : undefined);
  const value = body.includes('\\') ? body.replace(/\\(["\\])/g, '$1') : body;
  return { kind: 'String', value, raw, span: tokenSpan(token) };
}

function stringList(node: CstNode | undefined): StringLit[] {
  return tokens(node, 'StringLiteral').map((t) => stringLit(t)!);
}

/** Binding strength of the binary operators: `*` and `/` before `+` and `-`, all left-associative. */
const precedence: Record<string, number> = { '+': 1, '-': 1, '*': 2, '/': 2 };

/** The CST keys of the members, and of the keyword each starts with. */
const memberKeywords: Record<string, string> = {
  inputDecl: 'Input',
  trunkDecl: 'Trunk',
  gateDecl: 'Gate',
  headDecl: 'Head',
  weightsDecl: 'Weights',
  weightingDecl: 'Weighting',
  trainDecl: 'Train',
  dataDecl: 'Data',
};

function keywordOf(kind: string, decl: CstNode): IToken {
  return anyToken(decl, memberKeywords[kind]!)!;
}

// ── The builder ──────────────────────────────────────────────────────────────────────────────

class AstBuilder {
  readonly diagnostics: Diagnostic[] = [];

  file(cst: CstNode, comments: readonly IToken[], text: string): MtlFile {
    return {
      kind: 'File',
      imports: nodes(cst, 'importDecl').map((n) => this.importDecl(n)),
      blocks: nodes(cst, 'blockDecl').map((n) => this.blockDecl(n)),
      models: nodes(cst, 'modelDecl').map((n) => this.modelDecl(n)),
      comments: comments.map((c): Comment => ({ kind: 'Comment', text: c.image, span: tokenSpan(c) })),
      span: span(0, text.length),
    };
  }

  // import = "import" STRING
  private importDecl(node: CstNode): ImportDecl {
    const keyword = anyToken(node, 'Import')!;
    const path = stringLit(token(node, 'StringLiteral'));
    return { kind: 'Import', path, span: extent(tokenSpan(keyword), path?.span) };
  }

  // block = "block" ID [ "(" params ")" ] "=" pipeline
  private blockDecl(node: CstNode): BlockDecl {
    const keyword = anyToken(node, 'Block')!;
    const name = this.declName(node, keyword);
    const params: Param[] = [];
    let previous: Span = lastToken(node, 'LParen') !== undefined ? tokenSpan(lastToken(node, 'LParen')!) : name.span;
    for (const n of nodes(node, 'param')) {
      const param = this.param(n, previous);
      params.push(param);
      previous = param.span;
    }
    const body = this.pipeline(child(node, 'pipeline'));
    const here = extent(
      tokenSpan(keyword),
      name.span,
      lastToken(node, 'LParen'),
      lastSpan(params),
      lastToken(node, 'Comma'),
      lastToken(node, 'RParen'),
      lastToken(node, 'Equals'),
      body?.span,
    );
    return { kind: 'Block', name, params, body, span: here };
  }

  // param = ID ":" type [ "=" expr ]
  private param(node: CstNode, previous: Span): Param {
    const colon = token(node, 'Colon');
    // A missing name was due just before its ":", or else after what precedes the parameter.
    const name = this.declName(node, colon !== undefined ? span(colon.startOffset, colon.startOffset) : previous);
    const typeToken = token(node, 'type');
    const type = typeToken !== undefined ? this.name(typeToken) : missingName(colon ?? name.span);
    const value = this.expr(child(node, 'expr'));
    const here = extent(name.span, lastToken(node, 'Colon'), type.span, lastToken(node, 'Equals'), value?.span);
    return { kind: 'Param', name, type, default: value, span: here };
  }

  // model = "model" ID "{" { member } "}"
  private modelDecl(node: CstNode): ModelDecl {
    const keyword = anyToken(node, 'Model')!;
    const name = this.declName(node, keyword);
    // The CST groups members by kind; the AST keeps them in source order.
    const decls: [string, CstNode][] = [];
    for (const kind in memberKeywords) for (const decl of nodes(node, kind)) decls.push([kind, decl]);
    decls.sort((a, b) => keywordOf(a[0], a[1]).startOffset - keywordOf(b[0], b[1]).startOffset);
    const members = decls.map(([kind, decl]) => this.member(kind, decl));
    const here = extent(tokenSpan(keyword), name.span, lastToken(node, 'LCurly'), lastSpan(members), lastToken(node, 'RCurly'));
    return { kind: 'Model', name, members, span: here };
  }

  private member(kind: string, decl: CstNode): Member {
    const keyword = keywordOf(kind, decl);
    const start = tokenSpan(keyword);
    switch (kind) {
      case 'inputDecl':
        return this.inputDecl(decl, keyword);
      case 'trunkDecl': {
        const name = this.declName(decl, keyword);
        const pipeline = this.pipeline(child(decl, 'pipeline'));
        return { kind: 'Trunk', name, pipeline, span: extent(start, name.span, lastToken(decl, 'Equals'), pipeline?.span) };
      }
      case 'gateDecl': {
        const name = this.declName(decl, keyword);
        const call = this.call(child(decl, 'call'));
        return { kind: 'Gate', name, call, span: extent(start, name.span, lastToken(decl, 'Equals'), call?.span) };
      }
      case 'headDecl': {
        const name = this.declName(decl, keyword);
        const pipeline = this.pipeline(child(decl, 'pipeline'));
        const block = this.optionBlock(child(decl, 'optionBlock'));
        const here = extent(start, name.span, lastToken(decl, 'Equals'), pipeline?.span, block.span);
        return { kind: 'Head', name, pipeline, options: block.options, span: here };
      }
      case 'weightingDecl': {
        const call = this.call(child(decl, 'call'));
        return { kind: 'Weighting', call, span: extent(start, call?.span) };
      }
    }
    const block = this.optionBlock(child(decl, 'optionBlock'));
    const here = extent(start, block.span);
    if (kind === 'weightsDecl') return { kind: 'Weights', entries: block.options, span: here };
    if (kind === 'trainDecl') return { kind: 'Train', options: block.options, span: here };
    return { kind: 'Data', options: block.options, span: here };
  }

  // input = "input" ID ":" tensorType { inputOption }
  private inputDecl(node: CstNode, keyword: IToken): InputDecl {
    const normalizeToken = token(node, 'normalize');
    const normalize = normalizeToken === undefined ? undefined : tokenSpan(normalizeToken);
    const name = this.declName(node, keyword);
    const type = this.tensorType(child(node, 'tensorType'));
    const from = this.columns(child(node, 'columns'));
    const here = extent(
      tokenSpan(keyword),
      name.span,
      lastToken(node, 'Colon'),
      type?.span,
      normalize,
      lastToken(node, 'from'),
      from?.span,
    );
    return { kind: 'Input', name, type, normalize, from, span: here };
  }

  // tensorType = ("float" | "int") [ "[" dims "]" ] [ "vocab" INT ]
  //            | "category" "(" INT ")" | "category" "[" STRING { "," STRING } "]"
  private tensorType(node: CstNode | undefined): TensorType | undefined {
    const dtype = token(node, 'dtype');
    if (node !== undefined && dtype !== undefined) {
      return {
        kind: 'NumericType',
        dtype: dtype.image === 'int' ? 'int' : 'float',
        dims: token(node, 'dimsOpen') !== undefined ? tokens(node, 'dim').map((t) => numberLit(t)!) : undefined,
        vocab: numberLit(token(node, 'vocab')),
        span: extent(
          tokenSpan(dtype),
          lastToken(node, 'dim'),
          lastToken(node, 'RBracket'),
          lastToken(node, 'vocabWord'),
          lastToken(node, 'vocab'),
        ),
      };
    }
    const category = token(node, 'category');
    if (node !== undefined && category !== undefined) {
      const names = token(node, 'namesOpen') !== undefined ? stringList(child(node, 'stringList')) : undefined;
      return {
        kind: 'CategoryType',
        count: numberLit(token(node, 'count')),
        names,
        span: extent(
          tokenSpan(category),
          lastToken(node, 'LParen'),
          lastToken(node, 'count'),
          lastToken(node, 'RParen'),
          lastToken(node, 'namesOpen'),
          lastSpan(names ?? []),
          lastToken(node, 'RBracket'),
        ),
      };
    }
    return undefined;
  }

  // columns = STRING ".." STRING | "[" STRING { "," STRING } "]"
  private columns(node: CstNode | undefined): Columns | undefined {
    const open = token(node, 'LBracket');
    if (node !== undefined && open !== undefined) {
      const names = stringList(child(node, 'stringList'));
      return { kind: 'ColumnList', names, span: extent(tokenSpan(open), lastSpan(names), lastToken(node, 'RBracket')) };
    }
    const first = stringLit(token(node, 'first'));
    const last = stringLit(token(node, 'last'));
    if (first === undefined || last === undefined) return undefined;
    return { kind: 'ColumnRange', first, last, span: cover(first.span, last.span) };
  }

  // "{" { option } "}"
  private optionBlock(node: CstNode | undefined): { options: OptionEntry[]; span: Span | undefined } {
    const open = anyToken(node, 'LCurly');
    if (node === undefined || open === undefined) return { options: [], span: undefined };
    const options = nodes(node, 'optionEntry').map((n) => this.optionEntry(n));
    return { options, span: extent(tokenSpan(open), lastSpan(options), lastToken(node, 'RCurly')) };
  }

  // option = ID ":" expr [","]
  private optionEntry(node: CstNode): OptionEntry {
    const name = this.name(anyToken(node, 'key')!);
    const value = this.expr(child(node, 'expr'));
    const here = extent(name.span, lastToken(node, 'Colon'), value?.span, lastToken(node, 'Comma'));
    return { kind: 'Option', name, value, span: here };
  }

  // pipeline = source { "->" call }   (and chain = call { "->" call }); the first call is inline
  private pipeline(node: CstNode | undefined): Pipeline | undefined {
    if (node === undefined) return undefined;
    const steps: Call[] = [];
    const source = this.call(node);
    if (source !== undefined) steps.push(source);
    for (const n of nodes(node, 'call')) {
      const step = this.call(n);
      if (step !== undefined) steps.push(step);
    }
    const first = steps[0];
    if (first === undefined) return undefined;
    return { kind: 'Pipeline', steps, span: extent(first.span, lastSpan(steps), lastToken(node, 'Arrow')) };
  }

  // call = ID [ "(" [ args ] ")" ]
  private call(node: CstNode | undefined): Call | undefined {
    const callee = anyToken(node, 'callee');
    if (node === undefined || callee === undefined) return undefined;
    const name = callee.tokenType === Identifier || !isReal(callee) ? this.name(callee) : this.reservedName(callee);
    const open = anyToken(node, 'LParen');
    const args = open === undefined ? undefined : nodes(node, 'arg').map((n) => this.arg(n, open));
    if (open === undefined) return { kind: 'Call', callee: name, args, span: name.span };
    const close = lastToken(node, 'RParen');
    const end = close ?? extent(tokenSpan(open), lastToken(node, 'Comma'), lastSpan(args ?? []));
    return { kind: 'Call', callee: name, args, span: extent(name.span, end) };
  }

  // arg = [ ID ":" ] expr
  private arg(node: CstNode, open: IToken): Arg {
    const keyToken = anyToken(node, 'key');
    const name = keyToken === undefined ? undefined : this.name(keyToken);
    const value = this.expr(child(node, 'expr'));
    const start = name?.span ?? value?.span ?? after(open);
    return { kind: 'Arg', name, value, span: extent(start, lastToken(node, 'Colon'), value?.span) };
  }

  /**
   * expr = term { ("+" | "-") term }, term = factor { ("*" | "/") factor }: the CST holds the
   * first factor inline, then operators and factors flat; precedence climbing builds the tree,
   * with a stack, not recursion.
   */
  private expr(node: CstNode | undefined): Expr | undefined {
    if (node === undefined) return undefined;
    const first = this.factor(node);
    const operators = tokens(node, 'operator');
    if (operators.length === 0) return first;
    const factors = nodes(node, 'factor');
    const operands: (Expr | undefined)[] = [first];
    const pending: IToken[] = [];
    const reduce = (): void => {
      const op = pending.pop()!;
      const right = operands.pop();
      const left = operands.pop();
      // A left operand lost to a syntax error takes its operator with it.
      if (left === undefined) {
        operands.push(right);
        return;
      }
      const end = right?.span ?? tokenSpan(op);
      operands.push({ kind: 'Binary', op: op.image as '+' | '-' | '*' | '/', left, right, span: cover(left.span, end) });
    };
    for (let i = 0; i < operators.length; i++) {
      const op = operators[i]!;
      while (pending.length > 0 && precedence[pending[pending.length - 1]!.image]! >= precedence[op.image]!) reduce();
      pending.push(op);
      const next = factors[i];
      operands.push(next === undefined ? undefined : this.factor(next));
    }
    while (pending.length > 0) reduce();
    return operands[0];
  }

  // factor = { "-" } ( NUMBER | STRING | "true" | "false" | list | chain | "(" expr ")" )
  private factor(node: CstNode): Expr | undefined {
    let value = this.atom(node);
    const minuses = node.children['Minus'] as IToken[] | undefined;
    if (minuses === undefined) return value;
    for (let i = minuses.length - 1; i >= 0; i--) {
      const sign = tokenSpan(minuses[i]!);
      value = { kind: 'Negate', operand: value, span: cover(sign, value?.span ?? sign) };
    }
    return value;
  }

  private atom(node: CstNode): Expr | undefined {
    const literal = token(node, 'literal');
    if (literal !== undefined) {
      switch (literal.tokenType) {
        case NumberLiteral:
          return numberLit(literal);
        case StringLiteral:
          return stringLit(literal);
        default:
          return { kind: 'Bool', value: literal.image === 'true', span: tokenSpan(literal) };
      }
    }
    const pipeline = child(node, 'pipeline');
    if (pipeline !== undefined) return this.pipeline(pipeline);
    const list = child(node, 'list');
    if (list !== undefined) {
      const items: Expr[] = [];
      for (const n of nodes(list, 'expr')) {
        const item = this.expr(n);
        if (item !== undefined) items.push(item);
      }
      const open = tokenSpan(anyToken(list, 'LBracket')!);
      const close = lastToken(list, 'RBracket');
      const here = close !== undefined ? extent(open, close) : extent(open, lastToken(list, 'Comma'), lastSpan(items));
      return { kind: 'List', items, span: here };
    }
    const open = token(node, 'open');
    if (open !== undefined) {
      const inner = this.expr(child(node, 'expr'));
      return { kind: 'Paren', inner, span: extent(tokenSpan(open), inner?.span, lastToken(node, 'close')) };
    }
    return undefined;
  }

  // ── Names ──

  /** The declared name of `node`; missing (text '') just after `previous` when the parser found none. */
  private declName(node: CstNode, previous: IToken | Span): Name {
    const name = anyToken(child(node, 'declName'), 'name');
    if (name === undefined) return missingName(previous);
    return name.tokenType === Identifier || !isReal(name) ? this.name(name) : this.reservedName(name);
  }

  /** Recovery inserts an empty token right after the previous one: exactly where the name was expected. */
  private name(token: IToken): Name {
    return { kind: 'Name', text: token.image, span: tokenSpan(token) };
  }

  private reservedName(token: IToken): Name {
    const name = this.name(token);
    this.diagnostics.push(diagnostic(Diagnostics.reservedWord, name.span, [token.image]));
    return name;
  }
}
