/** A head's options (LANGUAGE.md §6): label, loss, metrics, classes and (regress) normalize, each fitted to its task layer. */
import type { HeadDecl } from '../ast.js';
import { checkCall } from '../calls.js';
import { graphOf, type ModelContext } from '../check-context.js';
import { diagnostic, Diagnostics } from '../diagnostics.js';
import type { LossSpec, Metric } from '../ir.js';
import { LOSSES } from '../library/methods.js';
import { HEAD_OPTIONS } from '../library/options.js';
import type { TaskSpec } from '../library/tasks.js';
import { optionValue, readOptions, reportUnknownMethod, singleCall, wrongOption } from '../options.js';
import type { SemanticModel } from '../semantic.js';
import { didYouMean } from '../suggest.js';
import { describeValue, EMPTY_ENV, type Report } from '../values.js';

interface HeadOptions {
  readonly label: string;
  readonly loss: LossSpec;
  readonly metrics: readonly Metric[];
  readonly classes?: readonly string[];
  readonly normalize?: boolean;
}

export function checkHeadOptions(ctx: ModelContext): void {
  ctx.heads = graphOf(ctx).heads.map((head) => {
    if (head.task === undefined) return undefined;
    const options = headOptions(head.decl, head.task.spec, head.task.units, ctx.report, ctx.semantic);
    if (head.flow === undefined || head.task.inShape === undefined || head.task.outShape === undefined) return undefined;
    const { spec, units, call } = head.task;
    return {
      name: head.decl.name.text,
      flow: head.flow,
      span: head.decl.span,
      task: {
        kind: spec.name,
        units,
        activation: spec.activation,
        inShape: head.task.inShape,
        outShape: head.task.outShape,
        span: call.span,
        ...options,
      },
    };
  });
}

function headOptions(head: HeadDecl, task: TaskSpec, units: number, report: Report, semantic: SemanticModel): HeadOptions {
  const options = readOptions('head', head.options, HEAD_OPTIONS, report);
  const result: { -readonly [K in keyof HeadOptions]: HeadOptions[K] } = {
    label: head.name.text,
    loss: { kind: task.defaultLoss } as LossSpec,
    metrics: task.defaultMetrics,
  };
  const label = options.get('label');
  const labelValue = label && optionValue(label, { kind: 'string' }, report);
  if (typeof labelValue === 'string') result.label = labelValue;

  const loss = options.get('loss');
  if (loss) {
    const call = singleCall(loss.value);
    const sig = call && LOSSES.get(call.callee.text);
    if (call === undefined) {
      wrongOption(loss, 'a loss such as mse or huber(1.0)', describeValue(loss.value), report);
    } else if (sig === undefined) {
      reportUnknownMethod('loss', call.callee, [...LOSSES.keys()], report, `a ${task.name} head takes ${task.losses.join(', ')}`);
    } else if (!(task.losses as readonly string[]).includes(sig.name)) {
      report(diagnostic(Diagnostics.wrongLoss, call.callee.span, [sig.name, task.name, task.losses.join(', ')]));
    } else {
      semantic.calls.push({ span: call.callee.span, callSpan: call.span, name: sig.name, kind: 'loss' });
      const args = checkCall(call, sig, EMPTY_ENV, report);
      if (args) result.loss = { kind: sig.name, ...args } as LossSpec;
    }
  }

  const metrics = options.get('metrics');
  if (metrics) {
    const items = metrics.value.kind === 'list' ? metrics.value.items : [metrics.value];
    const chosen: Metric[] = [];
    for (const item of items) {
      const name = item.kind === 'name' ? item.name : item.kind === 'string' ? item.value : undefined;
      if (name === undefined) {
        if (item.kind !== 'invalid') wrongOption(metrics, 'a list of metric names', describeValue(item), report);
      } else if (!(task.metrics as readonly string[]).includes(name)) {
        report(
          diagnostic(
            Diagnostics.wrongMetric,
            item.span,
            [name, task.name, task.metrics.join(', ')],
            didYouMean(item.span, name, task.metrics),
          ),
        );
      } else if (!chosen.includes(name as Metric)) {
        chosen.push(name as Metric);
      }
    }
    result.metrics = chosen;
  }

  const classes = options.get('classes');
  if (classes) {
    const items = classes.value.kind === 'list' ? classes.value.items : undefined;
    const names = items?.map((i) => (i.kind === 'string' ? i.value : undefined));
    // binary() takes two names too: the first is read as 0, the second as 1.
    const expected = task.name === 'binary' ? 2 : units;
    if (task.name !== 'classify' && task.name !== 'tag' && task.name !== 'binary') {
      wrongOption(classes, 'used with classify, binary or tag only', describeValue(classes.value), report);
    } else if (names === undefined || names.some((n) => n === undefined)) {
      wrongOption(classes, 'a list of strings', describeValue(classes.value), report);
    } else if (names.length !== expected) {
      report(diagnostic(Diagnostics.classCountMismatch, classes.value.span, [names.length, expected]));
    } else {
      result.classes = names as string[];
    }
  }
  const normalize = options.get('normalize');
  if (normalize) {
    if (task.name !== 'regress') wrongOption(normalize, 'used with regress only', describeValue(normalize.value), report);
    else {
      const value = optionValue(normalize, { kind: 'bool' }, report);
      if (typeof value === 'boolean') result.normalize = value;
    }
  }
  return result;
}
