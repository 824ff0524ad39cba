/** The `train {}` section (LANGUAGE.md §4): optimizer, epochs, batch, validation, early stopping, seed, shuffle, select. */
import type { TrainDecl } from '../ast.js';
import { checkCall } from '../calls.js';
import { graphOf, sectionOf, type ModelContext } from '../check-context.js';
import { diagnostic, Diagnostics } from '../diagnostics.js';
import type { Metric, OptimizerSpec, TrainSpec } from '../ir.js';
import { METRICS, OPTIMIZERS } from '../library/methods.js';
import { TRAIN_DEFAULTS, TRAIN_OPTIONS } from '../library/options.js';
import { optionValue, readOptions, singleCall, wrongOption, type GivenOption } from '../options.js';
import { didYouMean } from '../suggest.js';
import { describeValue, EMPTY_ENV, type Report } from '../values.js';

export function checkTrain(ctx: ModelContext): void {
  const decl = sectionOf(ctx, 'Train', 'train');
  ctx.train = trainOf(
    decl,
    graphOf(ctx).heads.map((h) => h.decl.name.text),
    ctx.report,
  );
}

function trainOf(decl: TrainDecl | undefined, heads: readonly string[], report: Report): TrainSpec {
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
  if (validation) {
    const v = validation.value;
    if (v.kind === 'string') spec.validation = v.value;
    else
      spec.validation = (optionValue(validation, { kind: 'float', min: 0, max: 1, exclusiveMax: true }, report) as number | undefined) ?? 0;
  }
  const optimizer = options.get('optimizer');
  if (optimizer) spec.optimizer = checkOptimizer(optimizer, report) ?? spec.optimizer;
  const select = options.get('select');
  if (select) {
    const target = select.value.kind === 'string' ? select.value.value : undefined;
    const [head, metric] = target?.split('.') ?? [];
    if (target === undefined || head === undefined || metric === undefined) {
      wrongOption(select, 'a string "head.metric"', describeValue(select.value), report);
    } else if (!heads.includes(head)) {
      report(
        diagnostic(
          Diagnostics.wrongOptionValue,
          select.value.span,
          ['select', 'a "head.metric" naming a head', JSON.stringify(target)],
          didYouMean(select.value.span, head, heads),
        ),
      );
    } else if (metric !== 'loss' && !(METRICS as readonly string[]).includes(metric)) {
      report(
        diagnostic(Diagnostics.wrongOptionValue, select.value.span, [
          'select',
          `a metric (loss, ${METRICS.join(', ')})`,
          JSON.stringify(metric),
        ]),
      );
    } else {
      spec.select = { head, metric: metric as Metric | 'loss' };
    }
  }
  return spec;
}

function checkOptimizer(option: GivenOption, report: Report): OptimizerSpec | undefined {
  const call = singleCall(option.value);
  if (call === undefined) return wrongOption(option, 'an optimizer such as adam(lr: 0.001)', describeValue(option.value), report);
  const sig = OPTIMIZERS.get(call.callee.text);
  if (sig === undefined) {
    report(
      diagnostic(
        Diagnostics.unknownMethod,
        call.callee.span,
        ['optimizer', call.callee.text],
        didYouMean(call.callee.span, call.callee.text, OPTIMIZERS.keys()),
      ),
    );
    return undefined;
  }
  const args = checkCall(call, sig, EMPTY_ENV, report);
  return args ? ({ kind: sig.name, ...args } as unknown as OptimizerSpec) : undefined;
}
