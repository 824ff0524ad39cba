/**
 * Validating the JSON files of a model directory field by field, so that a damaged file is refused
 * with the field that is wrong (`inputs.x.normalize.variance[2]: expected a number ≥ 0, got -1`)
 * instead of feeding garbage to a model.
 */

/** A field that does not have the type or range it must: its path and what is wrong. */
export class SchemaError extends Error {
  constructor(
    readonly field: string,
    readonly problem: string,
  ) {
    super(`${field}: ${problem}`);
  }
}

function describe(value: unknown): string {
  if (value === undefined) return 'nothing';
  const text = JSON.stringify(value) ?? String(value);
  return text.length > 40 ? `${text.slice(0, 37)}...` : text;
}

export function object(value: unknown, field: string): Record<string, unknown> {
  if (value === null || typeof value !== 'object' || Array.isArray(value))
    throw new SchemaError(field, `expected an object, got ${describe(value)}`);
  return value as Record<string, unknown>;
}

export function string(value: unknown, field: string): string {
  if (typeof value !== 'string') throw new SchemaError(field, `expected a string, got ${describe(value)}`);
  return value;
}

export function array(value: unknown, field: string): unknown[] {
  if (!Array.isArray(value)) throw new SchemaError(field, `expected a list, got ${describe(value)}`);
  return value;
}

export function strings(value: unknown, field: string): string[] {
  return array(value, field).map((item, i) => string(item, `${field}[${i}]`));
}

/** A finite number that float32 holds, at least `min`. */
export function finite(value: unknown, field: string, min = -3.4028234663852886e38): number {
  if (typeof value !== 'number' || !Number.isFinite(value) || value < min || value > 3.4028234663852886e38) {
    throw new SchemaError(field, `expected a finite number${min > -3.4e38 ? ` ≥ ${min}` : ''}, got ${describe(value)}`);
  }
  return value;
}

export function integer(value: unknown, field: string, min = 0): number {
  if (typeof value !== 'number' || !Number.isSafeInteger(value) || value < min) {
    throw new SchemaError(field, `expected a whole number ≥ ${min}, got ${describe(value)}`);
  }
  return value;
}

/** An optional field: checked when present. */
export function optional<T>(value: unknown, field: string, check: (value: unknown, field: string) => T): T | undefined {
  return value === undefined ? undefined : check(value, field);
}
