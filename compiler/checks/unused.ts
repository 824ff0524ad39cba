/** Warnings for parts no head uses (inputs, trunks, gates) and for gates that only one head reads. */
import { graphOf, type ModelContext } from '../check-context.js';
import { diagnostic, Diagnostics } from '../diagnostics.js';

const WHAT = { Input: 'input', Trunk: 'trunk', Gate: 'gate' } as const;

export function checkUnused(ctx: ModelContext): void {
  // Unused parts are only worth a warning once the graph itself is sound: a broken pipeline reads nothing.
  if (ctx.reported.some((d) => d.severity === 'error')) return;
  const model = graphOf(ctx);
  const report = ctx.report;
  const used = new Set<string>();
  const visit = (name: string): void => {
    if (used.has(name)) return;
    used.add(name);
    for (const next of model.reads.get(name) ?? []) visit(next);
  };
  for (const head of model.heads) visit(head.decl.name.text);
  for (const [name, member] of model.scope) {
    if (member.kind !== 'Head' && !used.has(name))
      report(diagnostic(Diagnostics.unusedDeclaration, member.name.span, [WHAT[member.kind], name]));
  }
  for (const gate of model.gates.values()) {
    if (gate.readers.length === 1)
      report(diagnostic(Diagnostics.gateWithOneReader, gate.decl.name.span, [gate.decl.name.text, gate.readers[0]!]));
  }
}
