/**
 * The canonical layout of a `.mtl` file (`mtlc fmt`). Pure: text in, text out.
 *
 * The formatter only changes whitespace: the sequence of tokens and comments is the same before and
 * after, so it cannot change what a file means. It decides, for each gap between two tokens, whether
 * it is nothing, a space, or a line break with some indentation:
 * - 2-space indent; one top-level declaration, member or multi-line option per line; blank lines
 *   between them kept, at most one;
 * - `a -> b`, `name = …`, `key: value`, `f(a, b)`, `float[3]`, `-1`, `"a".."b"`;
 * - `weights { … }` and head options on one line when the line stays under 100 columns, else one
 *   option per line; `train {}` and `data {}` always one option per line;
 * - a pipeline too long for one line breaks before each `->`; a gate call, before each argument;
 * - in a run of consecutive one-line trunks, gates or heads, the `=` signs line up, and so do the
 *   `{` of the heads' options;
 * - comments stay where they are: a comment that ended a line still ends it, a comment on its own
 *   line stays on its own line. A comment inside a one-line construct makes it multi-line.
 *
 * A file with syntax errors is never formatted: `formatFile` returns undefined.
 */
import type { IToken, TokenType } from '#chevrotain';
import type { Call, HeadDecl, Member, ModelDecl, MtlFile, OptionEntry, Pipeline } from './ast.js';
import { parse } from './parse.js';
import type { Span } from './span.js';
import { lex } from '../grammar/lexer.js';
import * as T from '../grammar/tokens.js';
import { endOf } from '../grammar/tokens.js';

/** A line must stay under this many columns to keep an option block or a pipeline on it. */
const MAX_WIDTH = 100;

const INDENT = '  ';

/** The formatted text, or undefined when the text has syntax errors. */
export function formatFile(text: string): string | undefined {
  const parsed = parse(text);
  if (parsed.diagnostics.length > 0) return undefined;
  const lexed = lex(text);
  return new Formatter(text, lexed.tokens, lexed.comments).format(parsed.ast);
}

interface Tok {
  readonly image: string;
  readonly type: TokenType;
  readonly start: number;
  readonly end: number;
}

interface Comment {
  readonly image: string;
  readonly start: number;
  readonly end: number;
  /** Nothing but whitespace before it on its line. */
  readonly ownLine: boolean;
  /** A comment that forces a line break after it: a line comment, one on its own line, or one spanning lines. */
  readonly breaking: boolean;
}

/** A line break before a token. */
interface Break {
  readonly indent: number;
  /** Whether a blank line of the source before this token is kept. */
  readonly blank: boolean;
}

/** A trunk, gate or head that may line up with its neighbours. */
interface Alignable {
  readonly kind: Member['kind'];
  readonly first: number;
  readonly last: number;
  readonly equals: number;
  /** The `{` of a head's options, when they stay on the head's line. */
  readonly brace: number | undefined;
}

const OPERAND_END = new Set<TokenType>([T.Identifier, T.NumberLiteral, T.StringLiteral, T.True, T.False, T.RParen, T.RBracket]);
const NO_SPACE_BEFORE = new Set<TokenType>([T.Comma, T.RParen, T.RBracket, T.Colon, T.DotDot, T.Dot]);
const NO_SPACE_AFTER = new Set<TokenType>([T.LParen, T.LBracket, T.DotDot, T.Dot]);
const TYPE_WORDS = new Set(['float', 'int', 'category']);
const CLOSERS = new Set<TokenType>([T.RParen, T.RBracket, T.RCurly]);

class Formatter {
  private readonly toks: Tok[];
  private readonly comments: Comment[];
  private readonly byStart = new Map<number, number>();
  /** Open `(` and `[` before each token. */
  private readonly depth: number[];
  private readonly breaks: (Break | undefined)[];
  /** The indentation of the statement (declaration, member, option, argument) each token is in. */
  private readonly stmtIndent: number[];
  private readonly stmtDepth: number[];
  private readonly alignables: Alignable[][] = [];

