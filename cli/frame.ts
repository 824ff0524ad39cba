/**
 * Code frames in the style of rustc: a header with severity and code, the location, the source line
 * with a line-number gutter, carets under the span, then the hint and related places as notes.
 *
 *     error[MTL0101]: unknown name "shard"
 *      --> examples/x.mtl:5:16
 *       |
 *     5 |   head task2 = shard -> classify(5)
 *       |                ^^^^^
 *       = help: did you mean "shared"?
 *
 * A span over several lines is marked on its first line, to the end of that line. Colours come from
 * picocolors and are switched off by the caller (no TTY, NO_COLOR, --no-color).
 */
import pc from 'picocolors';
import { LineIndex, type Diagnostic, type Span } from '../compiler/index.js';

export type Colors = ReturnType<typeof pc.createColors>;

export function colors(enabled: boolean): Colors {
  return pc.createColors(enabled);
}

/** A source text as frames show it: the path the user reads, and its lines. */
export interface FrameSource {
  readonly path: string;
  readonly text: string;
  readonly lines: LineIndex;
}

export function frameSource(path: string, text: string): FrameSource {
  return { path, text, lines: new LineIndex(text) };
}

export interface FrameOptions {
  readonly colors: Colors;
  /** The source of another file (an import) named by a diagnostic's or a related place's `uri`. */
  readonly sourceOf?: (uri: string) => FrameSource | undefined;
}

/** One diagnostic, with its frame, hint and related notes; ends with a blank line. */
export function renderDiagnostic(d: Diagnostic, source: FrameSource, options: FrameOptions): string {
  const c = options.colors;
  const home = d.uri !== undefined ? (options.sourceOf?.(d.uri) ?? source) : source;
  const paint = d.severity === 'error' ? c.red : c.yellow;
  const out: string[] = [];
  out.push(`${c.bold(paint(`${d.severity}[${d.code}]`))}${c.bold(`: ${d.message}`)}`);
  const related = (d.related ?? []).map((r) => ({ r, src: r.uri !== undefined ? (options.sourceOf?.(r.uri) ?? undefined) : home }));
  const gutter = Math.max(lineNumberWidth(home, d.span), ...related.map(({ r, src }) => (src ? lineNumberWidth(src, r.span) : 1)));
  out.push(...snippet(home, d.span, gutter, '^', paint, c));
  if (d.hint !== undefined) out.push(`${' '.repeat(gutter + 1)}${c.blue('=')} ${c.bold('help')}: ${d.hint}`);
  for (const { r, src } of related) {
    if (src === undefined) {
      out.push(`${' '.repeat(gutter + 1)}${c.blue('=')} ${c.bold('note')}: ${r.message} (in ${r.uri})`);
      continue;
    }
    out.push(`${c.bold(c.cyan('note'))}${c.bold(`: ${r.message}`)}`);
    out.push(...snippet(src, r.span, gutter, '-', c.cyan, c));
  }
  return `${out.join('\n')}\n\n`;
}

/** ` --> file:line:col`, the gutter, the source line and the marker line. */
function snippet(src: FrameSource, span: Span, gutter: number, mark: string, paint: (s: string) => string, c: Colors): string[] {
  const start = src.lines.position(span.start);
  const end = src.lines.position(span.end);
  const lineText = src.lines.lineText(start.line);
  const endChar = end.line === start.line ? end.character : lineText.length;
  const width = Math.max(1, endChar - start.character);
  // Tabs in the source are repeated under it, so the marker lines up in any tab width.
  const pad = lineText.slice(0, start.character).replace(/[^\t]/g, ' ');
  const bar = c.blue('|');
  const number = String(start.line + 1).padStart(gutter);
  return [
    `${' '.repeat(gutter)}${c.blue('-->')} ${src.path}:${start.line + 1}:${start.character + 1}`,
    `${' '.repeat(gutter + 1)}${bar}`,
    `${c.blue(number)} ${bar} ${lineText}`.trimEnd(),
    `${' '.repeat(gutter + 1)}${bar} ${pad}${paint(mark.repeat(width))}`,
  ];
}

function lineNumberWidth(src: FrameSource, span: Span): number {
  return String(src.lines.position(span.start).line + 1).length;
}

/** `1 file`, `3 files`; `many` for irregular plurals (`batches`). */
export function plural(n: number, word: string, many = `${word}s`): string {
  return `${n} ${n === 1 ? word : many}`;
}

/** `2 errors, 1 warning in 3 files`, or `no problems in 3 files`. */
export function summaryLine(errors: number, warnings: number, files: number, c: Colors = colors(false)): string {
  const where = `in ${plural(files, 'file')}`;
  if (errors === 0 && warnings === 0) return `${c.green('no problems')} ${where}`;
  const parts: string[] = [];
  if (errors > 0) parts.push(c.bold(c.red(plural(errors, 'error'))));
  if (warnings > 0) parts.push(c.bold(c.yellow(plural(warnings, 'warning'))));
  return `${parts.join(', ')} ${where}`;
}
