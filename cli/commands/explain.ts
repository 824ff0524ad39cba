/**
 * `mtlc explain MTLnnnn`: what a diagnostic means, a file that reports it, what `mtlc check` prints
 * for that file, and the file fixed. The same texts make docs/diagnostics.md
 * (scripts/gen-diagnostics-doc.ts), so the two never disagree.
 */
import type { Command } from 'commander';
import { allDiagnosticKinds, closest, compile, type DiagnosticKind } from '../../compiler/index.js';
import { colors, frameSource, renderDiagnostic, summaryLine, type Colors } from '../frame.js';
import { ExitCode, type CliContext, type CommandModule } from './command.js';

/** The name the examples are shown under. */
export const EXAMPLE_FILE = 'example.mtl';

/** `MTL0101`, `mtl0101`, `0101` and `101` all name MTL0101. */
export function normalizeCode(code: string): string {
  const digits = /^(?:mtl)?(\d{1,4})$/i.exec(code.trim());
  return digits ? `MTL${digits[1]!.padStart(4, '0')}` : code.trim().toUpperCase();
}

export function findKind(code: string): DiagnosticKind<never[]> | undefined {
  const wanted = normalizeCode(code);
  return allDiagnosticKinds().find((k) => k.code === wanted);
}

/** Exactly what `mtlc check example.mtl --no-color` prints for the kind's failing example. */
export function exampleReport(kind: DiagnosticKind<never[]>, c: Colors = colors(false)): string {
  const result = compile(EXAMPLE_FILE, kind.doc.example);
  const source = frameSource(EXAMPLE_FILE, kind.doc.example);
  const errors = result.diagnostics.filter((d) => d.severity === 'error').length;
  const frames = result.diagnostics.map((d) => renderDiagnostic(d, source, { colors: c })).join('');
  return `${frames}${summaryLine(errors, result.diagnostics.length - errors, 1, c)}\n`;
}

function indent(text: string): string {
  return text
    .replace(/\n$/, '')
    .split('\n')
    .map((line) => (line === '' ? '' : `    ${line}`))
    .join('\n');
}

export function renderExplain(kind: DiagnosticKind<never[]>, c: Colors): string {
  const paint = kind.severity === 'error' ? c.red : c.yellow;
  return [
    `${c.bold(paint(`${kind.severity}[${kind.code}]`))}${c.bold(`: ${kind.title}`)}`,
    '',
    kind.doc.explanation,
    '',
    c.bold(`For example, ${EXAMPLE_FILE}:`),
    '',
    indent(kind.doc.example),
    '',
    c.bold(`mtlc check ${EXAMPLE_FILE} prints:`),
    '',
    indent(exampleReport(kind, c)),
    '',
    c.bold('Fixed:'),
    '',
    indent(kind.doc.fixed),
    '',
  ].join('\n');
}

export const explainCommand: CommandModule = {
  name: 'explain',
  register(program: Command, ctx: CliContext): void {
    program
      .command('explain')
      .description('explain a diagnostic code, with an example')
      .argument('<code>', 'a code such as MTL0101')
      .action((code: string, _options: unknown, command: Command) => {
        const kind = findKind(code);
        if (kind === undefined) {
          const codes = allDiagnosticKinds().map((k) => k.code);
          const near = closest(normalizeCode(code), codes);
          ctx.fail(
            `unknown diagnostic code "${code}"${near ? ` (did you mean ${near}?)` : ''}: codes are listed in docs/diagnostics.md`,
            ExitCode.usage,
          );
          return;
        }
        ctx.out(renderExplain(kind, ctx.colors(command)));
      });
  },
};
