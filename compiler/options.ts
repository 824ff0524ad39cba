/** Option lists (`option = ID ":" expr`): unknown and repeated names, and typed values. */
import type { Call, Name, OptionEntry } from './ast.js';
import { diagnostic, Diagnostics } from './diagnostics.js';
import type { ArgValue } from './ir.js';
import type { ArgType } from './library/signature.js';
import { suggestName } from './synonyms.js';
import { coerce, EMPTY_ENV, evaluate, type Report, type Value } from './values.js';

export interface GivenOption {
  readonly entry: OptionEntry;
  readonly value: Value;
}

/** The options of one section by name; unknown and repeated ones are reported and left out. */
export function readOptions(
  section: string,
  entries: readonly OptionEntry[],
  known: readonly string[],
  report: Report,
): Map<string, GivenOption> {
  const options = new Map<string, GivenOption>();
  for (const entry of entries) {
    const name = entry.name.text;
    if (name === '') continue;
    if (!known.includes(name)) {
      report(diagnostic(Diagnostics.unknownOption, entry.name.span, [section, name], suggestName(entry.name.span, name, known)));
      continue;
    }
    if (options.has(name)) {
      report(
        diagnostic(Diagnostics.duplicateOption, entry.name.span, [name], {
          related: [{ span: options.get(name)!.entry.name.span, message: 'first given here' }],
        }),
      );
      continue;
    }
    options.set(name, { entry, value: evaluate(entry.value, EMPTY_ENV, report, entry.span) });
  }
  return options;
}

/** A scalar option's value checked against its type; undefined after reporting. */
export function optionValue(option: GivenOption, type: ArgType, report: Report): ArgValue | undefined {
  return coerce(
    option.value,
    type,
    (expected, got) => diagnostic(Diagnostics.wrongOptionValue, option.value.span, [option.entry.name.text, expected, got]),
    report,
  );
}

export function wrongOption(option: GivenOption, expected: string, got: string, report: Report): undefined {
  report(diagnostic(Diagnostics.wrongOptionValue, option.value.span, [option.entry.name.text, expected, got]));
  return undefined;
}

/** The call an option names: `adam(lr: 0.01)`, or a bare `adam` taken as a call without arguments. */
export function singleCall(value: Value): Call | undefined {
  if (value.kind !== 'pipeline' && value.kind !== 'name') return undefined;
  return value.pipeline.steps.length === 1 ? value.pipeline.steps[0] : undefined;
}

/**
 * An unknown method (`optimizer: adma`, `loss: crossentropy`) at its name: did you mean the closest
 * of `candidates`, else `listing`, which says what would fit (by default every candidate).
 */
export function reportUnknownMethod(
  what: string,
  callee: Name,
  candidates: readonly string[],
  report: Report,
  listing = `the ${what} is one of ${candidates.join(', ')}`,
): void {
  const fix = suggestName(callee.span, callee.text, candidates);
  report(diagnostic(Diagnostics.unknownMethod, callee.span, [what, callee.text], { ...fix, hint: fix.hint ?? listing }));
}
