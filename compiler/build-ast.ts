/**
 * CST → AST. The CST is Chevrotain's, shaped by grammar/parser.ts; the AST is compiler/ast.ts.
 *
 * The CST may be partial where the parser recovered from an error: any child can be missing, and
 * tokens inserted by recovery are empty. A missing required name becomes a `Name` with text '' and
 * an empty span where it was expected; a missing optional part is `undefined`. Spans are exclusive
 * at the end and never NaN. A keyword used as a name is reported here (MTL0011): the parser accepts
 * it so that one misused word does not derail the rest of the file.
 */
import type { CstNode, IToken } from 'chevrotain';
import type {
  Arg,
  BlockDecl,
  Call,
  CategoryType,
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
  NumericType,
  OptionEntry,
  Param,
  Pipeline,
  StringLit,
  TensorType,
} from './ast.js';
import { type Diagnostic, Diagnostics, diagnostic } from './diagnostics.js';
import { cover, type Span, span } from './span.js';
import { endOf } from '../grammar/tokens.js';
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
  return nodes(node, key)[0];
}

/** The tokens under `key`, without those inserted by recovery. */
function tokens(node: CstNode | undefined, key: string): IToken[] {
  const all = (node?.children[key] as IToken[] | undefined) ?? [];
  return all.filter(isReal);
}

function token(node: CstNode | undefined, key: string): IToken | undefined {
  return tokens(node, key)[0];
}

function isReal(token: IToken): boolean {
  return token.isInsertedInRecovery !== true && !Number.isNaN(token.startOffset);
}

function tokenSpan(token: IToken): Span {
  return span(token.startOffset, endOf(token));
}

/** The node's extent from its tokens; `fallback` when it holds none (a rule that failed at once). */
function nodeSpan(node: CstNode | undefined, fallback: Span): Span {
  const location = node?.location;
  if (location === undefined || Number.isNaN(location.startOffset) || Number.isNaN(location.endOffset ?? NaN)) {
    return fallback;
  }
  const start = location.startOffset;
  return span(start, Math.max(start, location.endOffset! + 1));
}

