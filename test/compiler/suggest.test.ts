import { describe, expect, it } from 'vitest';
import { closest, editDistance } from '../../compiler/suggest.js';

/** The full table, as the definition reads: the reference the banded version must agree with. */
function fullDistance(a: string, b: string): number {
  const rows: number[][] = Array.from({ length: a.length + 1 }, (_, i) => [i]);
  for (let j = 1; j <= b.length; j++) rows[0]![j] = j;
  for (let i = 1; i <= a.length; i++) {
    for (let j = 1; j <= b.length; j++) {
      const cost = a[i - 1] === b[j - 1] ? 0 : 1;
      let d = Math.min(rows[i - 1]![j]! + 1, rows[i]![j - 1]! + 1, rows[i - 1]![j - 1]! + cost);
      if (i > 1 && j > 1 && a[i - 1] === b[j - 2] && a[i - 2] === b[j - 1]) d = Math.min(d, rows[i - 2]![j - 2]! + 1);
      rows[i]![j] = d;
    }
  }
  return rows[a.length]![b.length]!;
}

describe('did-you-mean suggestions', () => {
  it('counts a swap of neighbouring letters as one edit', () => {
    expect(editDistance('rleu', 'relu')).toBe(1);
    expect(editDistance('dens', 'dense')).toBe(1);
    expect(editDistance('kitten', 'sitting')).toBe(3);
  });

  it('suggests only names within a third of the length', () => {
    expect(closest('shard', ['shared', 'task1'])).toBe('shared');
    expect(closest('x', ['y', 'shared'])).toBe('y');
    expect(closest('concatenate', ['concat', 'add'])).toBeUndefined();
  });

  it('prefers a different capitalisation over any other edit', () => {
    expect(closest('Dense', ['dense', 'Denser'])).toBe('dense');
  });

  it('with a cut-off, gives the exact distance up to it and the cut-off plus one beyond', () => {
    let seed = 7;
    const random = (n: number): number => {
      seed = (seed * 1103515245 + 12345) % 2147483648;
      return seed % n;
    };
    const word = (): string => Array.from({ length: random(9) }, () => 'abc'[random(3)]).join('');
    for (let k = 0; k < 3000; k++) {
      const a = word();
      const b = word();
      const max = random(5);
      const full = fullDistance(a, b);
      expect(editDistance(a, b, max), `${a} ${b} ${max}`).toBe(full <= max ? full : max + 1);
      expect(editDistance(a, b)).toBe(full);
    }
  });

  it('answers for a name of 100,000 characters in linear time and memory', () => {
    const long = 'q'.repeat(100_000);
    const started = performance.now();
    expect(closest(long, [`${long}x`, 'dense', long.replace('q', 'r')])).toBe(`${long}x`);
    expect(editDistance(long, 'r'.repeat(100_000), 3)).toBe(4);
    expect(performance.now() - started).toBeLessThan(500);
  });
});
