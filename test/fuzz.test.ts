/**
 * The seeded fuzz run of scripts/fuzz.ts, a few thousand cases of it (`npm run fuzz` runs
 * 100,000): parser, checker, formatter and the language server's workspace on mutants of the
 * examples spliced with the inputs each limit exists for, every stage within its time budget.
 */
import { describe, expect, it } from 'vitest';
import { fuzz } from '../scripts/fuzz.js';

describe('the fuzz run', () => {
  it('finds nothing in 2,000 seeded cases (every fifth also through the language server), each stage within 1 s', () => {
    const { failures } = fuzz(1, 2000, 1000, 5);
    expect(failures.map((f) => `case ${f.index}: ${f.problem}`)).toEqual([]);
  });
});