  constructor(
    private readonly text: string,
    tokens: readonly IToken[],
    comments: readonly IToken[],
  ) {
    this.toks = tokens.map((t) => ({ image: t.image, type: t.tokenType, start: t.startOffset, end: endOf(t) }));
    this.toks.forEach((t, i) => this.byStart.set(t.start, i));
    this.comments = this.classifyComments(comments);
    this.depth = [];
    let depth = 0;
    for (const t of this.toks) {
      this.depth.push(depth);
      if (t.type === T.LParen || t.type === T.LBracket) depth++;
      else if (t.type === T.RParen || t.type === T.RBracket) depth = Math.max(0, depth - 1);
    }
    this.breaks = new Array(this.toks.length).fill(undefined);
    this.stmtIndent = new Array(this.toks.length).fill(0);
    this.stmtDepth = new Array(this.toks.length).fill(0);
  }

  private classifyComments(comments: readonly IToken[]): Comment[] {
    const items = [...comments].sort((a, b) => a.startOffset - b.startOffset);
    let tokenIndex = 0;
    let previousEnd = -1;
    return items.map((c) => {
      const start = c.startOffset;
      const end = endOf(c);
      while (tokenIndex < this.toks.length && this.toks[tokenIndex]!.end <= start) {
        previousEnd = Math.max(previousEnd, this.toks[tokenIndex]!.end);
        tokenIndex++;
      }
      const before = Math.max(previousEnd, 0);
      const ownLine = previousEnd < 0 || /[\r\n]/.test(this.text.slice(before, start));
      previousEnd = end;
      const isLine = c.image.startsWith('//');
      return { image: c.image, start, end, ownLine, breaking: isLine || ownLine || /[\r\n]/.test(c.image) };
    });
  }

  format(file: MtlFile): string {
    this.layoutFile(file);
    const { lines, line, column } = this.emit();
    this.align(lines, line, column);
    while (lines.length > 0 && lines[lines.length - 1] === '') lines.pop();
    if (lines.length === 0) return '';
    const eol = this.text.includes('\r\n') ? '\r\n' : '\n';
    const bom = this.text.startsWith('\ufeff') ? '\ufeff' : '';
    return bom + lines.join(eol) + eol;
  }

  // ── Token lookup ──────────────────────────────────────────────────────────────────────────

  private first(span: Span): number {
    return this.byStart.get(span.start)!;
  }

  /** The index of the last token that starts before the span's end. */
  private last(span: Span): number {
    let lo = 0;
    let hi = this.toks.length - 1;
    let found = -1;
    while (lo <= hi) {
      const mid = (lo + hi) >> 1;
      if (this.toks[mid]!.start < span.end) {
        found = mid;
        lo = mid + 1;
      } else {
        hi = mid - 1;
      }
    }
    return found;
  }

  /** Comments that lie between token `a`'s start and token `b`'s end. */
  private commentsWithin(a: number, b: number): Comment[] {
    const from = this.toks[a]!.start;
    const to = this.toks[b]!.end;
    return this.comments.filter((c) => c.start > from && c.start < to);
  }

  private hasBreakingComment(a: number, b: number): boolean {
    return this.commentsWithin(a, b).some((c) => c.breaking);
  }

  // ── Spacing on one line ───────────────────────────────────────────────────────────────────

  private isUnaryMinus(i: number): boolean {
    return this.toks[i]!.type === T.Minus && (i === 0 || !OPERAND_END.has(this.toks[i - 1]!.type));
  }

  /** The space between token i-1 and token i when they share a line. */
  private spaceBefore(i: number): string {
    const a = this.toks[i - 1]!;
    const b = this.toks[i]!;
    if (NO_SPACE_BEFORE.has(b.type) || NO_SPACE_AFTER.has(a.type)) return '';
    if (this.isUnaryMinus(i - 1)) return '';
    // A call `f(…)` and a type `float[3]` close up; a list (`from ["a"]`, `: [a, b]`) does not.
    if (b.type === T.LParen) return a.type === T.Identifier ? '' : ' ';
    if (b.type === T.LBracket) return a.type === T.Identifier && TYPE_WORDS.has(a.image) ? '' : ' ';
    if (a.type === T.LCurly && b.type === T.RCurly) return '';
    return ' ';
  }

