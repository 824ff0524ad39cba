/**
 * The `weights {}` section (LANGUAGE.md §4): the λ_i of L = Σ λ_i L_i, one per head, 1.0 when left
 * out (with a warning when some heads are listed and others not), never negative; `search(…)` declares
 * the candidates that `mtlc tune` tries.
 */
import type { HeadDecl, WeightsDecl } from '../ast.js';
import { graphOf, sectionOf, type ModelContext } from '../check-context.js';
import { diagnostic, Diagnostics } from '../diagnostics.js';
import type { WeightSpec } from '../ir.js';
import { readOptions, singleCall, wrongOption } from '../options.js';
import type { SemanticModel } from '../semantic.js';
import { didYouMean } from '../suggest.js';
import { describeValue, EMPTY_ENV, evaluate, type Report, type Value } from '../values.js';

export function checkWeights(ctx: ModelContext): void {
  const decl = sectionOf(ctx, 'Weights', 'weights');
  ctx.weights = weightsOf(
    decl,
    graphOf(ctx).heads.map((h) => h.decl),
    ctx.report,
    ctx.semantic,
  );
}

function weightsOf(
  decl: WeightsDecl | undefined,
  heads: readonly HeadDecl[],
  report: Report,
  semantic: SemanticModel,
): Record<string, WeightSpec> {
  const names = heads.map((h) => h.name.text).filter((n) => n !== '');
  const weights: Record<string, WeightSpec> = {};
  if (decl !== undefined) {
    const known = [...names];
    // A head that a misspelt entry was probably meant for is not also warned about as left out.
    const misspelt = new Set<string>();
    for (const entry of decl.entries) {
      if (entry.name.text !== '' && !names.includes(entry.name.text)) {
        const fix = didYouMean(entry.name.span, entry.name.text, names);
        if (fix.suggestion) misspelt.add(fix.suggestion.newText);
        report(diagnostic(Diagnostics.unknownWeight, entry.name.span, [entry.name.text], fix));
      }
    }
    const options = readOptions(
      'weights',
      decl.entries.filter((e) => names.includes(e.name.text)),
      known,
      report,
    );
    for (const [name, option] of options) {
      const head = heads.find((h) => h.name.text === name);
      // This model's heads are the most recently declared symbols.
      if (head)
        semantic.references.push({
          span: option.entry.name.span,
          symbol: semantic.symbols.findLast((s) => s.kind === 'head' && s.nameSpan === head.name.span)!,
        });
      const spec = weightValue(name, option.value, report, () =>
        wrongOption(option, 'a number or search(…)', describeValue(option.value), report),
      );
      if (spec) weights[name] = spec;
    }
    if (options.size > 0) {
      for (const head of heads) {
        if (head.name.text !== '' && !options.has(head.name.text) && !misspelt.has(head.name.text))
          report(diagnostic(Diagnostics.unweightedHead, head.name.span, [head.name.text]));
      }
    }
  }
  for (const name of names) weights[name] ??= { kind: 'fixed', value: 1 };
  reportAllZero(decl, weights, names, report);
  return weights;
}

/** Every λ (or every candidate of every search) 0: the total loss is 0 and nothing trains. */
function reportAllZero(decl: WeightsDecl | undefined, weights: Record<string, WeightSpec>, names: readonly string[], report: Report): void {
  const zero = (spec: WeightSpec | undefined) =>
    spec !== undefined && (spec.kind === 'fixed' ? spec.value === 0 : spec.values.every((v) => v === 0));
  if (decl === undefined || names.length === 0 || !names.every((n) => zero(weights[n]))) return;
  const entries = decl.entries.filter((e) => names.includes(e.name.text) && e.value !== undefined);
  const [first, ...others] = entries;
  if (first === undefined) return;
  report(
    diagnostic(Diagnostics.allWeightsZero, first.value!.span, [], {
      related: others.map((e) => ({ span: e.value!.span, message: 'also 0' })),
    }),
  );
}

function weightValue(head: string, value: Value, report: Report, wrong: () => undefined): WeightSpec | undefined {
  if (value.kind === 'invalid') return undefined;
  if (value.kind === 'number') {
    if (value.value < 0) {
      report(diagnostic(Diagnostics.negativeWeight, value.span, [head]));
      return undefined;
    }
    return { kind: 'fixed', value: value.value };
  }
  const call = singleCall(value);
  if (call?.callee.text !== 'search') return wrong();
  const values = (call.args ?? []).map((arg) => evaluate(arg.value, EMPTY_ENV, report, arg.span));
  if (values.length === 0) {
    report(diagnostic(Diagnostics.badSearch, call.span, ['needs at least one candidate weight']));
    return undefined;
  }
  const bad = values.find((v) => v.kind !== 'number' || v.value < 0);
  if (bad !== undefined || call.args!.some((a) => a.name !== undefined)) {
    report(diagnostic(Diagnostics.badSearch, bad?.span ?? call.span, ['takes non-negative numbers only']));
    return undefined;
  }
  const candidates = values.map((v) => (v as { value: number }).value);
  if (new Set(candidates).size === 1) report(diagnostic(Diagnostics.singleCandidate, call.span, [candidates[0]!]));
  return { kind: 'search', values: candidates };
}
