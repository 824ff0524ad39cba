/** Binding the arguments of a call to a signature: positional first, then named (LANGUAGE.md §3 `args`). */
import type { Call } from './ast.js';
import { diagnostic, Diagnostics } from './diagnostics.js';
import type { ArgValue } from './ir.js';
import type { Signature } from './library/signature.js';
import { suggestName } from './synonyms.js';
import { coerce, evaluate, type Env, type Report, type Value } from './values.js';

/**
 * Matches the call's arguments to the signature's parameters and evaluates them. Reports unknown,
 * repeated, surplus and missing arguments; returns the values given, by parameter name.
 */
export function bindArguments(call: Call, sig: Signature, env: Env, report: Report): Map<string, Value> {
  const bound = new Map<string, Value>();
  const args = call.args ?? [];
  let seenNamed = false;
  let positional = 0;
  let surplus = 0;
  for (const arg of args) {
    const value = evaluate(arg.value, env, report, arg.span);
    if (arg.name === undefined) {
      if (seenNamed) {
        report(diagnostic(Diagnostics.positionalAfterNamed, arg.span, []));
        continue;
      }
      const param = sig.params[positional++];
      if (param === undefined) {
        if (surplus++ === 0) {
          const given = args.filter((a) => a.name === undefined).length;
          report(diagnostic(Diagnostics.tooManyArguments, arg.span, [sig.name, sig.params.length, given]));
        }
        continue;
      }
      bound.set(param.name, value);
      continue;
    }
    seenNamed = true;
    const name = arg.name.text;
    if (name === '') continue;
    const param = sig.params.find((p) => p.name === name);
    if (param === undefined) {
      report(
        diagnostic(
          Diagnostics.unknownArgument,
          arg.name.span,
          [sig.name, name],
          suggestName(
            arg.name.span,
            name,
            sig.params.map((p) => p.name),
          ),
        ),
      );
      continue;
    }
    if (bound.has(name)) {
      report(diagnostic(Diagnostics.duplicateArgument, arg.name.span, [name]));
      continue;
    }
    bound.set(name, value);
  }
  for (const param of sig.params) {
    if (param.default === undefined && !bound.has(param.name)) {
      report(diagnostic(Diagnostics.missingArgument, call.callee.span, [sig.name, param.name]));
    }
  }
  return bound;
}

/**
 * The scalar arguments of a call, with defaults filled in and each value checked against its type.
 * Returns undefined when any is missing or wrong (already reported). Parameters of kind `layers` or
 * `source` are left to the caller.
 */
export function scalarArguments(sig: Signature, bound: ReadonlyMap<string, Value>, report: Report): Record<string, ArgValue> | undefined {
  const result: Record<string, ArgValue> = {};
  let ok = true;
  for (const param of sig.params) {
    if (param.type.kind === 'layers' || param.type.kind === 'source') continue;
    const value = bound.get(param.name);
    if (value === undefined) {
      if (param.default === undefined) ok = false;
      else result[param.name] = param.default;
      continue;
    }
    const coerced = coerce(
      value,
      param.type,
      (expected, got) => diagnostic(Diagnostics.wrongArgumentType, value.span, [sig.name, param.name, expected, got]),
      report,
    );
    if (coerced === undefined) ok = false;
    else result[param.name] = coerced;
  }
  return ok ? result : undefined;
}

/** Binds and checks a call whose parameters are all scalar (layers, methods, options). */
export function checkCall(call: Call, sig: Signature, env: Env, report: Report): Record<string, ArgValue> | undefined {
  return scalarArguments(sig, bindArguments(call, sig, env, report), report);
}
