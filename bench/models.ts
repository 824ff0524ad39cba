/**
 * The models the training benchmarks run, as `.mtl` source compiled by the real compiler. Each
 * names the batch it is timed at; `macs` is the multiply-adds per sample of one forward pass
 * (dense layers only), which makes the MMoE comparable with the shared-bottom model.
 */
import * as fs from 'node:fs';
import { compile, type CheckedModel } from '../compiler/index.js';

export interface BenchModel {
  /** Short name for the tables. */
  readonly key: string;
  readonly description: string;
  readonly source: string;
  readonly batch: number;
  /** Forward multiply-adds per sample. */
  readonly macs: number;
}

/** An `.mtl` model of one float[100] input, the `body` line defining `bottom`, and on it heads of 10 and 5 classes. */
function twoTaskSource(name: string, body: string, bottom: string, batch: number): string {
  return `model ${name} {
  input x: float[100]
  ${body}
  head task1 = ${bottom} -> classify(10)
  head task2 = ${bottom} -> classify(5)
  train { optimizer: adam(lr: 0.001), batch: ${batch} }
}`;
}

/** A shared-bottom MLP with relu layers of `widths` under the two heads. */
function sharedBottom(key: string, name: string, description: string, widths: readonly number[], batch: number): BenchModel {
  const sizes = [100, ...widths, 10 + 5];
  const macs = sizes.slice(1).reduce((sum, out, i) => sum + sizes[i]! * out, 0);
  const trunk = `trunk shared = x -> ${widths.map((w) => `dense(${w}, relu)`).join(' -> ')}`;
  return { key, description, batch, macs, source: twoTaskSource(name, trunk, 'shared', batch) };
}

/** The classic two-task example (LANGUAGE.md §1), at its own batch of 32. */
export const SEED = sharedBottom('seed', 'Seed', 'seed: 100 → 64 relu → softmax 10, 5', [64], 32);

/** A wide shared-bottom MLP: the model the speed targets are stated for. */
export const WIDE = sharedBottom('wide', 'Wide', 'wide MLP: 100 → 256 → 256 → softmax 10, 5', [256, 256], 256);

/**
 * MMoE with 8 experts of 100 → 68 → 68: the experts together cost what the wide model's trunk
 * costs (8 · (100·68 + 68·68) = 91,392 against 100·256 + 256·256 = 91,136 multiply-adds).
 */
export const MMOE: BenchModel = {
  key: 'mmoe',
  description: 'MMoE: 8 experts 100 → 68 → 68, gates, softmax 10, 5',
  batch: 256,
  macs: 8 * (100 * 68 + 68 * 68) + 2 * 100 * 8 + 8 * 68 * 2 + 68 * 15,
  source: twoTaskSource('Moe', 'gate moe = mmoe(x, experts: 8, expert: dense(68, relu) -> dense(68, relu))', 'moe', 256),
};

export const SUITE: readonly BenchModel[] = [SEED, WIDE, MMOE];

/** The checked model of a benchmark model; throws on diagnostics (a bug in this file). */
export function checkBenchModel(model: BenchModel): CheckedModel {
  const result = compile(`bench/${model.key}.mtl`, model.source, {
    readFile: (file) => (fs.existsSync(file) ? fs.readFileSync(file, 'utf8') : undefined),
  });
  const checked = result.models[0];
  if (checked === undefined)
    throw new Error(`bench model ${model.key} does not check: ${result.diagnostics.map((d) => d.message).join('; ')}`);
  return checked;
}
