/**
 * Turning one cell (a CSV string or a JSON value) into what the model is fed. A bad value throws
 * a `CellProblem` holding just the problem; the binder adds file, line and column around it.
 */

export class CellProblem {
  constructor(
    readonly problem: string,
    /** What to do about it, when the problem alone does not say. */
    readonly fix?: string,
  ) {}
}

/** Absent, JSON `null`, or a CSV cell holding nothing but blanks. */
export function isMissing(value: unknown): boolean {
  if (value === undefined || value === null) return true;
  if (typeof value !== 'string') return false;
  // Fast path for the common cell that starts with a visible character.
  return value.length === 0 || (value.charCodeAt(0) <= 32 && value.trim() === '');
}

/** A value as the user wrote it, for messages: strings quoted, long ones cut short. */
export function show(value: unknown): string {
  if (typeof value === 'string') {
    return JSON.stringify(value.length > 40 ? `${value.slice(0, 37)}...` : value);
  }
  const text = JSON.stringify(value) ?? String(value);
  return text.length > 40 ? `${text.slice(0, 37)}...` : text;
}

/** `"a", "b", "c"`, shortened after ten names. */
export function showNames(names: readonly string[]): string {
  const listed = names
    .slice(0, 10)
    .map((n) => JSON.stringify(n))
    .join(', ');
  return names.length > 10 ? `${listed}, … (${names.length} in all)` : listed;
}

/** The largest finite float32: the model holds every number it reads as one. */
export const FLOAT32_MAX = 3.4028234663852886e38;

/** JavaScript's `Number()` reads `0x10`, `0b101` and `0o7` as numbers; a data file means none of them. */
const RADIX_PREFIX = /^\s*[+-]?0[xbo]/i;

export function parseNumber(value: unknown): number {
  let n: number;
  if (typeof value === 'number') n = value;
  else if (typeof value === 'string' && !RADIX_PREFIX.test(value))
    n = Number(value); // Number() itself ignores surrounding blanks
  else n = Number.NaN;
  if (Number.isNaN(n)) throw new CellProblem(`${show(value)} is not a number`);
  if (!Number.isFinite(n)) throw new CellProblem(`${show(value)} is not a finite number`);
  if (Math.abs(n) > FLOAT32_MAX) throw new CellProblem(`${show(value)} is out of the range of a 32-bit float (about ±3.4e38)`);
  return n;
}

export function parseInteger(value: unknown, what: string): number {
  const n = parseNumberAs(value, what);
  if (!Number.isInteger(n)) throw new CellProblem(`${show(value)} is not ${what}`);
  return n;
}

/** Like `parseNumber`, but a non-number is reported as "not <what>" (`not a class id`). */
function parseNumberAs(value: unknown, what: string): number {
  try {
    return parseNumber(value);
  } catch {
    throw new CellProblem(`${show(value)} is not ${what}`);
  }
}

/** An integer in `[0, count)`; `what` names it in messages (`class id`, `category id`, `id`). */
export function parseId(value: unknown, count: number, what: string): number {
  const id = parseInteger(value, `a ${what}`);
  if (id < 0 || id >= count) {
    const fix = what === 'class id' ? 'add classes: [...] to the head, or leave classes out to take them from the data' : undefined;
    throw new CellProblem(`${what} ${id} is out of range 0…${count - 1}`, fix);
  }
  return id;
}

/**
 * A class of a classify, multilabel or tag head: one of its `classes` by name, or an id in
 * `[0, units)`. Names are tried first, so classes named "1", "2", … still work; when some class
 * is named by a number, any other number is not a class rather than an id.
 */
export function parseClass(value: unknown, units: number, classes: ReadonlyMap<string, number> | undefined, head: string): number {
  if (classes !== undefined && (typeof value === 'string' || typeof value === 'number')) {
    const text = String(value).trim();
    const byName = classes.get(text);
    if (byName !== undefined) return byName;
    // Classes named by numbers (cylinders 3, 4, 5, 6, 8) leave no number to be read as an id.
    if (Number.isNaN(Number(text)) || [...classes.keys()].some((name) => !Number.isNaN(Number(name)))) {
      throw new CellProblem(`${show(value)} is not a class of head "${head}" (classes: ${showNames([...classes.keys()])})`);
    }
  }
  return parseId(value, units, 'class id');
}

const TRUE_WORDS = new Set(['1', 'true']);
const FALSE_WORDS = new Set(['0', 'false']);

/** A binary label: 0/1, true/false (any case), or one of the head's two class names. */
export function parseBinary(value: unknown, classes: ReadonlyMap<string, number> | undefined): number {
  if (typeof value === 'boolean') return value ? 1 : 0;
  if (value === 0 || value === 1) return value;
  if (typeof value === 'string') {
    const text = value.trim();
    const byName = classes?.get(text);
    if (byName !== undefined) return byName;
    const word = text.toLowerCase();
    if (TRUE_WORDS.has(word)) return 1;
    if (FALSE_WORDS.has(word)) return 0;
  }
  const names = classes === undefined ? '' : `, ${showNames([...classes.keys()])}`;
  throw new CellProblem(`${show(value)} is not 0, 1, true, false${names}`);
}

/**
 * The ids of a multilabel or tag label. JSONL: an array. CSV: the ids in one cell, separated by
 * `;` when the cell has one (so class names may contain spaces: `big cat; small dog`), else by
 * blanks (`0 3 4`). A cell holding only `;` is the empty list, since an empty cell means the
 * label is missing.
 */
export function parseList(value: unknown): readonly unknown[] {
  if (Array.isArray(value)) return value;
  if (typeof value === 'string') {
    const parts = value.includes(';') ? value.split(';') : value.split(/\s+/);
    return parts.map((p) => p.trim()).filter((p) => p !== '');
  }
  throw new CellProblem(`expected a list of class ids, got ${show(value)}`);
}

/** Nested JSON arrays flattened in row-major order (a `float[2, 3]` may be given as `[[…], […]]`). */
export function flatten(value: readonly unknown[]): unknown[] {
  return value.some(Array.isArray) ? (value as unknown[]).flat(Infinity) : (value as unknown[]);
}

export function classIndex(classes: readonly string[] | undefined): ReadonlyMap<string, number> | undefined {
  return classes === undefined ? undefined : new Map(classes.map((name, i) => [name, i]));
}
