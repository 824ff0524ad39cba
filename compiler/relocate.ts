/**
 * Moving what the compiler made of a declaration to where its text moved: a copy with its spans
 * shifted, and the test that a declaration is another one moved. Both walk plain data (syntax trees,
 * diagnostics, semantic facts, checked models), where every `{ start, end }` object is a span.
 */
import type { Span } from './span.js';

function isSpan(value: object): value is Span {
  return typeof (value as Span).start === 'number' && typeof (value as Span).end === 'number';
}

/**
 * A copy of `value` with every span for which `moves` holds shifted by `delta`; shared objects stay
 * shared (a reference and its symbol). With `delta` 0 it is `value` itself.
 */
export function relocate<T>(value: T, delta: number, moves: (span: Span) => boolean = () => true): T {
  if (delta === 0) return value;
  const copies = new Map<object, unknown>();
  const copy = (item: unknown): unknown => {
    if (typeof item !== 'object' || item === null) return item;
    const known = copies.get(item);
    if (known !== undefined) return known;
    let result: unknown;
    if (Array.isArray(item)) {
      const array: unknown[] = new Array(item.length);
      copies.set(item, array);
      for (let i = 0; i < item.length; i++) array[i] = copy(item[i]);
      result = array;
    } else if (isSpan(item)) {
      result = moves(item) ? { start: item.start + delta, end: item.end + delta } : item;
      copies.set(item, result);
    } else {
      const object: Record<string, unknown> = {};
      copies.set(item, object);
      for (const key in item) object[key] = copy((item as Record<string, unknown>)[key]);
      result = object;
    }
    return result;
  };
  return copy(value) as T;
}

/** Whether `moved` is `original` with every span shifted by `delta`, and otherwise equal. */
export function isMoved(original: unknown, moved: unknown, delta: number): boolean {
  if (original === moved && delta === 0) return true;
  if (typeof original !== 'object' || original === null || typeof moved !== 'object' || moved === null) return Object.is(original, moved);
  if (Array.isArray(original)) {
    if (!Array.isArray(moved) || moved.length !== original.length) return false;
    for (let i = 0; i < original.length; i++) if (!isMoved(original[i], moved[i], delta)) return false;
    return true;
  }
  if (isSpan(original)) return isSpan(moved) && moved.start === original.start + delta && moved.end === original.end + delta;
  const a = original as Record<string, unknown>;
  const b = moved as Record<string, unknown>;
  let keys = 0;
  for (const key in a) {
    keys++;
    if (!(key in b) || !isMoved(a[key], b[key], delta)) return false;
  }
  for (const _ in b) keys--;
  return keys === 0;
}
