/**
 * What the model commands (build, summary, train) share: compile a .mtl file, show its
 * diagnostics as `mtlc check` does (on stderr, since stdout carries the command's own output),
 * and pick the one model to work on.
 */
import { InvalidArgumentError, type Command } from 'commander';
import type { CheckedModel, TaskNode } from '../compiler/ir.js';
import { compileFile, ExitCode, printDiagnostics, type CliContext, type CompiledFile } from './commands/command.js';
import { summaryLine } from './frame.js';

export interface ModelChoice {
  /** `--model NAME`, for a file that declares several models. */
  readonly model?: string;
}

/**
 * The checked model of `file`, or undefined after reporting why there is none: the file cannot be
 * read (exit 2), has errors (exit 1, every diagnostic shown), or the model to use is ambiguous (2).
 */
export function checkedModel(ctx: CliContext, file: string, choice: ModelChoice, command: Command): { model: CheckedModel; compiled: CompiledFile } | undefined {
  const c = ctx.colors(command);
  const compiled = compileFile(ctx, file);
  if (compiled === undefined) return undefined;
  const { errors, warnings } = printDiagnostics(compiled, c, (text) => ctx.err(text));
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

/** A task as the source writes it: `classify(3)`, `binary()`, `regress(1)`. */
export function taskLabel(task: Pick<TaskNode, 'kind' | 'units'>): string {
  return task.kind === 'binary' ? 'binary()' : `${task.kind}(${task.units})`;
}

/** A positive integer option (`--epochs 5`); commander calls this with the raw text. */
export function positiveInteger(value: string): number {
  const n = Number(value);
  if (!/^\d+$/.test(value.trim()) || !Number.isSafeInteger(n) || n < 1) {
    throw new InvalidArgumentError('expected a positive whole number.');
  }
  return n;
}