/** An empty span just after `token`: where something missing was expected. */
function after(token: IToken | Span | undefined): Span {
  if (token === undefined) return span(0, 0);
  const end = 'end' in token ? token.end : endOf(token);
  return span(end, end);
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
  const value = body.replace(/\\(["\\])/g, '$1');
  return { kind: 'String', value, raw, span: tokenSpan(token) };
}

function stringList(node: CstNode | undefined): StringLit[] {
  return tokens(node, 'StringLiteral').map((t) => stringLit(t)!);
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
    const keyword = token(node, 'Import')!;
    return { kind: 'Import', path: stringLit(token(node, 'StringLiteral')), span: nodeSpan(node, tokenSpan(keyword)) };
  }

  // block = "block" ID [ "(" params ")" ] "=" pipeline
  private blockDecl(node: CstNode): BlockDecl {
    const keyword = token(node, 'Block')!;
    const name = this.declName(child(node, 'declName'), keyword);
    const params = nodes(child(node, 'params'), 'param').map((n) => this.param(n, name.span));
    const body = this.pipeline(child(node, 'pipeline'));
    return { kind: 'Block', name, params, body, span: nodeSpan(node, tokenSpan(keyword)) };
  }

  // param = ID ":" type [ "=" expr ]
  private param(node: CstNode, fallback: Span): Param {
    const here = nodeSpan(node, after(fallback));
    const name = this.declName(child(node, 'declName'), here);
    const typeToken = token(node, 'type');
    const colon = token(node, 'Colon');
    const type = typeToken !== undefined ? this.name(typeToken) : missingName(colon ?? name.span);
    return { kind: 'Param', name, type, default: this.expr(child(node, 'expr')), span: here };
  }

  // model = "model" ID "{" { member } "}"
  private modelDecl(node: CstNode): ModelDecl {
    const keyword = token(node, 'Model')!;
    const name = this.declName(child(node, 'declName'), keyword);
    const members = nodes(node, 'member').flatMap((n) => this.member(n) ?? []);
    return { kind: 'Model', name, members, span: nodeSpan(node, tokenSpan(keyword)) };
  }

  private member(node: CstNode): Member | undefined {
    const [key, inner] = Object.entries(node.children)[0] ?? [];
    const decl = (inner as CstNode[] | undefined)?.[0];
    if (decl === undefined) return undefined;
    const keywordToken = Object.values(decl.children).flat().find((t): t is IToken => 'tokenType' in t)!;
    const here = nodeSpan(decl, tokenSpan(keywordToken));
    switch (key) {
      case 'inputDecl':
        return this.inputDecl(decl, keywordToken, here);
      case 'trunkDecl':
        return {
          kind: 'Trunk',
          name: this.declName(child(decl, 'declName'), keywordToken),
          pipeline: this.pipeline(child(decl, 'pipeline')),
          span: here,
        };
      case 'gateDecl':
        return {
          kind: 'Gate',
          name: this.declName(child(decl, 'declName'), keywordToken),
          call: this.call(child(decl, 'call')),
          span: here,
        };
      case 'headDecl':
        return {
          kind: 'Head',
          name: this.declName(child(decl, 'declName'), keywordToken),
          pipeline: this.pipeline(child(decl, 'pipeline')),
          options: this.options(child(decl, 'optionBlock')),
          span: here,
        };
      case 'weightsDecl':
        return { kind: 'Weights', entries: this.options(child(decl, 'optionBlock')), span: here };
      case 'weightingDecl':
        return { kind: 'Weighting', call: this.call(child(decl, 'call')), span: here };
      case 'trainDecl':
        return { kind: 'Train', options: this.options(child(decl, 'optionBlock')), span: here };
      case 'dataDecl':
        return { kind: 'Data', options: this.options(child(decl, 'optionBlock')), span: here };
      default:
        return undefined;
    }
  }

  // input = "input" ID ":" tensorType { inputOption }
  private inputDecl(node: CstNode, keyword: IToken, here: Span): InputDecl {
    const options = nodes(node, 'inputOption');
    const normalize = options.map((o) => token(o, 'normalize')).find((t) => t !== undefined);
    const from = options.find((o) => token(o, 'from') !== undefined);
    return {
      kind: 'Input',
      name: this.declName(child(node, 'declName'), keyword),
      type: this.tensorType(child(node, 'tensorType')),
      normalize: normalize === undefined ? undefined : tokenSpan(normalize),
      from: this.columns(child(from, 'columns')),
      span: here,
    };
  }

  private tensorType(node: CstNode | undefined): TensorType | undefined {
    const numeric = child(node, 'numericType');
    if (numeric !== undefined) return this.numericType(numeric);
    const category = child(node, 'categoryType');
    if (category !== undefined) return this.categoryType(category);
    return undefined;
  }

  // ("float" | "int") [ "[" dims "]" ] [ "vocab" INT ]
  private numericType(node: CstNode): NumericType | undefined {
    const dtype = token(node, 'dtype');
    if (dtype === undefined) return undefined;
    const bracketed = token(node, 'LBracket') !== undefined;
    return {
      kind: 'NumericType',
      dtype: dtype.image === 'int' ? 'int' : 'float',
      dims: bracketed ? tokens(node, 'dim').map((t) => numberLit(t)!) : undefined,
      vocab: numberLit(token(node, 'vocab')),
      span: nodeSpan(node, tokenSpan(dtype)),
    };
  }

  // "category" "(" INT ")" | "category" "[" STRING { "," STRING } "]"
  private categoryType(node: CstNode): CategoryType | undefined {
    const word = token(node, 'category');
    if (word === undefined) return undefined;
    const listed = token(node, 'LBracket') !== undefined;
    return {
      kind: 'CategoryType',
      count: numberLit(token(node, 'count')),
      names: listed ? stringList(child(node, 'stringList')) : undefined,
      span: nodeSpan(node, tokenSpan(word)),
    };
  }

  // columns = STRING ".." STRING | "[" STRING { "," STRING } "]"
  private columns(node: CstNode | undefined): Columns | undefined {
    if (node === undefined) return undefined;
    const here = nodeSpan(node, span(0, 0));
    if (token(node, 'LBracket') !== undefined) {
      return { kind: 'ColumnList', names: stringList(child(node, 'stringList')), span: here };
    }
    const first = stringLit(token(node, 'first'));
    const last = stringLit(token(node, 'last'));
    if (first === undefined || last === undefined) return undefined;
    return { kind: 'ColumnRange', first, last, span: here };
  }

  // "{" { option } "}"
  private options(node: CstNode | undefined): OptionEntry[] {
    return nodes(node, 'optionEntry').map((n) => this.optionEntry(n));
  }

  // option = ID ":" expr [","]
  private optionEntry(node: CstNode): OptionEntry {
    const keyToken = token(child(node, 'key'), 'Identifier') ?? token(child(node, 'key'), 'Keyword');
    const here = nodeSpan(node, keyToken === undefined ? span(0, 0) : tokenSpan(keyToken));
    const name = keyToken === undefined ? missingName(span(here.start, here.start)) : this.name(keyToken);
    return { kind: 'Option', name, value: this.expr(child(node, 'expr')), span: here };
  }

  // pipeline = source { "->" call }   (and chain = call { "->" call })
  private pipeline(node: CstNode | undefined): Pipeline | undefined {
    if (node === undefined) return undefined;
    const steps = nodes(node, 'call').flatMap((n) => this.call(n) ?? []);
    const first = steps[0];
    if (first === undefined) return undefined;
    return { kind: 'Pipeline', steps, span: nodeSpan(node, first.span) };
  }

  // call = ID [ "(" [ args ] ")" ]
  private call(node: CstNode | undefined): Call | undefined {
    if (node === undefined) return undefined;
    const callee = child(node, 'callee');
    const calleeToken = (callee?.children['Identifier'] ?? callee?.children['StatementKeyword'])?.[0] as IToken | undefined;
    if (calleeToken === undefined) return undefined;
    const name = calleeToken.tokenType.name === 'Identifier' || !isReal(calleeToken)
      ? this.name(calleeToken)
      : this.reservedName(calleeToken);
    const open = token(node, 'LParen');
    const args = open === undefined ? undefined : nodes(child(node, 'args'), 'arg').map((n) => this.arg(n, open));
    return { kind: 'Call', callee: name, args, span: nodeSpan(node, name.span) };
  }

  // arg = [ ID ":" ] expr
  private arg(node: CstNode, open: IToken): Arg {
    const key = child(node, 'key');
    const keyToken = token(key, 'Identifier') ?? token(key, 'Keyword');
    return {
      kind: 'Arg',
      name: key === undefined ? undefined : keyToken === undefined ? missingName(after(open)) : this.name(keyToken),
      value: this.expr(child(node, 'expr')),
      span: nodeSpan(node, after(open)),
    };
  }

  // expr = term { ("+" | "-") term }    term = factor { ("*" | "/") factor }
  private expr(node: CstNode | undefined): Expr | undefined {
    return this.binary(node, 'term', (n) => this.binary(n, 'factor', (f) => this.factor(f)));
  }

  /** A left-associative chain of `operand`s joined by the node's `operator` tokens, built in a loop. */
  private binary(node: CstNode | undefined, operandKey: string, operand: (n: CstNode) => Expr | undefined): Expr | undefined {
    if (node === undefined) return undefined;
    const operands = nodes(node, operandKey);
    const operators = tokens(node, 'operator');
    let left = operands[0] === undefined ? undefined : operand(operands[0]);
    if (left === undefined) return undefined;
    for (let i = 0; i < operators.length; i++) {
      const op = operators[i]!;
      const right = operands[i + 1] === undefined ? undefined : operand(operands[i + 1]!);
      const end = right?.span ?? tokenSpan(op);
      left = { kind: 'Binary', op: op.image as '+' | '-' | '*' | '/', left, right, span: cover(left.span, end) };
    }
    return left;
  }

  // factor = { "-" } atom
  private factor(node: CstNode): Expr | undefined {
    const minuses = tokens(node, 'Minus');
    let value = this.atom(child(node, 'atom'));
    for (let i = minuses.length - 1; i >= 0; i--) {
      const sign = tokenSpan(minuses[i]!);
      value = { kind: 'Negate', operand: value, span: cover(sign, value?.span ?? sign) };
    }
    return value;
  }

  // NUMBER | STRING | "true" | "false" | list | chain | "(" expr ")"
  private atom(node: CstNode | undefined): Expr | undefined {
    if (node === undefined) return undefined;
    const literal = token(node, 'NumberLiteral') ?? token(node, 'StringLiteral');
    if (literal !== undefined) return literal.tokenType.name === 'NumberLiteral' ? numberLit(literal) : stringLit(literal);
    const bool = token(node, 'True') ?? token(node, 'False');
    if (bool !== undefined) return { kind: 'Bool', value: bool.image === 'true', span: tokenSpan(bool) };
    const list = child(node, 'list');
    if (list !== undefined) {
      const open = token(list, 'LBracket')!;
      const items = nodes(list, 'expr').flatMap((n) => this.expr(n) ?? []);
      return { kind: 'List', items, span: nodeSpan(list, tokenSpan(open)) };
    }
    const paren = child(node, 'paren');
    if (paren !== undefined) {
      const open = token(paren, 'LParen')!;
      return { kind: 'Paren', inner: this.expr(child(paren, 'expr')), span: nodeSpan(paren, tokenSpan(open)) };
    }
    return this.pipeline(child(node, 'pipeline'));
  }

  // ── Names ──

  /** A declared name; missing (a Name with text '') just after `keyword` when the parser found none. */
  private declName(node: CstNode | undefined, keyword: IToken | Span): Name {
    const identifier = (node?.children['Identifier'] as IToken[] | undefined)?.[0];
    if (identifier !== undefined) return this.name(identifier);
    const reserved = token(node, 'Keyword');
    if (reserved !== undefined) return this.reservedName(reserved);
    return missingName(after(keyword));
  }

  private name(token: IToken): Name {
    // Recovery inserts an empty token right after the previous one: exactly "where it was expected".
    return { kind: 'Name', text: token.image, span: tokenSpan(token) };
  }

  private reservedName(token: IToken): Name {
    const name = this.name(token);
    this.diagnostics.push(diagnostic(Diagnostics.reservedWord, name.span, [token.image]));
    return name;
  }
}

function missingName(at: IToken | Span): Name {
  const where = 'tokenType' in at ? after(at) : span(at.end, at.end);
  return { kind: 'Name', text: '', span: where };
}
