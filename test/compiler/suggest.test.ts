import { describe, expect, it } from 'vitest';
import { closest, editDistance } from '../../compiler/suggest.js';

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
});
