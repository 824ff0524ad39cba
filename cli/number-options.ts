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
