/** Parsers for numeric command-line options; commander calls them with the raw text. */
import { InvalidArgumentError } from 'commander';

/** A whole number, 0 included (`--seed 0`). */
export function wholeNumber(value: string): number {
  const n = Number(value);
  if (!/^\d+$/.test(value.trim()) || !Number.isSafeInteger(n)) throw new InvalidArgumentError('expected a whole number.');
  return n;
}

/** A whole number of at least `min` (`--folds 5`). */
export function wholeNumberFrom(min: number): (value: string) => number {
  return (value) => {
    const n = wholeNumber(value);
    if (n < min) throw new InvalidArgumentError(`expected a whole number of at least ${min}.`);
    return n;
  };
}

/** A number in [min, max] (`--correlation 0.5`). */
export function numberIn(min: number, max: number): (value: string) => number {
  return (value) => {
    const n = Number(value);
    if (value.trim() === '' || !Number.isFinite(n) || n < min || n > max) {
      throw new InvalidArgumentError(
        max === Number.MAX_VALUE ? `expected a number of at least ${min}.` : `expected a number from ${min} to ${max}.`,
      );
    }
    return n;
  };
}

const SIZE_UNITS: Readonly<Record<string, number>> = { '': 1, k: 2 ** 10, m: 2 ** 20, g: 2 ** 30, t: 2 ** 40 };

/** A size in bytes, with an optional k, m, g or t (powers of 1024): `--memory 2g`. */
export function byteSize(value: string): number {
  const match = /^\s*(\d+(?:\.\d+)?)\s*([kmgt]?)b?\s*$/i.exec(value);
  const bytes = match === null ? Number.NaN : Number(match[1]) * SIZE_UNITS[match[2]!.toLowerCase()]!;
  if (!(bytes >= 1)) throw new InvalidArgumentError('expected a size such as 512m or 2g.');
  return Math.floor(bytes);
}
