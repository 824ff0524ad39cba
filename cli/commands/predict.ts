/**
 * `mtlc predict DIR --data FILE [--out FILE]`: a saved model's predictions, one record per data
 * row in file order (runtime/predictions.ts): JSONL or CSV, by `--out`'s extension or `--format`,
 * on stdout when there is no `--out`. An existing `--out` is replaced only with `--force`. The data
 * needs the model's inputs, not its labels.
 */
import * as path from 'node:path';
import { InvalidArgumentError, Option, type Command } from 'commander';
import { DATA_FORMATS, type DataFormat, formatOfExtension, type HeadNode } from '../../compiler/index.js';
import type { BoundData } from '../../runtime/data/index.js';
import type { PredictionValue } from '../../runtime/model/index.js';
import { plural } from '../frame.js';
import { describeError } from '../host.js';
import { backendOption, type BackendChoice, reportRuntimeError } from '../runtime-errors.js';
import { openWithData } from '../saved-model.js';
import { refuseToReplace, UsageError, writeOutputFile, type CliContext, type CommandModule } from './command.js';

interface PredictOptions {
  readonly data: string;
  readonly out?: string;
  readonly format?: DataFormat;
  readonly probabilities?: boolean;
  readonly force?: boolean;
  readonly backend?: BackendChoice;
  /** `--keep id,name`: data columns copied into every record, before the predictions. */
  readonly keep?: readonly string[];
}

export const predictCommand: CommandModule = {
  name: 'predict',
  register(program: Command, ctx: CliContext): void {
    program
      .command('predict')
      .description('predict every row of a data file with a saved model')
      .argument('<dir>', 'a model directory (written by mtlc train)')
      .requiredOption('--data <file>', 'data to predict, CSV, JSONL or Parquet (labels are not needed)')
      .option('--out <file>', 'write to preds.jsonl, preds.csv or preds.parquet instead of stdout')
      .addOption(new Option('--format <format>', 'output format (default: from --out, else jsonl)').choices(DATA_FORMATS))
      .option('--probabilities', "add each class's probability for classify, binary, multilabel and tag heads")
      .option('--keep <columns>', 'copy these data columns (ids, inputs) into every record, e.g. --keep id,name', columnList)
      .option('--force', 'replace an existing --out file')
      .addOption(backendOption())
      .action(async (dir: string, options: PredictOptions, command: Command) => {
        const format = outputFormat(options);
        if (options.out !== undefined) refuseToReplace(path.resolve(ctx.io.cwd, options.out), options.out, options.force);
        const opened = await openWithData(ctx, dir, options, 'ignored', ctx.colors(command));
        if (opened === undefined) return;
        const { saved, bound } = opened;
        const kept = await keptColumns(ctx, options, saved.checked.heads, bound);
        if (kept === undefined) {
          saved.model.dispose();
          return;
        }
        const { predict } = await import('../../runtime/train/index.js');
        const { predictionRecords, predictionsCsv, predictionsJsonl } = await import('../../runtime/model/index.js');
        const outputs = await predict(saved.model, saved.checked, bound.dataset);
        saved.model.dispose();
        const heads = saved.checked.heads;
        const predicted = predictionRecords(heads, outputs, bound.dataset.n, { probabilities: options.probabilities === true });
        const records = kept.length === 0 ? predicted : predicted.map((record, i) => ({ ...kept[i], ...record }));
        if (format === 'parquet') {
          const { writeParquet } = await import('../../runtime/data/index.js');
          const target = path.resolve(ctx.io.cwd, options.out!);
          try {
            await writeParquet(target, Object.keys(records[0] ?? {}), records);
          } catch (error) {
            ctx.fail(`cannot write "${options.out}": ${describeError(error)}`);
            return;
          }
          ctx.err(`wrote ${plural(records.length, 'prediction')} to ${options.out}\n`);
          return;
        }
        const text = format === 'csv' ? predictionsCsv(heads, records) : predictionsJsonl(records);
        if (options.out === undefined) {
          ctx.out(text);
          return;
        }
        if (!(await writeOutputFile(ctx, path.resolve(ctx.io.cwd, options.out), options.out, text))) return;
        ctx.err(`wrote ${plural(records.length, 'prediction')} to ${options.out}\n`);
      });
  },
};

/** `--keep a,b`: the names, each once; commander calls this with the raw text. */
function columnList(value: string): string[] {
  const names = [...new Set(value.split(',').map((n) => n.trim()))];
  if (names.some((n) => n === '')) throw new InvalidArgumentError('expected column names separated by commas, such as id,name.');
  return names;
}

/**
 * The `--keep` columns of every row, as they are in the data (CSV text, JSON values; an absent
 * field is null); none without --keep, undefined after reporting a problem.
 */
async function keptColumns(
  ctx: CliContext,
  options: PredictOptions,
  heads: readonly HeadNode[],
  bound: BoundData,
): Promise<Record<string, PredictionValue>[] | undefined> {
  const names = options.keep ?? [];
  if (names.length === 0) return [];
  // A head's field, its probabilities, or a regress(n > 1) head's CSV column `<head>_k`.
  const fields = (head: HeadNode) => [
    head.name,
    `${head.name}_probabilities`,
    ...Array.from({ length: head.task.units }, (_, k) => `${head.name}_${k}`),
  ];
  const clash = names.find((name) => heads.some((h) => fields(h).includes(name)));
  if (clash !== undefined)
    throw new UsageError(`--keep ${clash}: the predictions have a field of that name; rename the column in the data`);
  if (bound.format === 'pack') throw new UsageError('--keep reads columns of the data file: a pack holds only what the model reads');
  const { readColumns } = await import('../../runtime/data/index.js');
  try {
    const rows = await readColumns(bound.file, bound.format, names);
    return rows.map((row) =>
      Object.fromEntries(Object.entries(row).map(([k, v]) => [k, typeof v === 'string' || typeof v === 'number' ? v : JSON.stringify(v)])),
    );
  } catch (error) {
    reportRuntimeError(ctx, error);
    return undefined;
  }
}

function outputFormat(options: PredictOptions): DataFormat {
  const format = options.format ?? (options.out === undefined ? 'jsonl' : formatOfExtension(options.out));
  if (format === undefined)
    throw new UsageError(`cannot tell the format of "${options.out}": name it .jsonl, .csv or .parquet, or pass --format`);
  if (format === 'parquet' && options.out === undefined) throw new UsageError('Parquet output needs a file: pass --out preds.parquet');
  return format;
}
