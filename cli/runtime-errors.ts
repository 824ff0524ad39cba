/**
 * What the commands that run models (train, eval, predict, build) share: starting a TensorFlow.js
 * backend, turning the runtime's user errors into `mtlc:` lines with the right exit code, and
 * holding an output directory's lock.
 * Runtime errors are recognised by name, so this module loads nothing heavy.
 */
import { Option } from 'commander';
import { displayPath, ExitCode, type CliContext } from './commands/command.js';

export type BackendChoice = 'wasm' | 'cpu' | 'node';

/** `--backend NAME`, as every command that runs a model takes it. */
export function backendOption(): Option {
  return new Option('--backend <name>', 'TensorFlow.js backend (default: the fastest that loads)').choices(['wasm', 'cpu', 'node']);
}

export interface StartedBackend {
  /** As TensorFlow.js names it: `wasm`, `cpu`, `tensorflow` (tfjs-node). */
  readonly name: string;
  /** As the user reads it: `wasm`, or `cpu (node is not available here)`. */
  readonly label: string;
}

/** Makes the preferred backend (else the fastest that loads) current. */
export async function startBackend(preferred: BackendChoice | undefined): Promise<StartedBackend> {
  const { setupBackend } = await import('../runtime/backend/index.js');
  const name = await setupBackend(preferred);
  const shown = name === 'tensorflow' ? 'node' : name;
  const label = preferred !== undefined && shown !== preferred ? `${shown} (${preferred} is not available here)` : shown;
  return { name, label };
}

/** Errors of the runtime that are the user's to fix, by class name. */
const USER_ERRORS: Readonly<Record<string, number>> = {
  DataErrors: ExitCode.problems,
  DataError: ExitCode.problems,
  ModelDirError: ExitCode.usage,
  ResumeError: ExitCode.usage,
  TrainingDiverged: ExitCode.problems,
  OutputLocked: ExitCode.usage,
  WorkerError: ExitCode.problems,
  StoppedBeforeAnEpoch: ExitCode.interrupted,
};

/**
 * Reports a user error from the runtime as `mtlc: …` lines, with data files shown relative to the
 * working directory; anything else is a bug and is thrown on.
 */
export function reportRuntimeError(ctx: CliContext, error: unknown): void {
  if (!(error instanceof Error) || USER_ERRORS[error.name] === undefined) throw error;
  let message = error.message;
  const fields = error as Error & { problems?: ReadonlyArray<{ file: string }>; file?: string };
  const files = new Set([...(fields.problems ?? []).map((p) => p.file), ...(fields.file !== undefined ? [fields.file] : [])]);
  for (const file of files) message = message.split(file).join(displayPath(ctx, file));
  ctx.fail(message, USER_ERRORS[error.name]);
}

/**
 * Runs `work` holding the output directory's lock (runtime/files: `.mtlc.lock`), so two runs never
 * write one directory; a lock another run holds is reported like any runtime error, and nothing runs.
 */
export async function whileLocked(ctx: CliContext, dir: string, work: () => Promise<void>): Promise<void> {
  const { lockDirectory } = await import('../runtime/files/index.js');
  let unlock: () => Promise<void>;
  try {
    unlock = await lockDirectory(dir);
  } catch (error) {
    reportRuntimeError(ctx, error);
    return;
  }
  try {
    await work();
  } finally {
    await unlock();
  }
}
