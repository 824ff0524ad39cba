/**
 * Writes the small training files of the examples that have no real data of their own
 * (examples/data/<name>.jsonl), so that `mtlc train examples/NAME.mtl` runs for every example:
 *
 *     npm run data:examples        (builds, then runs dist/scripts/example-data.js)
 *
 * The rows are synthetic but learnable: inputs are seeded noise, and every label comes from a fixed
 * random linear "teacher" of the inputs (for text: of which third of the vocabulary the tokens come
 * from), so each head has something to learn. The same seed writes the same files.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { pathToFileURL } from 'node:url';
import { NodeHost } from '../cli/host.js';
import { type CheckedModel, compile } from '../compiler/index.js';
import { mulberry32 } from '../runtime/data/index.js';
import { gaussian } from '../runtime/experiments/index.js';

/** The examples that get synthetic data, and how many rows each (the image example's rows are large). */
export const EXAMPLE_ROWS: Readonly<Record<string, number>> = {
  seed: 300,
  'census-mmoe': 300,
  ple: 300,
  'multi-input': 48,
  text: 120,
};

/** The seed every example's rows are drawn with. */
export const EXAMPLE_SEED = 7;

const round = (x: number, digits: number) => Number(x.toFixed(digits));

/** One JSONL text of `rows` records for `model`. */
export function teacherRows(model: CheckedModel, rows: number, seed: number): string {
  const random = mulberry32(seed);
  const teachers = new Map<string, number[][]>();
  const teacher = (head: string, units: number, dim: number): number[][] => {
    if (!teachers.has(head))
      teachers.set(
        head,
        Array.from({ length: units }, () => Array.from({ length: dim }, () => gaussian(random))),
      );
    return teachers.get(head)!;
  };
  const lines: string[] = [];
  for (let r = 0; r < rows; r++) {
    const record: Record<string, unknown> = {};
    // What the teacher sees: every float input, or for an image its mean per channel, or for tokens their vocabulary thirds.
    const seen: number[] = [];
    for (const input of model.inputs) {
      const size = input.shape.reduce((a, b) => a * b, 1);
      if (input.dtype === 'int') {
        const vocab = input.vocab ?? 10;
        const topic = Math.floor(random() * 3);
        const ids = Array.from({ length: size }, () =>
          random() < 0.6 ? Math.floor(((topic + random()) * vocab) / 3) : Math.floor(random() * vocab),
        );
        record[input.name] = ids;
        seen.push(...[0, 1, 2].map((t) => ids.filter((id) => Math.floor((3 * id) / vocab) === t).length / size - 1 / 3));
      } else if (input.shape.length === 3) {
        const pixels = Array.from({ length: size }, () => Math.floor(random() * 10));
        record[input.name] = pixels;
        const channels = input.shape[2]!;
        for (let c = 0; c < channels; c++)
          seen.push((pixels.filter((_, i) => i % channels === c).reduce((a, b) => a + b, 0) / (size / channels) - 4.5) * 5);
      } else {
        const values = Array.from({ length: size }, () => round(gaussian(random), 2));
        record[input.name] = values;
        seen.push(...values);
      }
    }
    for (const head of model.heads) {
      const task = head.task;
      const units = task.kind === 'binary' ? 1 : task.units;
      const scores = teacher(head.name, units, seen.length).map(
        (w) => w.reduce((s, wi, i) => s + wi * seen[i]!, 0) / Math.sqrt(seen.length),
      );
      const name = (id: number) => task.classes?.[id] ?? id;
      if (task.kind === 'classify') record[task.label] = name(scores.indexOf(Math.max(...scores)));
      else if (task.kind === 'binary') record[task.label] = name(scores[0]! > 0 ? 1 : 0);
      else if (task.kind === 'multilabel') record[task.label] = scores.flatMap((s, i) => (s > 0 ? [name(i)] : []));
      else if (task.kind === 'regress')
        record[task.label] = scores.length === 1 ? round(10 * scores[0]! + 50, 3) : scores.map((s) => round(s, 3));
      else {
        // A tag per token: the token's id modulo the tag count, a pattern the embedding can learn.
        const ids = record[model.inputs[0]!.name] as number[];
        record[task.label] = ids.map((id) => name(id % task.units));
      }
    }
    lines.push(JSON.stringify(record));
  }
  return `${lines.join('\n')}\n`;
}

function main(): void {
  const root = path.resolve(path.dirname(new URL(import.meta.url).pathname), '../..');
  for (const [name, rows] of Object.entries(EXAMPLE_ROWS)) {
    const file = path.join(root, 'examples', `${name}.mtl`);
    const [model] = compile(file, fs.readFileSync(file, 'utf8'), new NodeHost()).models;
    if (model === undefined) throw new Error(`${file} does not check`);
    const out = path.join(root, 'examples/data', `${name}.jsonl`);
    fs.writeFileSync(out, teacherRows(model, rows, EXAMPLE_SEED));
    console.log(`wrote ${path.relative(root, out)} (${rows} rows)`);
  }
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) main();
