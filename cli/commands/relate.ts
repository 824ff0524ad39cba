/**
 * `mtlc relate FILE [--data F] [--epochs n] [--format text|json] [--report OUT.html]`: how related
 * a model's tasks are. From the labels: the seed tutorial's R_ij = (1/N) Σ_k I(y_ik = y_jk) and
 * Pearson's r, over the rows labelled for both tasks (runtime/experiments/labels.ts, which states
 * when each is defined). From training: the cosine between the tasks' gradients on the shared
 * parameters and the share of steps where they conflict, measured over the first epoch (or
 * --epochs) of a fresh training run (runtime/experiments/gradients.ts). `--report` also writes the
 * HTML report of that run, heatmaps included.
 */
import * as path from 'node:path';
import { Option, type Command } from 'commander';
import type { CheckedModel } from '../../compiler/index.js';
import type { Dataset, TrainingData } from '../../runtime/data/index.js';
import type { GradientRelations, LabelRelations, PairValue } from '../../runtime/experiments/index.js';
import { plural } from '../frame.js';
import { formatMatrix } from '../matrix.js';
import { checkedModel, dataSources, positiveInteger } from '../model-file.js';
import { backendOption, type BackendChoice, reportRuntimeError, startBackend } from '../runtime-errors.js';
import { displayPath, ExitCode, type CliContext, type CommandModule } from './command.js';

interface RelateOptions {
  readonly data?: string;
  readonly validation?: string;
  readonly epochs: number;
  readonly format: 'text' | 'json';
  readonly report?: string;
  readonly backend?: BackendChoice;
  readonly model?: string;
}

export const relateCommand: CommandModule = {
  name: 'relate',
  register(program: Command, ctx: CliContext): void {
    program
      .command('relate')
      .description('measure how related the tasks are: label agreement and correlation, gradient cosine')
      .argument('<file>', 'the .mtl file')
      .option('--data <file>', "the data, CSV, JSONL or Parquet (default: the model's data { train })")
      .option('--validation <file>', "validation data for the report's curves (default: as mtlc train)")
      .option('--epochs <n>', 'epochs to train while measuring gradients', positiveInteger, 1)
      .addOption(new Option('--format <format>', 'output format').choices(['text', 'json']).default('text'))
      .option('--report <file>', 'also write the HTML report of the measuring run')
      .addOption(backendOption())
      .option('--model <name>', 'the model to use, when the file declares several')
      .action(async (file: string, options: RelateOptions, command: Command) => {
        const chosen = checkedModel(ctx, file, options, command);
        if (chosen === undefined) return;
        await relate(ctx, file, chosen.model, options);
      });
  },
};

/** The label columns of both splits, one after the other: relatedness counts every labelled row. */
function allLabels(train: Dataset, validation: Dataset | undefined): Dataset {
  if (validation === undefined) return train;
  const labels = Object.fromEntries(
    Object.entries(train.labels).map(([name, l]) => {
      const other = validation.labels[name]!;
      const values = new Float32Array(l.values.length + other.values.length);
      values.set(l.values);
      values.set(other.values, l.values.length);
      const mask = new Uint8Array(l.mask.length + other.mask.length);
      mask.set(l.mask);
      mask.set(other.mask, l.mask.length);
      return [name, { values, mask }];
    }),
  );
  return { n: train.n + validation.n, inputs: {}, labels };
}

