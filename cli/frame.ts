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
 * A span over several lines is marked on its first line, to the end of that line. A line longer
 * than the width is cut to a window around the span, and a line already quoted (`quoted`) is not
 * quoted again: a long one-line file with many errors prints each error in a line or two, not the
 * whole line each time. Colours come from picocolors and are switched off by the caller (no TTY,
 * NO_COLOR, --no-color).
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
  /** The columns a frame may take (the terminal's width); default 120. */
  readonly width?: number;
  /** `path:line` of the lines already quoted, shared by the frames of one run; each is quoted once. */
  readonly quoted?: Set<string>;
}

/** Related places shown under one diagnostic; the rest are counted. */
const MAX_RELATED = 5;

/** The width of a frame when the terminal's is unknown. */
const DEFAULT_WIDTH = 120;

/** One diagnostic, with its frame, hint and related notes; ends with a blank line. */
export function renderDiagnostic(d: Diagnostic, source: FrameSource, options: FrameOptions): string {
  const c = options.colors;
  const home = d.uri !== undefined ? (options.sourceOf?.(d.uri) ?? source) : source;
  const paint = d.severity === 'error' ? c.red : c.yellow;
  const out: string[] = [];
  out.push(`${c.bold(paint(`${d.severity}[${d.code}]`))}${c.bold(`: ${d.message}`)}`);
  const all = d.related ?? [];
  // A name declared 300 times must not print 300 × 299 notes.
  const related = all.slice(0, MAX_RELATED).map((r) => ({ r, src: r.uri !== undefined ? (options.sourceOf?.(r.uri) ?? undefined) : home }));
  const gutter = Math.max(lineNumberWidth(home, d.span), ...related.map(({ r, src }) => (src ? lineNumberWidth(src, r.span) : 1)));
  out.push(...snippet(home, d.span, gutter, '^', paint, options));
  if (d.hint !== undefined) out.push(`${' '.repeat(gutter + 1)}${c.blue('=')} ${c.bold('help')}: ${d.hint}`);
  for (const { r, src } of related) {
    if (src === undefined) {
      out.push(`${' '.repeat(gutter + 1)}${c.blue('=')} ${c.bold('note')}: ${r.message} (in ${r.uri})`);
      continue;
    }
    out.push(`${c.bold(c.cyan('note'))}${c.bold(`: ${r.message}`)}`);
    out.push(...snippet(src, r.span, gutter, '-', c.cyan, options));
  }
  if (all.length > MAX_RELATED)
    out.push(`${' '.repeat(gutter + 1)}${c.blue('=')} ${c.bold('note')}: and ${all.length - MAX_RELATED} more places`);
  return `${out.join('\n')}\n\n`;
}

/** ` --> file:line:col`, then, unless the line was quoted already, the gutter, the source line (cut to the width) and the marker line. */
function snippet(
  src: FrameSource,
  span: Span,
  gutter: number,
  mark: string,
  paint: (s: string) => string,
  options: FrameOptions,
): string[] {
  const c = options.colors;
  const start = src.lines.position(span.start);
  const end = src.lines.position(span.end);
  const location = `${' '.repeat(gutter)}${c.blue('-->')} ${src.path}:${start.line + 1}:${start.character + 1}`;
  const key = `${src.path}:${start.line}`;
  if (options.quoted?.has(key)) return [location];
  options.quoted?.add(key);
  const fullLine = src.lines.lineText(start.line);
  const endChar = end.line === start.line ? end.character : fullLine.length;
  // The window of the line that fits: from a little before the span, cut with … on either side.
  const room = Math.max(20, (options.width ?? DEFAULT_WIDTH) - gutter - 5);
  const from = fullLine.length <= room ? 0 : Math.max(0, Math.min(start.character - Math.floor(room / 4), fullLine.length - room));
  const to = Math.min(fullLine.length, from + room);
  const lineText = `${from > 0 ? '…' : ''}${fullLine.slice(from, to)}${to < fullLine.length ? '…' : ''}`;
  const shift = from > 0 ? 1 - from : 0;
  const width = Math.max(1, Math.min(endChar, to) - start.character);
  // Tabs in the source are repeated under it, so the marker lines up in any tab width.
  const pad = lineText.slice(0, start.character + shift).replace(/[^\t]/g, ' ');
  const bar = c.blue('|');
  const number = String(start.line + 1).padStart(gutter);
  return [
    location,
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
