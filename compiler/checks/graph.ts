/** The model's graph (LANGUAGE.md §4, §5): every pipeline's source resolved, blocks inlined and every shape inferred. */
import type { ModelContext } from '../check-context.js';
import { elaborateModel } from '../elaborate.js';

export function checkGraph(ctx: ModelContext): void {
  ctx.graph = elaborateModel(ctx.model, ctx.blocks, ctx.importFailed, ctx.report, ctx.semantic);
}
