/**
 * What the model commands (build, summary, train, tune, relate) share: compile a .mtl file, show
 * its diagnostics as `mtlc check` does (on stderr, since stdout carries the command's own output),
 * pick the one model to work on, and find the data it trains on.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { InvalidArgumentError, type Command } from 'commander';
import type { CheckedModel, Diagnostic } from '../compiler/index.js';
import {
  compileFile,
  displayPath,
  ExitCode,
  printDiagnostics,
  UsageError,
  type CliContext,
  type CompiledFile,
} from './commands/command.js';
import { describeError } from './host.js';
import { summaryLine } from './frame.js';

export interface ModelChoice {
  /** `--model NAME`, for a file that declares several models. */
  readonly model?: string;
  /**
   * `--validation FILE` (train, relate), or true where the command holds out its own rows (tune's
   * folds): the run has validation data that the file does not name.
   */
  readonly validation?: string | true;
}

/** MTL0904, "no validation data to watch": not so when --validation gives it. */
const SELECT_WITHOUT_VALIDATION = 'MTL0904';

/**
 * The checked model of `file`, or undefined after reporting why there is none: the file cannot be
 * read (exit 2), has errors (exit 1, every diagnostic shown), or the model to use is ambiguous (2).
 */
export function checkedModel(
  ctx: CliContext,
  file: string,
  choice: ModelChoice,
  command: Command,
): { model: CheckedModel; compiled: CompiledFile } | undefined {
  const c = ctx.colors(command);
  const compiled = compileFile(ctx, file);
  if (compiled === undefined) return undefined;
  const shown = (d: Diagnostic): boolean => !(d.code === SELECT_WITHOUT_VALIDATION && choice.validation !== undefined);
  const { errors, warnings } = printDiagnostics(compiled, c, (text) => ctx.err(text), shown, ctx.io.columns);
  if (errors > 0) {
    ctx.err(`${summaryLine(errors, warnings, 1, c)}\n`);
    ctx.report(ExitCode.problems);
    return undefined;
  }
  const models = compiled.result.models;
  const names = models.map((m) => m.name);
  const model = choice.model !== undefined ? models.find((m) => m.name === choice.model) : models.length === 1 ? models[0] : undefined;
  if (model === undefined) {
    if (choice.model !== undefined) ctx.fail(`"${file}" has no model "${choice.model}" (it has: ${names.join(', ') || 'none'})`);
    else if (models.length === 0) ctx.fail(`"${file}" declares no model`);
    else ctx.fail(`"${file}" declares ${models.length} models (${names.join(', ')}): choose one with --model`);
    return undefined;
  }
  return { model, compiled };
}

/** The training file and the validation (a file, or the fraction of the training rows) of a run. */
export interface DataSources {
  readonly train: string;
  readonly validation: string | number;
}

/**
 * Where a run's data comes from: `--data` and `--validation`, else the files a resumed run started
 * with, else the model's `data { … }` and `train { validation }`, relative to the .mtl file. A model
 * without data is refused, naming the data as `noun` ("data", "training data").
 */
export function dataSources(
  ctx: CliContext,
  file: string,
  checked: CheckedModel,
  flags: { readonly data?: string; readonly validation?: string },
  noun: string,
  resumed: Partial<DataSources> = {},
): DataSources {
  const cwd = ctx.io.cwd;
  const mtlDir = path.dirname(path.resolve(cwd, file));
  const train =
    flags.data !== undefined
      ? path.resolve(cwd, flags.data)
      : (resumed.train ?? (checked.data.train !== undefined ? path.resolve(mtlDir, checked.data.train) : undefined));
  if (train === undefined) {
    throw new UsageError(
      `model "${checked.name}" in "${file}" names no ${noun}: pass --data FILE (CSV, JSONL or Parquet), or add data { train: "…" } to the model`,
    );
  }
  const declared = checked.data.validation ?? (typeof checked.train.validation === 'string' ? checked.train.validation : undefined);
  const validation =
    flags.validation !== undefined
      ? path.resolve(cwd, flags.validation)
      : (resumed.validation ??
        (declared !== undefined
          ? path.resolve(mtlDir, declared)
          : typeof checked.train.validation === 'number'
            ? checked.train.validation
            : 0));
  refuseUnreadable(ctx, train);
  if (typeof validation === 'string') refuseUnreadable(ctx, validation);
  return { train, validation };
}

/** A data file that cannot be opened is bad usage (exit 2), found before TensorFlow.js starts. */
export function refuseUnreadable(ctx: CliContext, file: string): void {
  try {
    if (fs.statSync(file).isDirectory()) throw Object.assign(new Error(), { code: 'EISDIR' });
    fs.accessSync(file, fs.constants.R_OK);
  } catch (error) {
    throw new UsageError(`cannot read "${displayPath(ctx, file)}": ${describeError(error)}`);
  }
}

/** A positive integer option (`--epochs 5`); commander calls this with the raw text. */
export function positiveInteger(value: string): number {
  const n = Number(value);
  if (!/^\d+$/.test(value.trim()) || !Number.isSafeInteger(n) || n < 1) {
    throw new InvalidArgumentError('expected a positive whole number.');
  }
  return n;
}
