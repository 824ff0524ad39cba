/**
 * Moving what the compiler made of a declaration to where its text moved: a copy with its spans
 * shifted, and the test that a declaration is another one moved. Both walk plain data (syntax trees,
 * diagnostics, semantic facts, checked models), where every `{ start, end }` object is a span.
 */
import type { Span } from './span.js';

function isSpan(value: object): value is Span {
  return typeof (value as Span).start === 'number' && typeof (value as Span).end === 'number';
}

/** Each result of `relocate` that moved every span: what it was moved from, and how far. */
const origins = new WeakMap<object, { readonly from: unknown; readonly delta: number }>();

/**
 * `value` with every span for which `moves` holds shifted by `delta`: new objects along the paths to
 * those spans, the rest shared (what holds no span is the same either way). An object reached twice
 * is copied twice: the copies are equal, not one object.
 */
export function relocate<T>(value: T, delta: number, moves?: (span: Span) => boolean): T {
  if (delta === 0) return value;
  const copy = (item: unknown): unknown => {
    if (typeof item !== 'object' || item === null) return item;
    if (isSpan(item)) return moves === undefined || moves(item) ? { start: item.start + delta, end: item.end + delta } : item;
    let result = item;
    if (Array.isArray(item)) {
      for (let i = 0; i < item.length; i++) {
        const moved = copy(item[i]);
        if (moved === item[i]) continue;
        if (result === item) result = item.slice();
        (result as unknown[])[i] = moved;
      }
    } else {
      const fields = item as Record<string, unknown>;
      for (const key in fields) {
        const moved = copy(fields[key]);
        if (moved === fields[key]) continue;
        if (result === item) result = { ...fields };
        (result as Record<string, unknown>)[key] = moved;
      }
    }
    return result;
  };
  const result = copy(value) as T;
  if (moves === undefined && result !== value) origins.set(result as object, { from: value, delta });
  return result;
}

/** Whether `moved` is `original` with every span shifted by `delta`, and otherwise equal. */
export function isMoved(original: unknown, moved: unknown, delta: number): boolean {
  const origin = typeof moved === 'object' && moved !== null ? origins.get(moved) : undefined;
  return (origin !== undefined && origin.from === original && origin.delta === delta) || equalMoved(original, moved, delta);
}

function equalMoved(original: unknown, moved: unknown, delta: number): boolean {
  if (original === moved && delta === 0) return true;
  if (typeof original !== 'object' || original === null || typeof moved !== 'object' || moved === null) return Object.is(original, moved);
  if (Array.isArray(original)) {
    if (!Array.isArray(moved) || moved.length !== original.length) return false;
    for (let i = 0; i < original.length; i++) if (!equalMoved(original[i], moved[i], delta)) return false;
    return true;
  }
  if (isSpan(original)) return isSpan(moved) && moved.start === original.start + delta && moved.end === original.end + delta;
  const a = original as Record<string, unknown>;
  const b = moved as Record<string, unknown>;
  let keys = 0;
  for (const key in a) {
    keys++;
    const x = a[key];
    const y = b[key];
    // Most fields hold the same string or number: no call for those.
    if (x !== y || typeof x === 'object') {
      if (!equalMoved(x, y, delta)) return false;
    } else if (y === undefined && !(key in b)) {
      return false;
    }
  }
  for (const _ in b) keys--;
  return keys === 0;
}
