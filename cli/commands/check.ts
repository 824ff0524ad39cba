/**
 * `mtlc check FILE…`: reports every problem of every file, as code frames or as JSON for tools.
 * Exit 0 when no file has errors (warnings allowed), 1 when one has, 2 when a file cannot be read.
 * Imports only the compiler: checking never loads TensorFlow.js.
 */
import { Option, type Command } from 'commander';
import type { Diagnostic, LineIndex, Span } from '../../compiler/index.js';
import { summaryLine } from '../frame.js';
import { NodeHost } from '../host.js';
import { compileFile, displayPath, ExitCode, printDiagnostics, type CliContext, type CommandModule, type CompiledFile } from './command.js';

/** A position in `--format json`: 1-based line and column (UTF-16 code units), as editors show them. */
export interface JsonPosition {
  readonly line: number;
  readonly column: number;
}

/** A range in `--format json`; `end` is exclusive (the column just after the last character). */
export interface JsonRange {
  readonly start: JsonPosition;
  readonly end: JsonPosition;
}

export interface JsonDiagnostic {
  readonly file: string;
  readonly code: string;
  readonly severity: 'error' | 'warning';
  readonly message: string;
  readonly range: JsonRange;
  readonly hint?: string;
  readonly related?: readonly { readonly file: string; readonly message: string; readonly range: JsonRange }[];
  readonly suggestion?: { readonly range: JsonRange; readonly newText: string };
}

/** What `mtlc check --format json` prints: one object, whatever the number of files. */
export interface JsonReport {
  readonly diagnostics: readonly JsonDiagnostic[];
  readonly summary: { readonly files: number; readonly errors: number; readonly warnings: number; readonly unreadable: number };
}

export const checkCommand: CommandModule = {
  name: 'check',
  register(program: Command, ctx: CliContext): void {
    program
      .command('check')
      .description('report every problem (exit 1 on errors)')
      .argument('<files...>', '.mtl files to check')
      .addOption(new Option('--format <format>', 'output format').choices(['text', 'json']).default('text'))
      .action((files: string[], options: { format: 'text' | 'json' }, command: Command) => {
        const host = new NodeHost();
        const compiled: CompiledFile[] = [];
        let unreadable = 0;
        for (const file of files) {
          const one = compileFile(ctx, file, host);
          if (one === undefined) unreadable++;
          else compiled.push(one);
        }
        const errors = compiled.flatMap((f) => f.result.diagnostics).filter((d) => d.severity === 'error').length;
        const warnings = compiled.flatMap((f) => f.result.diagnostics).length - errors;
        if (options.format === 'json') {
          const report: JsonReport = {
            diagnostics: compiled.flatMap((f) => f.result.diagnostics.map((d) => jsonDiagnostic(ctx, f, d))),
            summary: { files: compiled.length, errors, warnings, unreadable },
          };
          ctx.out(`${JSON.stringify(report, null, 2)}\n`);
        } else {
          const c = ctx.colors(command);
          for (const file of compiled) printDiagnostics(file, c, (text) => ctx.out(text), undefined, ctx.io.columns);
          if (compiled.length > 0) ctx.out(`${summaryLine(errors, warnings, compiled.length, c)}\n`);
        }
        ctx.report(errors > 0 ? ExitCode.problems : ExitCode.ok);
      });
  },
};

export function jsonRange(lines: LineIndex, span: Span): JsonRange {
  const start = lines.position(span.start);
  const end = lines.position(span.end);
  return {
    start: { line: start.line + 1, column: start.character + 1 },
    end: { line: end.line + 1, column: end.character + 1 },
  };
}

function jsonDiagnostic(ctx: CliContext, file: CompiledFile, d: Diagnostic): JsonDiagnostic {
  const home = d.uri !== undefined ? file.sourceOf(d.uri) : file.source;
  const where = (uri: string | undefined) => (uri !== undefined ? file.sourceOf(uri) : home) ?? file.source;
  return {
    file: d.uri !== undefined ? displayPath(ctx, d.uri) : file.shown,
    code: d.code,
    severity: d.severity,
    message: d.message,
    range: jsonRange((home ?? file.source).lines, d.span),
    ...(d.hint !== undefined ? { hint: d.hint } : {}),
    ...(d.related !== undefined && d.related.length > 0
      ? {
          related: d.related.map((r) => ({
            file: r.uri !== undefined ? displayPath(ctx, r.uri) : d.uri !== undefined ? displayPath(ctx, d.uri) : file.shown,
            message: r.message,
            range: jsonRange(where(r.uri ?? d.uri).lines, r.span),
          })),
        }
      : {}),
    ...(d.suggestion !== undefined
      ? { suggestion: { range: jsonRange((home ?? file.source).lines, d.suggestion.span), newText: d.suggestion.newText } }
      : {}),
  };
}