async function relate(ctx: CliContext, file: string, checked: CheckedModel, options: RelateOptions): Promise<void> {
  const sources = dataSources(ctx, file, checked, options, 'data');
  await startBackend(options.backend);
  const { prepareTrainingData } = await import('../../runtime/data/index.js');
  const { labelRelations } = await import('../../runtime/experiments/index.js');
  const { relateGradients } = await import('../../runtime/experiments/index.js');
  const { lowerModel } = await import('../../runtime/model/index.js');
  let data: TrainingData;
  try {
    data = await prepareTrainingData(checked, {
      ...sources,
      ...(checked.data.format !== undefined ? { format: checked.data.format } : {}),
    });
  } catch (error) {
    reportRuntimeError(ctx, error);
    return;
  }
  const relations = labelRelations(checked, allLabels(data.train, data.validation));
  const model = lowerModel(checked);
  let run: Awaited<ReturnType<typeof relateGradients>>;
  try {
    run = await relateGradients(
      model,
      checked,
      { train: data.train, ...(data.validation !== undefined ? { validation: data.validation } : {}) },
      { epochs: options.epochs },
    );
  } finally {
    model.dispose();
  }
  const rows = data.train.n + (data.validation?.n ?? 0);
  if (options.format === 'json') {
    ctx.out(
      `${JSON.stringify(relateJson(checked, displayPath(ctx, data.files.train), rows, relations, run.gradients, options.epochs), null, 2)}\n`,
    );
  } else {
    ctx.out(relateText(checked, displayPath(ctx, data.files.train), rows, relations, run.gradients, options.epochs));
  }
  if (options.report !== undefined) {
    const { writeReport } = await import('../../runtime/report/index.js');
    const target = path.resolve(ctx.io.cwd, options.report);
    await writeReport(target, {
      checked,
      history: run.history,
      relations,
      gradients: run.gradients,
      source: file,
      command: `mtlc relate ${file}${options.data !== undefined ? ` --data ${options.data}` : ''}${options.epochs !== 1 ? ` --epochs ${options.epochs}` : ''}`,
    });
    ctx.err(`wrote the report to ${displayPath(ctx, target)}\n`);
  }
  ctx.report(ExitCode.ok);
}

/** The reasons for empty cells above the diagonal, one line each. */
function notes(tasks: readonly string[], matrix: readonly (readonly PairValue[])[]): string {
  const lines: string[] = [];
  matrix.forEach((row, i) =>
    row.forEach((c, j) => {
      if (j > i && c.value === undefined && c.note !== undefined) lines.push(`  ${tasks[i]} × ${tasks[j]}: ${c.note}\n`);
    }),
  );
  return lines.join('');
}

function relateText(
  checked: CheckedModel,
  data: string,
  rows: number,
  relations: LabelRelations,
  gradients: GradientRelations,
  epochs: number,
): string {
  const tasks = relations.tasks;
  const out: string[] = [`model ${checked.name}: ${tasks.length} tasks, ${rows} rows of ${data}\n\n`];
  out.push('label agreement R_ij = (1/N) Σ_k I(y_ik = y_jk), over the N rows labelled for both tasks\n');
  out.push(formatMatrix(tasks, relations.agreement), notes(tasks, relations.agreement), '\n');
  out.push('label correlation (Pearson r)\n');
  out.push(formatMatrix(tasks, relations.correlation), notes(tasks, relations.correlation), '\n');
  const over = `${plural(gradients.steps, 'step')} of ${plural(epochs, 'epoch')}`;
  if (gradients.sharedParameters === 0) {
    out.push('gradient cosine: undefined, the heads share no parameters\n');
    return out.join('');
  }
  out.push(`gradient cosine on the ${gradients.sharedParameters.toLocaleString('en-US')} shared parameters (mean over ${over})\n`);
  out.push(formatMatrix(tasks, gradients.cosine), notes(tasks, gradients.cosine), '\n');
  out.push('share of steps with g_i·g_j < 0\n');
  out.push(formatMatrix(tasks, gradients.conflict));
  return out.join('');
}

function jsonMatrix(matrix: readonly (readonly PairValue[])[]): {
  values: (number | null)[][];
  rows: number[][];
  notes: (string | null)[][];
} {
  return {
    values: matrix.map((row) => row.map((c) => c.value ?? null)),
    rows: matrix.map((row) => row.map((c) => c.rows)),
    notes: matrix.map((row) => row.map((c) => c.note ?? null)),
  };
}

function relateJson(
  checked: CheckedModel,
  data: string,
  rows: number,
  relations: LabelRelations,
  gradients: GradientRelations,
  epochs: number,
): unknown {
  return {
    model: checked.name,
    data,
    rows,
    tasks: relations.tasks,
    agreement: jsonMatrix(relations.agreement),
    correlation: jsonMatrix(relations.correlation),
    gradients: {
      epochs,
      steps: gradients.steps,
      sharedParameters: gradients.sharedParameters,
      cosine: jsonMatrix(gradients.cosine),
      conflict: jsonMatrix(gradients.conflict),
      perEpochCosine: gradients.perEpoch.map((m) => m.map((row) => row.map((v) => v ?? null))),
    },
  };
}
