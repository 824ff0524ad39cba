/** A model learns one task per head, so it declares at least one head. */
import { graphOf, type ModelContext } from '../check-context.js';
import { diagnostic, Diagnostics } from '../diagnostics.js';

export function checkHeads(ctx: ModelContext): void {
  const { model } = ctx;
  if (graphOf(ctx).heads.length === 0 && model.name.text !== '')
    ctx.report(diagnostic(Diagnostics.noHeads, model.name.span, [model.name.text]));
}
