/**
 * Each block on its own (LANGUAGE.md §4): parameter types, defaults of the declared type, and a body
 * valid whatever flows in (what depends on the input shape is checked where the block is called).
 */
import type { BlockDecl } from '../ast.js';
import type { CheckContext, FileContext } from '../check-context.js';
import { diagnostic, Diagnostics } from '../diagnostics.js';
import { applyStages, blockSignature, LayerNamer } from '../stages.js';
import { coerce, EMPTY_ENV, evaluate, type Value } from '../values.js';

export function checkBlocks(ctx: FileContext): void {
  for (const block of ctx.file.blocks) checkBlock(block, ctx);
}

function checkBlock(block: BlockDecl, { blocks, importFailed, report, semantic }: CheckContext): void {
  const sig = blockSignature(block);
  const env = new Map<string, Value>();
  block.params.forEach((param, i) => {
    const type = sig.params[i]!.type;
    if (param.type.text !== '' && type.kind === 'layers') {
      report(diagnostic(Diagnostics.unknownParamType, param.type.span, [param.type.text]));
    }
    if (param.default !== undefined && type.kind !== 'layers') {
      const value = evaluate(param.default, EMPTY_ENV, report, param.span);
      coerce(
        value,
        type,
        (expected, got) => diagnostic(Diagnostics.wrongArgumentType, value.span, [block.name.text, param.name.text, expected, got]),
        report,
      );
    }
    // Inside the body a parameter's value is unknown: checks that need it happen at each call.
    env.set(param.name.text, { kind: 'invalid', span: param.name.span });
  });
  semantic.symbols.push({
    name: block.name.text,
    kind: 'block',
    nameSpan: block.name.span,
    span: block.span,
    detail: `block ${block.name.text}(${block.params.map((p) => `${p.name.text}: ${p.type.text}`).join(', ')})`,
  });
  if (block.body === undefined) return;
  applyStages(
    block.body.steps,
    undefined,
    env,
    block.name.text,
    {
      blocks,
      memberKinds: new Map(),
      importFailed,
      report,
      namer: new LayerNamer(),
      recordCall: (info) => semantic.calls.push(info),
    },
    [block.name.text],
  );
}
