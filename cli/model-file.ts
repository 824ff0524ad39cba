/**
 * What the model commands (build, summary, train, tune, relate) share: compile a .mtl file, show
 * its diagnostics as `mtlc check` does (on stderr, since stdout carries the command's own output),
 * pick the one model to work on, and find the data it trains on.
 */
import * as path from 'node:path';
import { InvalidArgumentError, type Command } from 'commander';
import type { CheckedModel } from '../compiler/index.js';
import { compileFile, ExitCode, printDiagnostics, UsageError, type CliContext, type CompiledFile } from './commands/command.js';
import { summaryLine } from './frame.js';

export interface ModelChoice {
  /** `--model NAME`, for a file that declares several models. */
  readonly model?: string;
}

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
  const { errors, warnings } = printDiagnostics(compiled, c, (text) => ctx.err(text), undefined, ctx.io.columns);
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
      `model "${checked.name}" in "${file}" names no ${noun}: pass --data FILE (CSV or JSONL), or add data { train: "…" } to the model`,
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
  return { train, validation };
}

/** A positive integer option (`--epochs 5`); commander calls this with the raw text. */
export function positiveInteger(value: string): number {
  const n = Number(value);
  if (!/^\d+$/.test(value.trim()) || !Number.isSafeInteger(n) || n < 1) {
    throw new InvalidArgumentError('expected a positive whole number.');
  }
  return n;
}