  /** The width of tokens a..b laid out on one line, inline comments included. */
  private width(a: number, b: number): number {
    let width = 0;
    for (let i = a; i <= b; i++) width += this.toks[i]!.image.length + (i > a ? this.spaceBefore(i).length : 0);
    for (const c of this.commentsWithin(a, b)) width += c.image.length + 1;
    return width;
  }

  private fits(indent: number, a: number, b: number): boolean {
    return indent * INDENT.length + this.width(a, b) < MAX_WIDTH;
  }

  // ── Layout decisions ──────────────────────────────────────────────────────────────────────

  private setBreak(i: number, indent: number, blank: boolean): void {
    this.breaks[i] = { indent, blank };
  }

  private setStatement(span: Span, indent: number): void {
    const a = this.first(span);
    const b = this.last(span);
    for (let i = a; i <= b; i++) {
      this.stmtIndent[i] = indent;
      this.stmtDepth[i] = this.depth[a]!;
    }
  }

  // file = { import | block | model }
  private layoutFile(file: MtlFile): void {
    const decls = [...file.imports, ...file.blocks, ...file.models].sort((x, y) => x.span.start - y.span.start);
    for (const decl of decls) {
      const a = this.first(decl.span);
      this.setBreak(a, 0, true);
      this.setStatement(decl.span, 0);
      if (decl.kind === 'Block' && decl.body !== undefined) this.layoutPipeline(decl.body, 0, a, this.last(decl.span));
      if (decl.kind === 'Model') this.layoutModel(decl);
    }
  }

  // model = "model" ID "{" { member } "}"
  private layoutModel(model: ModelDecl): void {
    const a = this.first(model.span);
    const close = this.last(model.span);
    let open = a;
    while (open < close && this.toks[open]!.type !== T.LCurly) open++;
    if (model.members.length === 0 && this.commentsWithin(open, close).length === 0) return;
    this.setBreak(close, 0, false);
    const run: Alignable[] = [];
    for (const member of model.members) {
      this.setBreak(this.first(member.span), 1, true);
      this.setStatement(member.span, 1);
      const alignable = this.layoutMember(member, 1);
      if (alignable !== undefined) run.push(alignable);
    }
    this.alignables.push(run);
  }

  private layoutMember(member: Member, indent: number): Alignable | undefined {
    const a = this.first(member.span);
    const b = this.last(member.span);
    const alignable = (brace?: number): Alignable | undefined =>
      this.toks[a + 2]?.type === T.Equals ? { kind: member.kind, first: a, last: b, equals: a + 2, brace } : undefined;
    switch (member.kind) {
      case 'Trunk':
        if (member.pipeline !== undefined) this.layoutPipeline(member.pipeline, indent, a, b);
        return alignable();
      case 'Gate':
        if (member.call !== undefined) this.layoutGateCall(member.call, indent, a, b);
        return alignable();
      case 'Head':
        return alignable(this.layoutHead(member, indent, a, b));
      case 'Weights':
        this.layoutOptions(a + 1, b, member.entries, indent, this.fits(indent, a, b) && !this.hasBreakingComment(a + 1, b));
        return undefined;
      case 'Train':
      case 'Data':
        this.layoutOptions(a + 1, b, member.options, indent, false);
        return undefined;
      case 'Input':
      case 'Weighting':
        return undefined;
    }
  }

  /** `"{" { option } "}"`: on one line, or one option per line. */
  private layoutOptions(open: number, close: number, entries: readonly OptionEntry[], indent: number, oneLine: boolean): void {
    if (oneLine) return;
    if (entries.length === 0 && this.commentsWithin(open, close).length === 0) return;
    for (const entry of entries) {
      this.setBreak(this.first(entry.span), indent + 1, true);
      this.setStatement(entry.span, indent + 1);
    }
    this.setBreak(close, indent, false);
  }

