/**
 * What every `mtlc` command module gets: the output streams, the environment, colours, and a way to
 * report its exit code. Commands never call `process.exit` or write to `process.stdout` directly,
 * so tests run them in process with captured output.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import type { Command } from 'commander';
import { compile, type CompileResult, type Diagnostic } from '../../compiler/index.js';
import { colors, frameSource, renderDiagnostic, type Colors, type FrameSource } from '../frame.js';
import { writeFileAtomic } from '../../runtime/files/index.js';
import { describeError, NodeHost, readSource } from '../host.js';

/** The process as a command sees it; tests pass their own. */
export interface CliIO {
  readonly stdout: (text: string) => void;
  readonly stderr: (text: string) => void;
  /** Whether stdout is a terminal (colours are off otherwise). */
  readonly isTTY: boolean;
  readonly env: Readonly<Record<string, string | undefined>>;
  /** The directory relative paths are read from and shown relative to. */
  readonly cwd: string;
  /** The terminal's width, when stdout is one: code frames cut long lines to it. */
  readonly columns?: number;
  /** Whether stderr is a terminal (progress bars are drawn only then). */
  readonly stderrIsTTY?: boolean;
  /**
   * Calls `listener` on Ctrl-C (SIGINT) until the returned function is called; absent when the
   * caller does not pass interrupts on (tests pass their own).
   */
  readonly onInterrupt?: (listener: () => void) => () => void;
}

export const ExitCode = {
  /** No errors (warnings allowed). */
  ok: 0,
  /** Errors in a checked file, or `fmt --check` found a file to reformat. */
  problems: 1,
  /** Bad usage, or a file that cannot be read or written. */
  usage: 2,
  /** A bug in mtlc itself. */
  internal: 3,
  /** Stopped by Ctrl-C (SIGINT), after saving: 128 + 2, as shells report it. */
  interrupted: 130,
} as const;

export class CliContext {
  /** The worst exit code reported so far. */
  exitCode: number = ExitCode.ok;

  constructor(readonly io: CliIO) {}

  out(text: string): void {
    this.io.stdout(text);
  }

  err(text: string): void {
    this.io.stderr(text);
  }

  /** A one-line user error on stderr: `mtlc: cannot read "x.mtl": no such file`. */
  fail(message: string, code: number = ExitCode.usage): void {
    this.err(`mtlc: ${message}\n`);
    this.report(code);
  }

  report(code: number): void {
    this.exitCode = Math.max(this.exitCode, code);
  }

  /** Colours for a command's output: off with --no-color, NO_COLOR, or when stdout is not a terminal. */
  colors(command: Command): Colors {
    const flag = (command.optsWithGlobals() as { color?: boolean }).color;
    const noColorEnv = this.io.env['NO_COLOR'] !== undefined && this.io.env['NO_COLOR'] !== '';
    const forced = this.io.env['FORCE_COLOR'] !== undefined && this.io.env['FORCE_COLOR'] !== '0';
    return colors(flag !== false && !noColorEnv && (this.io.isTTY || forced));
  }
}

/** A user mistake found inside a command's action: printed as one `mtlc: …` line, exit code 2. */
export class UsageError extends Error {}

/**
 * One `mtlc` subcommand. `register` declares it (name, arguments, options, help) on the program and
 * attaches its action. Keep the module itself light: a command that needs TensorFlow.js or other
 * heavy code loads it with `await import()` inside its action, so `mtlc check` starts fast.
 */
export interface CommandModule {
  readonly name: string;
  register(program: Command, ctx: CliContext): void;
}

/** A file read and compiled for a command, with what its frames need. */
export interface CompiledFile {
  /** The path as the user wrote it, which frames and messages show. */
  readonly shown: string;
  readonly result: CompileResult;
  readonly source: FrameSource;
  /** Sources of the files it imports, for diagnostics that point into them. */
  readonly sourceOf: (uri: string) => FrameSource | undefined;
}

/**
 * Reads and compiles one file. An unreadable file is reported as one line (exit code 2) and gives
 * undefined. Imports are read relative to the file, through the same cached host.
 */
export function compileFile(ctx: CliContext, file: string, host: NodeHost = new NodeHost()): CompiledFile | undefined {
  const absolute = path.resolve(ctx.io.cwd, file);
  const read = readSource(absolute);
  if (!read.ok) {
    ctx.fail(`cannot read "${file}": ${read.reason}`);
    return undefined;
  }
  host.remember(absolute, read.text);
  const result = compile(absolute, read.text, host);
  const sourceOf = (uri: string): FrameSource | undefined => {
    const text = host.readFile(uri);
    return text === undefined ? undefined : frameSource(displayPath(ctx, uri), text);
  };
  return { shown: file, result, source: frameSource(file, read.text), sourceOf };
}

/** A path relative to the working directory when it lies below it, else absolute. */
export function displayPath(ctx: CliContext, file: string): string {
  const relative = path.relative(ctx.io.cwd, file);
  return relative !== '' && !relative.startsWith('..') && !path.isAbsolute(relative) ? relative : file;
}

/** Every diagnostic of a compiled file as frames; returns the error and warning counts. */
export function printDiagnostics(
  file: CompiledFile,
  c: Colors,
  write: (text: string) => void,
  only: (d: Diagnostic) => boolean = () => true,
  width?: number,
): { errors: number; warnings: number } {
  let errors = 0;
  let warnings = 0;
  const quoted = new Set<string>();
  for (const d of file.result.diagnostics) {
    if (!only(d)) continue;
    if (d.severity === 'error') errors++;
    else warnings++;
    write(renderDiagnostic(d, file.source, { colors: c, sourceOf: file.sourceOf, quoted, ...(width !== undefined ? { width } : {}) }));
  }
  return { errors, warnings };
}

/** Refuses (exit 2) to replace an existing output file without --force. */
export function refuseToReplace(file: string, shown: string, force: boolean | undefined): void {
  if (force !== true && fs.existsSync(file)) throw new UsageError(`"${shown}" already exists: pass --force to replace it`);
}

/** Writes a command's output file atomically; false after reporting `cannot write "…": reason`. */
export async function writeOutputFile(ctx: CliContext, file: string, shown: string, text: string): Promise<boolean> {
  try {
    await writeFileAtomic(file, text);
    return true;
  } catch (error) {
    ctx.fail(`cannot write "${shown}": ${describeError(error)}`);
    return false;
  }
}
