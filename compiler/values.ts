/** Evaluating argument expressions to values, and checking values against parameter types. */
import { type Expr, type Pipeline, bareName } from './ast.js';
import { diagnostic, Diagnostics, type Diagnostic } from './diagnostics.js';
import type { ArgValue } from './ir.js';
import { describeType, type ArgType } from './library/signature.js';
import type { Span } from './span.js';
import { didYouMean } from './suggest.js';

export type Report = (d: Diagnostic) => void;

export type Value =
  | { readonly kind: 'number'; readonly value: number; readonly isInteger: boolean; readonly span: Span }
  | { readonly kind: 'string'; readonly value: string; readonly span: Span }
  | { readonly kind: 'bool'; readonly value: boolean; readonly span: Span }
  | { readonly kind: 'list'; readonly items: readonly Value[]; readonly span: Span }
  /** A bare identifier not bound in the environment: an activation, a metric, a reference. */
  | { readonly kind: 'name'; readonly name: string; readonly pipeline: Pipeline; readonly span: Span }
  /** A call or a chain of calls, meaningful only where the context expects one. */
  | { readonly kind: 'pipeline'; readonly pipeline: Pipeline; readonly env: Env; readonly span: Span }
  /** Something already reported, or missing after a syntax error: checked no further. */
  | { readonly kind: 'invalid'; readonly span: Span };

/** Block parameters bound to values while a block is inlined. */
export type Env = ReadonlyMap<string, Value>;
export const EMPTY_ENV: Env = new Map();

export function evaluate(expr: Expr | undefined, env: Env, report: Report, at: Span): Value {
  if (expr === undefined) return { kind: 'invalid', span: at };
  switch (expr.kind) {
    case 'Number':
      return inRange({ kind: 'number', value: expr.value, isInteger: expr.isInteger, span: expr.span }, report, expr.raw);
    case 'String':
      return { kind: 'string', value: expr.value, span: expr.span };
    case 'Bool':
      return { kind: 'bool', value: expr.value, span: expr.span };
    case 'List':
      return { kind: 'list', items: expr.items.map((item) => evaluate(item, env, report, item.span)), span: expr.span };
    case 'Paren': {
      const inner = evaluate(expr.inner, env, report, expr.span);
      return { ...inner, span: expr.span };
    }
    case 'Negate': {
      const operand = evaluate(expr.operand, env, report, expr.span);
      if (operand.kind === 'number') return { ...operand, value: -operand.value, span: expr.span };
      if (operand.kind !== 'invalid') report(diagnostic(Diagnostics.notANumber, expr.span, ['-']));
      return { kind: 'invalid', span: expr.span };
    }
    case 'Binary':
      return evaluateBinary(
        expr.op,
        evaluate(expr.left, env, report, expr.span),
        evaluate(expr.right, env, report, expr.span),
        expr.span,
        report,
      );
    case 'Pipeline': {
      const name = bareName(expr);
      if (name !== undefined) {
        const bound = env.get(name.text);
        // A parameter keeps the span of the value at the call site: errors about it point there.
        if (bound !== undefined) return bound;
        return { kind: 'name', name: name.text, pipeline: expr, span: expr.span };
      }
      return { kind: 'pipeline', pipeline: expr, env, span: expr.span };
    }
  }
}

function evaluateBinary(op: '+' | '-' | '*' | '/', left: Value, right: Value, span: Span, report: Report): Value {
  const isNumeric = (v: Value) => v.kind === 'number' || v.kind === 'invalid';
  if (!isNumeric(left) || !isNumeric(right)) {
    report(diagnostic(Diagnostics.notANumber, span, [op]));
    return { kind: 'invalid', span };
  }
  // Before the check for unknown operands: `u / 0` in a block's body divides by zero whatever `u` is.
  if (op === '/' && right.kind === 'number' && right.value === 0) {
    report(diagnostic(Diagnostics.divisionByZero, span, []));
    return { kind: 'invalid', span };
  }
  if (left.kind !== 'number' || right.kind !== 'number') return { kind: 'invalid', span };
  const value =
    op === '+'
      ? left.value + right.value
      : op === '-'
        ? left.value - right.value
        : op === '*'
          ? left.value * right.value
          : left.value / right.value;
  const isInteger = op === '/' ? Number.isInteger(value) && left.isInteger && right.isInteger : left.isInteger && right.isInteger;
  return inRange({ kind: 'number', value, isInteger, span }, report);
}

/** The largest finite float32. */
const FLOAT32_MAX = 3.4028234663852886e38;

/** A number as it is, when float32 holds it (rounded); reported and invalid when it would be infinite there. */
function inRange(value: Extract<Value, { kind: 'number' }>, report: Report, raw = 'the result'): Value {
  if (Math.abs(value.value) <= FLOAT32_MAX) return value;
  report(diagnostic(Diagnostics.numberOutOfRange, value.span, [raw]));
  return { kind: 'invalid', span: value.span };
}

/** How a value reads in a message: `0.5`, `"abc"`, `relu`, `a list`. */
export function describeValue(value: Value): string {
  switch (value.kind) {
    case 'number':
      return String(value.value);
    case 'string':
      return JSON.stringify(value.value);
    case 'bool':
      return String(value.value);
    case 'list':
      return 'a list';
    case 'name':
      return value.name;
    case 'pipeline':
      return 'a call';
    case 'invalid':
      return 'an invalid value';
  }
}

/**
 * Checks a value against a scalar parameter type and returns it as a plain value, or undefined after
 * reporting. `layers` and `source` types are not scalar: the caller elaborates those.
 */
export function coerce(
  value: Value,
  type: ArgType,
  wrongType: (expected: string, got: string) => Diagnostic,
  report: Report,
): ArgValue | undefined {
  if (value.kind === 'invalid') return undefined;
  const fail = (): undefined => {
    report(wrongType(describeType(type), describeValue(value)));
    return undefined;
  };
  switch (type.kind) {
    case 'int':
    case 'float': {
      if (value.kind !== 'number') return fail();
      const v = value.value;
      if (type.kind === 'int' && !Number.isInteger(v)) return fail();
      const exclusiveMin = type.kind === 'float' && type.exclusiveMin;
      const exclusiveMax = type.kind === 'float' && type.exclusiveMax;
      if (type.min !== undefined && (exclusiveMin ? v <= type.min : v < type.min)) return fail();
      if (type.max !== undefined && (exclusiveMax ? v >= type.max : v > type.max)) return fail();
      if (type.kind === 'int' && !value.isInteger) {
        // `64.0`: the value is right, the way it is written is not.
        report({
          ...wrongType('written as an integer', v.toFixed(1)),
          hint: `write ${v}`,
          suggestion: { span: value.span, newText: String(v) },
        });
        return undefined;
      }
      return v;
    }
    case 'bool':
      return value.kind === 'bool' ? value.value : fail();
    case 'string':
      return value.kind === 'string' ? value.value : fail();
    case 'enum': {
      const name = value.kind === 'name' ? value.name : value.kind === 'string' ? value.value : undefined;
      if (name === undefined) return fail();
      if (type.values.includes(name)) return name;
      report(
        diagnostic(
          Diagnostics.unknownEnumValue,
          value.span,
          [type.what.replace(/^an? /, ''), name],
          didYouMean(value.span, name, type.values),
        ),
      );
      return undefined;
    }
    case 'layers':
    case 'source':
      return fail();
  }
}
