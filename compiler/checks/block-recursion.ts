/** A block is inlined where it is called, so no block may call itself, directly or through other blocks. */
import type { BlockDecl, Call } from '../ast.js';
import type { FileContext } from '../check-context.js';
import { diagnostic, Diagnostics } from '../diagnostics.js';

export function checkBlockRecursion({ file, report }: FileContext): void {
  const byName = new Map<string, BlockDecl>();
  for (const block of file.blocks) if (block.name.text !== '' && !byName.has(block.name.text)) byName.set(block.name.text, block);
  const calls = (block: BlockDecl): Call[] => (block.body?.steps ?? []).filter((c) => byName.has(c.callee.text));
  const done = new Set<string>();
  const reported = new Set<string>();
  const visit = (name: string, path: string[], via: Call[]): void => {
    const at = path.indexOf(name);
    if (at >= 0) {
      const cycle = path.slice(at);
      const key = [...cycle].sort().join(',');
      if (!reported.has(key)) {
        reported.add(key);
        report(diagnostic(Diagnostics.recursiveBlock, via[at]!.callee.span, [[...cycle, name].join(' -> ')]));
      }
      return;
    }
    if (done.has(name)) return;
    for (const call of calls(byName.get(name)!)) visit(call.callee.text, [...path, name], [...via, call]);
    done.add(name);
  };
  for (const name of byName.keys()) visit(name, [], []);
}
