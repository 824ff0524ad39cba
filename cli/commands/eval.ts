/**
 * `mtlc eval DIR --data FILE`: a saved model's loss and metrics per task on labelled data, as a
 * table or (`--format json`) one JSON object. A head whose label the file lacks is reported with
 * no labelled rows; a file with no label for any head is an error. Exit 1 on bad data.
 */
import { Option, type Command } from 'commander';
import { metricsTable } from '../metrics-table.js';
import { describeTask } from '../../compiler/index.js';
import { backendOption, type BackendChoice } from '../runtime-errors.js';
import { openWithData } from '../saved-model.js';
import { displayPath, ExitCode, type CliContext, type CommandModule } from './command.js';

interface EvalOptions {
  readonly data: string;
  readonly format: 'text' | 'json';
  readonly backend?: BackendChoice;
}

/** What `mtlc eval --format json` prints. Metrics that had nothing to measure are null. */
export interface EvalReport {
  readonly model: string;
  readonly data: string;
  readonly rows: number;
  /** Σ λ_i · loss_i, with the λ of the last training epoch. */
  readonly loss: number | null;
  readonly heads: Readonly<
    Record<
      string,
      {
        readonly task: string;
        readonly labelled: number;
        readonly loss: number | null;
        readonly metrics: Readonly<Record<string, number | null>>;
      }
    >
  >;
}

const orNull = (v: number | undefined): number | null => (v === undefined || !Number.isFinite(v) ? null : v);

export const evalCommand: CommandModule = {
  name: 'eval',
  register(program: Command, ctx: CliContext): void {
    program
      .command('eval')
      .description('measure a saved model on labelled data, task by task')
      .argument('<dir>', 'a model directory (written by mtlc train)')
      .requiredOption('--data <file>', 'labelled data, CSV, JSONL or Parquet')
      .addOption(new Option('--format <format>', 'output format').choices(['text', 'json']).default('text'))
      .addOption(backendOption())
      .action(async (dir: string, options: EvalOptions, command: Command) => {
        const c = ctx.colors(command);
        const opened = await openWithData(ctx, dir, options, 'optional', c);
        if (opened === undefined) return;
        const { saved, bound } = opened;
        const { evaluate } = await import('../../runtime/train/index.js');
        const { fixedLambdas } = await import('../../runtime/train/index.js');
        const checked = saved.checked;
        const shown = displayPath(ctx, bound.file);
        const labelledHeads = checked.heads.filter((h) => (bound.dataset.labels[h.name]?.mask ?? []).some((m) => m !== 0));
        if (labelledHeads.length === 0) {
          saved.model.dispose();
          const labels = checked.heads.map((h) => `"${h.task.label}"`).join(', ');
          ctx.fail(
            `${shown} has no labels for any head of ${checked.name} (it reads ${labels}): eval needs labelled data; mtlc predict needs none`,
            ExitCode.problems,
          );
          return;
        }
        const epochs = saved.history?.epochs ?? [];
        const lambdas = epochs[epochs.length - 1]?.lambda ?? fixedLambdas(checked);
        const evaluation = await evaluate(saved.model, checked, bound.dataset, { lambdas });
        saved.model.dispose();
        if (options.format === 'json') {
          const report: EvalReport = {
            model: checked.name,
            data: shown,
            rows: bound.dataset.n,
            loss: orNull(evaluation.loss),
            heads: Object.fromEntries(
              checked.heads.map((h) => [
                h.name,
                {
                  task: describeTask(h.task),
                  labelled: evaluation.labelled[h.name] ?? 0,
                  loss: evaluation.labelled[h.name] ? orNull(evaluation.taskLoss[h.name]) : null,
                  metrics: Object.fromEntries(Object.entries(evaluation.metrics[h.name] ?? {}).map(([m, v]) => [m, orNull(v)])),
                },
              ]),
            ),
          };
          ctx.out(`${JSON.stringify(report, null, 2)}\n`);
          return;
        }
        ctx.out(`${checked.name} on ${shown} (${bound.dataset.n} rows)\n\n`);
        ctx.out(metricsTable(checked.heads, [{ title: 'value', evaluation }]));
      });
  },
};
