/**
 * Names are declared once (members within a model, blocks across a file and its imports, parameters
 * within a block): each later copy is one error, pointing at the first, as rustc reports a redefinition.
 */
import type { Name } from '../ast.js';
import type { FileContext } from '../check-context.js';
import { diagnostic, Diagnostics } from '../diagnostics.js';
import type { Report } from '../values.js';

export function checkDuplicates({ file, importedBlocks, report }: FileContext): void {
  reportCopies(
    'model',
    file.models.map((m) => m.name),
    report,
  );
  reportCopies(
    'block',
    file.blocks.map((b) => b.name),
    report,
  );
  for (const block of file.blocks) {
    const imported = importedBlocks.get(block.name.text);
    if (imported?.uri !== undefined) {
      report(
        diagnostic(Diagnostics.duplicateName, block.name.span, ['block', block.name.text], {
          related: [{ span: imported.decl.name.span, uri: imported.uri, message: 'also declared here' }],
        }),
      );
    }
    reportCopies(
      'parameter',
      block.params.map((p) => p.name),
      report,
    );
  }
  for (const model of file.models) {
    const names: Name[] = [];
    for (const member of model.members) {
      if (member.kind === 'Input' || member.kind === 'Trunk' || member.kind === 'Gate' || member.kind === 'Head') names.push(member.name);
    }
    reportCopies('name', names, report);
  }
}

function reportCopies(what: string, names: readonly Name[], report: Report): void {
  const byText = new Map<string, Name[]>();
  for (const name of names) {
    if (name.text === '') continue;
    byText.set(name.text, [...(byText.get(name.text) ?? []), name]);
  }
  for (const [first, ...again] of byText.values()) {
    for (const copy of again) {
      report(
        diagnostic(Diagnostics.duplicateName, copy.span, [what, copy.text], {
          related: [{ span: first!.span, message: 'first declared here' }],
        }),
      );
    }
  }
}
