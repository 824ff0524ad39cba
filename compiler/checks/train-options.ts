/** The `train {}` section (LANGUAGE.md §4): optimizer, epochs, batch, validation, early stopping, seed, shuffle, select. */
import type { TrainDecl } from '../ast.js';
import { checkCall } from '../calls.js';
import { graphOf, sectionOf, type ModelContext } from '../check-context.js';
import { diagnostic, Diagnostics } from '../diagnostics.js';
import type { Metric, OptimizerSpec, TrainSpec } from '../ir.js';
import { METRICS, OPTIMIZERS } from '../library/methods.js';
import { TRAIN_DEFAULTS, TRAIN_OPTIONS } from '../library/options.js';
import { optionValue, readOptions, reportUnknownMethod, singleCall, wrongOption, type GivenOption } from '../options.js';
import type { TaskSpec } from '../library/tasks.js';
import { didYouMean } from '../suggest.js';
import { describeValue, EMPTY_ENV, type Report } from '../values.js';

export function checkTrain(ctx: ModelContext): void {
  const decl = sectionOf(ctx, 'Train', 'train');
  const heads = new Map(graphOf(ctx).heads.map((h) => [h.decl.name.text, h.task?.spec]));
  ctx.train = trainOf(decl, heads, ctx.data?.validation !== undefined, ctx.report);
}

/** `heads`: each head's task layer, undefined where it did not check. */
function trainOf(
  decl: TrainDecl | undefined,
  heads: ReadonlyMap<string, TaskSpec | undefined>,
  validationFile: boolean,
  report: Report,
): TrainSpec {
  if (decl === undefined) return TRAIN_DEFAULTS;
  const options = readOptions('train', decl.options, TRAIN_OPTIONS, report);
  const spec: { -readonly [K in keyof TrainSpec]: TrainSpec[K] } = { ...TRAIN_DEFAULTS };
  const int = (name: 'epochs' | 'batch' | 'early_stop' | 'seed', min: number) => {
    const option = options.get(name);
    return option ? (optionValue(option, { kind: 'int', min }, report) as number | undefined) : undefined;
  };
  spec.epochs = int('epochs', 1) ?? spec.epochs;
  spec.batch = int('batch', 1) ?? spec.batch;
  spec.seed = int('seed', 0) ?? spec.seed;
  const earlyStop = int('early_stop', 1);
  if (earlyStop !== undefined) spec.earlyStop = earlyStop;
  const shuffle = options.get('shuffle');
  if (shuffle) spec.shuffle = (optionValue(shuffle, { kind: 'bool' }, report) as boolean | undefined) ?? spec.shuffle;
  const validation = options.get('validation');
  // A wrong validation value is its own error, not also a selection without validation data.
  let validationWrong = false;
  if (validation) {
    const v = validation.value;
    if (v.kind === 'string') spec.validation = v.value;
    else {
      const fraction = optionValue(validation, { kind: 'float', min: 0, max: 1, exclusiveMax: true }, report) as number | undefined;
      validationWrong = fraction === undefined;
      spec.validation = fraction ?? 0;
    }
  }
  const optimizer = options.get('optimizer');
  if (optimizer) spec.optimizer = checkOptimizer(optimizer, report) ?? spec.optimizer;
  const select = options.get('select');
  if (select) {
    const chosen = checkSelect(select, heads, report);
    if (chosen !== undefined) spec.select = chosen;
  }
  if (spec.validation === 0 && !validationFile && !validationWrong) {
    // What a run without validation rows does instead (runtime/train/best-epoch.ts).
    const without = [
      [spec.select && select, 'nothing will be selected, and the model keeps its last epoch'],
      [spec.earlyStop !== undefined && options.get('early_stop'), 'it watches the training loss instead'],
    ] as const;
    for (const [option, instead] of without) {
      if (option)
        report(
          diagnostic(Diagnostics.selectWithoutValidation, option.entry.name.span, [option.entry.name.text, instead], {
            hint: 'hold out validation rows: validation: 0.2 in train { }, or data { validation: "FILE" }',
          }),
        );
    }
  }
  return spec;
}

/** `select: "head.metric"`: a head of the model and a metric of its task (or its loss). */
function checkSelect(
  select: GivenOption,
  heads: ReadonlyMap<string, TaskSpec | undefined>,
  report: Report,
): TrainSpec['select'] | undefined {
  const value = select.value;
  const target = value.kind === 'string' ? value.value : undefined;
  const [head, metric] = target?.split('.') ?? [];
  if (target === undefined || head === undefined || metric === undefined) {
    return wrongOption(select, 'a string "head.metric"', describeValue(value), report);
  }
  if (!heads.has(head)) {
    report(
      diagnostic(
        Diagnostics.wrongOptionValue,
        value.span,
        ['select', 'a "head.metric" naming a head', JSON.stringify(target)],
        didYouMean(value.span, head, heads.keys()),
      ),
    );
    return undefined;
  }
  if (metric !== 'loss' && !(METRICS as readonly string[]).includes(metric)) {
    report(
      diagnostic(Diagnostics.wrongOptionValue, value.span, ['select', `a metric (loss, ${METRICS.join(', ')})`, JSON.stringify(metric)]),
    );
    return undefined;
  }
  const task = heads.get(head);
  if (task === undefined) return undefined;
  if (metric !== 'loss' && !(task.metrics as readonly string[]).includes(metric)) {
    // The metric's own characters inside the string: past the opening quote, the head and the dot.
    const start = value.span.start + 1 + head.length + 1;
    const span = { start, end: start + metric.length };
    report(diagnostic(Diagnostics.wrongMetric, span, [metric, task.name, task.metrics.join(', ')]));
    return undefined;
  }
  return { head, metric: metric as Metric | 'loss' };
}

function checkOptimizer(option: GivenOption, report: Report): OptimizerSpec | undefined {
  const call = singleCall(option.value);
  if (call === undefined) return wrongOption(option, 'an optimizer such as adam(lr: 0.001)', describeValue(option.value), report);
  const sig = OPTIMIZERS.get(call.callee.text);
  if (sig === undefined) {
    reportUnknownMethod('optimizer', call.callee, [...OPTIMIZERS.keys()], report);
    return undefined;
  }
  const args = checkCall(call, sig, EMPTY_ENV, report);
  return args ? ({ kind: sig.name, ...args } as unknown as OptimizerSpec) : undefined;
}