  /** Breaks before every `->` when the line [a, b] is too long or a comment breaks it. */
  private layoutPipeline(pipeline: Pipeline, indent: number, a: number, b: number): boolean {
    if (pipeline.steps.length < 2) return false;
    const p = this.first(pipeline.span);
    const q = this.last(pipeline.span);
    if (!this.hasBreakingComment(p, q) && this.fits(indent, a, b)) return false;
    for (const step of pipeline.steps.slice(1)) this.setBreak(this.first(step.span) - 1, indent + 1, false);
    return true;
  }

  /** A gate call too long for its line: one argument per line. */
  private layoutGateCall(call: Call, indent: number, a: number, b: number): void {
    if (call.args === undefined || call.args.length === 0) return;
    const open = this.first(call.span) + 1;
    const close = this.last(call.span);
    if (!this.hasBreakingComment(open, close) && this.fits(indent, a, b)) return;
    for (const arg of call.args) {
      this.setBreak(this.first(arg.span), indent + 1, false);
      this.setStatement(arg.span, indent + 1);
    }
    this.setBreak(close, indent, false);
  }

  /** head = "head" ID "=" pipeline [ "{" { option } "}" ]; returns the `{` when the options stay on the line. */
  private layoutHead(head: HeadDecl, indent: number, a: number, b: number): number | undefined {
    const pipeline = head.pipeline;
    if (pipeline === undefined) return undefined;
    const pipeEnd = this.last(pipeline.span);
    const open = pipeEnd < b && this.toks[pipeEnd + 1]!.type === T.LCurly ? pipeEnd + 1 : undefined;
    const pipeBreaking = this.hasBreakingComment(this.first(pipeline.span), pipeEnd);
    const optionsBreaking = open !== undefined && this.hasBreakingComment(open, b);
    if (!pipeBreaking && !optionsBreaking && this.fits(indent, a, b)) return open;
    const broken = this.layoutPipeline(pipeline, indent, a, pipeEnd);
    if (open === undefined) return undefined;
    const lastLine = broken
      ? !optionsBreaking && this.fits(indent + 1, this.first(pipeline.steps[pipeline.steps.length - 1]!.span) - 1, b)
      : !optionsBreaking && this.fits(indent, a, b);
    this.layoutOptions(open, b, head.options, indent, lastLine);
    return lastLine && !broken ? open : undefined;
  }

  // ── Emitting ──────────────────────────────────────────────────────────────────────────────

  private newlinesBetween(from: number, to: number): number {
    return (this.text.slice(from, to).match(/\r\n|\r|\n/g) ?? []).length;
  }

  /** Where a break that the layout did not plan (after a comment) puts the next token. */
  private forcedIndent(i: number): number {
    const closing = CLOSERS.has(this.toks[i]!.type) ? 1 : 0;
    return this.stmtIndent[i]! + 1 + Math.max(0, this.depth[i]! - this.stmtDepth[i]! - closing);
  }

  /** The indentation of a comment on its own line before token i (i = length: the end of the file). */
  private commentIndent(i: number): number {
    if (i >= this.toks.length) return 0;
    const planned = this.breaks[i];
    if (planned === undefined) return this.forcedIndent(i);
    const type = this.toks[i]!.type;
    return type === T.RCurly || type === T.RParen ? planned.indent + 1 : planned.indent;
  }

