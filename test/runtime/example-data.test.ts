/** The synthetic example data is what scripts/example-data.ts writes: regenerate it with npm run data:examples. */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { describe, expect, it } from 'vitest';
import { NodeHost } from '../../cli/host.js';
import { compile } from '../../compiler/compile.js';
import { EXAMPLE_ROWS, EXAMPLE_SEED, teacherRows } from '../../scripts/example-data.js';

const root = path.resolve(__dirname, '../..');

describe('examples/data/*.jsonl', () => {
  for (const [name, rows] of Object.entries(EXAMPLE_ROWS)) {
    it(`${name}.jsonl is up to date with its model and the generator`, () => {
      const file = path.join(root, 'examples', `${name}.mtl`);
      const [model] = compile(file, fs.readFileSync(file, 'utf8'), new NodeHost()).models;
      expect(fs.readFileSync(path.join(root, 'examples/data', `${name}.jsonl`), 'utf8')).toBe(teacherRows(model!, rows, EXAMPLE_SEED));
    });
  }
});
