import { describe } from 'vitest';
import { exampleFiles, itTrainsOneEpoch, SLOW_EXAMPLES } from './train-examples.js';

describe('the examples', () => {
  for (const file of exampleFiles().filter((f) => !SLOW_EXAMPLES.has(f))) itTrainsOneEpoch(file);
});
