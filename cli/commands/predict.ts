/**
 * `mtlc predict DIR --data FILE [--out FILE]`: a saved model's predictions, one record per data
 * row in file order (runtime/predictions.ts): JSONL or CSV, by `--out`'s extension or `--format`,
 * on stdout when there is no `--out`. An existing `--out` is replaced only with `--force`. The data
 * needs the model's inputs, not its labels.
 */
import * as path from 'node:path';
import { Option, type Command } from 'commander';
import { DATA_FORMATS, type DataFormat, formatOfExtension } from '../../compiler/index.js';
import { plural } from '../frame.js';
import { describeError } from '../host.js';
import { backendOption, type BackendChoice } from '../runtime-errors.js';
import { openWithData } from '../saved-model.js';
import { refuseToReplace, UsageError, writeOutputFile, type CliContext, type CommandModule } from './command.js';

interface PredictOptions {
  readonly data: string;
  readonly out?: string;
  readonly format?: DataFormat;
  readonly probabilities?: boolean;
  readonly force?: boolean;
  readonly backend?: BackendChoice;
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
      .option('--force', 'replace an existing --out file')
      .addOption(backendOption())
      .action(async (dir: string, options: PredictOptions, command: Command) => {
        const format = outputFormat(options);
        if (options.out !== undefined) refuseToReplace(path.resolve(ctx.io.cwd, options.out), options.out, options.force);
        const opened = await openWithData(ctx, dir, options, 'ignored', ctx.colors(command));
        if (opened === undefined) return;
        const { saved, bound } = opened;
        const { predict } = await import('../../runtime/train/index.js');
        const { predictionRecords, predictionsCsv, predictionsJsonl } = await import('../../runtime/model/index.js');
        const outputs = await predict(saved.model, saved.checked, bound.dataset);
        saved.model.dispose();
        const heads = saved.checked.heads;
        const records = predictionRecords(heads, outputs, bound.dataset.n, { probabilities: options.probabilities === true });
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

function outputFormat(options: PredictOptions): DataFormat {
  const format = options.format ?? (options.out === undefined ? 'jsonl' : formatOfExtension(options.out));
  if (format === undefined)
    throw new UsageError(`cannot tell the format of "${options.out}": name it .jsonl, .csv or .parquet, or pass --format`);
  if (format === 'parquet' && options.out === undefined) throw new UsageError('Parquet output needs a file: pass --out preds.parquet');
  return format;
}
