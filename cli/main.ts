/**
 * `mtlc`: argv in, printed results and an exit code out. Commands live in cli/commands/, one file
 * each, listed in cli/commands/index.ts. Exit codes: 0 clean (warnings allowed), 1 problems found,
 * 2 bad usage or an unreadable file, 3 a bug in mtlc. A user error is one line, never a stack trace.
 */
import { Command, CommanderError } from 'commander';
import { CliContext, displayPath, ExitCode, UsageError, type CliIO } from './commands/command.js';
import { COMMANDS } from './commands/index.js';
import { describeError, isFileError, packageVersion } from './host.js';

let pipeGuarded = false;

function processIO(): CliIO {
  if (!pipeGuarded) {
    pipeGuarded = true;
    // `mtlc check … | head` closes the pipe early: that is the reader's choice, not an error.
    process.stdout.on('error', (error: NodeJS.ErrnoException) => {
      if (error.code === 'EPIPE') process.exit(process.exitCode ?? 0);
      throw error;
    });
  }
  return {
    stdout: (text) => void process.stdout.write(text),
    stderr: (text) => void process.stderr.write(text),
    isTTY: process.stdout.isTTY === true,
    ...(process.stdout.isTTY === true ? { columns: process.stdout.columns } : {}),
    env: process.env,
    cwd: process.cwd(),
    stderrIsTTY: process.stderr.isTTY === true,
    onInterrupt: (listener) => {
      const handler = (): void => listener();
      process.on('SIGINT', handler);
      return () => void process.off('SIGINT', handler);
    },
  };
}

/** The process's environment without its streams: for callers that bring their own. */
function fallbackIO(): Omit<CliIO, 'stdout' | 'stderr'> {
  return { isTTY: false, env: process.env, cwd: process.cwd() };
}

/** Builds the program with every registered command; exported for the help text in docs and tests. */
export function buildProgram(ctx: CliContext): Command {
  const program = new Command('mtlc')
    .description('mtl: check, format, draw, build, train and run multi-task neural network models')
    .version(packageVersion(), '-V, --version', 'print the version')
    .option('--no-color', 'plain output without colours (also: NO_COLOR=1, or when not a terminal)')
    .helpOption('-h, --help', 'show help')
    .helpCommand('help [command]', 'show help for a command')
    .showSuggestionAfterError(true)
    .exitOverride()
    .configureOutput({
      writeOut: (text) => ctx.out(text),
      writeErr: (text) => ctx.err(text),
      // Commander says "error: unknown option '--frmat'"; we say it as every other mtlc error.
      outputError: (text, write) => write(`${text.replace(/^error: /, 'mtlc: ').trimEnd()}\n(run "mtlc --help" for usage)\n`),
    });
  for (const command of COMMANDS) command.register(program, ctx);
  for (const command of program.commands) {
    command.exitOverride().configureOutput(program.configureOutput()).showSuggestionAfterError(true);
  }
  return program;
}

export async function main(argv: string[], io: Partial<CliIO> = {}): Promise<number> {
  const { stdout, stderr } = io;
  const ctx = new CliContext(
    stdout !== undefined && stderr !== undefined ? { ...fallbackIO(), ...io, stdout, stderr } : { ...processIO(), ...io },
  );
  const program = buildProgram(ctx);
  try {
    if (argv.length === 0) {
      program.outputHelp({ error: true });
      return ExitCode.usage;
    }
    await program.parseAsync(argv, { from: 'user' });
    return ctx.exitCode;
  } catch (error) {
    if (error instanceof CommanderError) {
      // --help and --version end here too, with exit code 0.
      return error.exitCode === 0 ? Math.max(ctx.exitCode, ExitCode.ok) : ExitCode.usage;
    }
    if (error instanceof UsageError) {
      ctx.fail(error.message);
      return ExitCode.usage;
    }
    // A write that failed (a full disk, a read-only or missing folder, a file where a folder should be).
    if (isFileError(error)) {
      ctx.fail(`cannot write "${displayPath(ctx, error.path)}": ${describeError(error)}`);
      return ExitCode.usage;
    }
    const detail = error instanceof Error ? error.message : String(error);
    ctx.err(`mtlc: internal error: ${detail}\n(this is a bug in mtlc; set MTLC_DEBUG=1 for the stack trace)\n`);
    if (ctx.io.env['MTLC_DEBUG'] && error instanceof Error && error.stack) ctx.err(`${error.stack}\n`);
    return ExitCode.internal;
  }
}