  private emit(): { lines: string[]; line: number[]; column: number[] } {
    const lines: string[] = [];
    const line: number[] = [];
    const column: number[] = [];
    let current = '';
    let started = false;
    let previousEnd = 0;
    /** The previous item was the token `{`: no blank line right after it. */
    let afterOpen = false;
    let mustBreak = false;
    let afterInlineComment = false;
    let nextComment = 0;
    const newline = (indent: number, blank: boolean): void => {
      lines.push(current.trimEnd());
      if (blank && lines[lines.length - 1] !== '') lines.push('');
      current = INDENT.repeat(indent);
    };
    for (let i = 0; i <= this.toks.length; i++) {
      const tok = this.toks[i];
      const start = tok?.start ?? this.text.length;
      const planned = tok === undefined ? undefined : this.breaks[i];
      const blankAllowed = tok === undefined || planned?.blank === true || (planned !== undefined && tok.type === T.RCurly);
      while (nextComment < this.comments.length && this.comments[nextComment]!.start < start) {
        const c = this.comments[nextComment++]!;
        if (c.ownLine) {
          if (started) newline(this.commentIndent(i), blankAllowed && !afterOpen && this.newlinesBetween(previousEnd, c.start) >= 2);
        } else if (started) {
          const previous = this.toks[i - 1]?.type;
          const isLine = c.image.startsWith('//');
          current += !isLine && (previous === T.LParen || previous === T.LBracket) ? '' : ' ';
        }
        current += c.image;
        started = true;
        // After a line comment, or one on its own line, the next token starts a new line; after a
        // block comment that ends a line somewhere inside, the line goes on.
        mustBreak = c.ownLine || c.image.startsWith('//');
        afterInlineComment = !mustBreak;
        afterOpen = false;
        previousEnd = c.end;
      }
      if (tok === undefined) break;
      if (!started) {
        current = '';
      } else if (planned !== undefined) {
        const blank = planned.blank && !afterOpen && tok.type !== T.RCurly && this.newlinesBetween(previousEnd, tok.start) >= 2;
        newline(planned.indent, blank);
      } else if (mustBreak) {
        newline(this.forcedIndent(i), false);
      } else if (afterInlineComment) {
        current += NO_SPACE_BEFORE.has(tok.type) ? '' : ' ';
      } else {
        current += this.spaceBefore(i);
      }
      line[i] = lines.length;
      column[i] = current.length;
      current += tok.image;
      started = true;
      mustBreak = false;
      afterInlineComment = false;
      afterOpen = tok.type === T.LCurly;
      previousEnd = tok.end;
    }
    if (started) lines.push(current.trimEnd());
    return { lines, line, column };
  }

  // ── Alignment ─────────────────────────────────────────────────────────────────────────────

  /** Lines up `=` (and heads' `{`) in runs of consecutive one-line trunks, gates or heads. */
  private align(lines: string[], line: number[], column: number[]): void {
    for (const members of this.alignables) {
      let run: Alignable[] = [];
      const flush = (): void => {
        if (run.length > 1) this.alignRun(run, lines, line, column);
        run = [];
      };
      for (const member of members) {
        const oneLine = line[member.first] === line[member.last] && !lines[line[member.first]!]!.includes('\n');
        const previous = run[run.length - 1];
        const continues = previous !== undefined && previous.kind === member.kind && line[member.first] === line[previous.last]! + 1;
        if (!continues) flush();
        if (oneLine) run.push(member);
        else flush();
      }
      flush();
    }
  }

  private alignRun(run: readonly Alignable[], lines: string[], line: number[], column: number[]): void {
    const equalsAt = Math.max(...run.map((m) => column[m.equals]!));
    const shift = new Map(run.map((m) => [m, equalsAt - column[m.equals]!]));
    const braced = run.filter((m) => m.brace !== undefined);
    const braceAt = Math.max(0, ...braced.map((m) => column[m.brace!]! + shift.get(m)!));
    for (const m of run) {
      const n = line[m.first]!;
      let text = lines[n]!;
      if (m.brace !== undefined) {
        const at = column[m.brace]!;
        text = text.slice(0, at) + ' '.repeat(braceAt - at - shift.get(m)!) + text.slice(at);
      }
      const at = column[m.equals]!;
      lines[n] = text.slice(0, at) + ' '.repeat(shift.get(m)!) + text.slice(at);
    }
  }
}
