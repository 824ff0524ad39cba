/** A model is a directed acyclic graph (LANGUAGE.md §4): no member reads itself, directly or through others. */
import { bareName, type Call, type Expr, type Pipeline } from '../ast.js';
import type { ModelContext } from '../check-context.js';
import { diagnostic, Diagnostics } from '../diagnostics.js';
import { memberScope } from '../elaborate.js';
import type { Span } from '../span.js';

export function checkCycles({ model, report }: ModelContext): void {
  const deps = new Map<string, { span: Span; reads: string[] }>();
  // Only the declaration a name resolves to takes part; later duplicates are reported on their own.
  const scope = memberScope(model);
  for (const m of model.members) {
    if ((m.kind === 'Trunk' || m.kind === 'Gate' || m.kind === 'Head') && scope.get(m.name.text) === m) {
      const reads: string[] = [];
      if (m.kind === 'Gate') {
        const source = m.call?.args?.find((a, i) => a.name?.text === 'source' || (i === 0 && a.name === undefined));
        collectExpr(source?.value, reads);
      } else if (m.pipeline) {
        collectPipeline(m.pipeline, reads);
      }
      deps.set(m.name.text, { span: m.name.span, reads });
    }
  }
  const state = new Map<string, 'visiting' | 'done'>();
  const reported = new Set<string>();
  const visit = (name: string, path: string[]): void => {
    const node = deps.get(name);
    if (node === undefined || state.get(name) === 'done') return;
    if (state.get(name) === 'visiting') {
      const cycle = [...path.slice(path.indexOf(name)), name];
      const key = [...new Set(cycle)].sort().join(',');
      if (!reported.has(key)) {
        reported.add(key);
        const first = cycle
          .slice(0, -1)
          .map((n) => deps.get(n)!)
          .sort((a, b) => a.span.start - b.span.start)[0]!;
        report(diagnostic(Diagnostics.cycle, first.span, [cycle.join(' -> ')]));
      }
      return;
    }
    state.set(name, 'visiting');
    for (const next of node.reads) visit(next, [...path, name]);
    state.set(name, 'done');
  };
  for (const name of deps.keys()) visit(name, []);
}

/** The member names a pipeline reads at its start, through concat/add parts. */
function collectPipeline(pipeline: Pipeline, out: string[]): void {
  const first: Call | undefined = pipeline.steps[0];
  if (first === undefined) return;
  if (first.args === undefined) out.push(first.callee.text);
  else for (const arg of first.args) collectExpr(arg.value, out);
}

function collectExpr(expr: Expr | undefined, out: string[]): void {
  if (expr?.kind !== 'Pipeline') return;
  const name = bareName(expr);
  if (name) out.push(name.text);
  else collectPipeline(expr, out);
}
