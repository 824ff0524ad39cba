/** The `weighting` member (LANGUAGE.md §4): how the task weights λ evolve during training. */
import type { WeightingDecl } from '../ast.js';
import { checkCall } from '../calls.js';
import { sectionOf, type ModelContext } from '../check-context.js';
import type { WeightingSpec } from '../ir.js';
import { WEIGHTINGS } from '../library/methods.js';
import type { SemanticModel } from '../semantic.js';
import { reportUnknownMethod } from '../options.js';
import { EMPTY_ENV, type Report } from '../values.js';

export function checkWeighting(ctx: ModelContext): void {
  ctx.weighting = weightingOf(sectionOf(ctx, 'Weighting', 'weighting'), ctx.report, ctx.semantic);
}

function weightingOf(decl: WeightingDecl | undefined, report: Report, semantic: SemanticModel): WeightingSpec {
  const call = decl?.call;
  if (call === undefined || call.callee.text === '') return { method: 'fixed' };
  const name = call.callee.text;
  const sig = WEIGHTINGS.get(name);
  if (sig === undefined) {
    reportUnknownMethod('weighting method', call.callee, [...WEIGHTINGS.keys()], report);
    return { method: 'fixed' };
  }
  semantic.calls.push({ span: call.callee.span, callSpan: call.span, name, kind: 'weighting' });
  const args = checkCall(call, sig, EMPTY_ENV, report);
  return { method: name, ...(args ?? {}) } as WeightingSpec;
}
