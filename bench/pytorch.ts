/**
 * PyTorch engine benchmark (`npm run bench:pytorch`, issue 12), in one run on one data set (the
 * wide MLP of bench/models.ts, random rows from a fixed seed, bound once into a pack):
 *
 * - the trainer mtl emits (`mtlc train --engine pytorch`, 1 worker) against the hand-written
 *   PyTorch script bench/torch_train.py on the same model, batch and optimizer (target ≥ 0.9×);
 * - 2 local workers against 1 (target ≥ 1.5× on a 2-core machine), at the model's batch of 256 and
 *   at a batch of `--big-batch` rows (default 4,096), where each step's computing outweighs its
 *   fixed costs (Python's per-step work, the optimizer's update, the workers' meeting); beside
 *   them, the hand-written script on 2 processes under DistributedDataParallel (gloo), as a
 *   PyTorch user would spread it over the same two cores, and on 2 processes that exchange nothing,
 *   the bound of any such spreading;
 * - both engines, `--engine pytorch` and `--engine tfjs`, on the same model and data.
 *
 * Each `mtlc train` runs as a user runs it, in a process of its own. Its speed is taken between the
 * progress lines it prints at the end of epochs (after the first, which pays for starting up), so
 * that neither binding, nor Python's start, nor the final evaluation counts: samples per second of
 * its fastest epoch, checkpoint included, as bench/torch_train.py reports the fastest of its three
 * timings of an epoch's worth of steps. Every PyTorch process runs with one thread (OMP, OpenBLAS
 * and MKL threads 1): the hand-written script because its runner says so, mtl's workers because the
 * emitted trainer sets it where the environment does not. Each contender runs
 * `--rounds` times, interleaved, and its best round counts.
 * Options: --rows N (per epoch), --epochs N, --rounds N, --big-batch N, --dir D.
 */
import { spawn, spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';
import { compile } from '../compiler/index.js';
import { loadDataset, mulberry32, writePack } from '../runtime/data/index.js';
import { WIDE } from './models.js';
import { INSTALL_TORCH } from '../runtime/pytorch/index.js';
import { PYTHON, torchAvailable, torchRunner } from './runners.js';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');

/**
 * The hand-written script on 2 processes, each on its half of every batch and exchanging nothing
 * (two models, not training): what any spreading of a batch over the two cores could reach.
 */
const BOUND = '  the same, 2 processes exchanging nothing';

/** The wide MLP, trained without a validation split: every row of an epoch is a training row. */
const SOURCE = WIDE.source.replace(`batch: ${WIDE.batch} }`, `batch: ${WIDE.batch}, validation: 0 }`);

function option(argv: readonly string[], flag: string, fallback: number): number {
  const i = argv.indexOf(flag);
  return i >= 0 ? Number(argv[i + 1]) : fallback;
}

/** The model file (and the same at `bigBatch`), its rows as CSV, and the pack both engines train on, made in `dir`. */
async function makeData(dir: string, rows: number, bigBatch: number): Promise<{ model: string; big: string; pack: string }> {
  fs.mkdirSync(dir, { recursive: true });
  const model = path.join(dir, 'wide.mtl');
  fs.writeFileSync(model, SOURCE);
  const big = path.join(dir, `wide-batch-${bigBatch}.mtl`);
  fs.writeFileSync(big, SOURCE.replace(`batch: ${WIDE.batch},`, `batch: ${bigBatch},`));
  const csv = path.join(dir, `wide-${rows}.csv`);
  const random = mulberry32(12);
  const lines = [[...Array.from({ length: 100 }, (_, i) => `x_${i}`), 'task1', 'task2'].join(',')];
  for (let r = 0; r < rows; r++) {
    const x = Array.from({ length: 100 }, () => (random() * 2 - 1).toFixed(6));
    lines.push(`${x.join(',')},${Math.floor(random() * 10)},${Math.floor(random() * 5)}`);
  }
  fs.writeFileSync(csv, `${lines.join('\n')}\n`);
  const checked = compile(model, SOURCE).models[0]!;
  const pack = path.join(dir, `wide-${rows}.mtlpack`);
  await writePack(checked, await loadDataset(checked, csv), csv, pack);
  return { model, big, pack };
}

/**
 * Samples per second of `mtlc train`'s fastest epoch after the first, from the times its progress
 * lines ("epoch k/n") arrive.
 */
async function trainSpeed(args: readonly string[], rows: number, epochs: number, cwd: string): Promise<number> {
  // As `npx mtlc` runs it: the program bin/mtlc.js, which starts Node (and so the workers) with huge pages.
  const child = spawn(path.join(ROOT, 'bin', 'mtlc.js'), ['train', ...args, '--epochs', String(epochs), '--force'], {
    cwd,
    env: { ...process.env, NO_COLOR: '1' },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const ends = new Map<number, number>();
  let output = '';
  child.stderr.on('data', (chunk: Buffer) => {
    const now = performance.now();
    output += chunk.toString();
    for (const match of output.matchAll(/epoch (\d+)\/\d+/g)) if (!ends.has(Number(match[1]))) ends.set(Number(match[1]), now);
  });
  child.stdout.resume();
  const code = await new Promise<number | null>((resolve) => child.on('close', resolve));
  if (code !== 0 || ends.size !== epochs) throw new Error(`mtlc train ${args.join(' ')} failed (exit ${code}):\n${output.slice(-2000)}`);
  let fastest = Number.POSITIVE_INFINITY;
  for (let k = 2; k <= epochs; k++) fastest = Math.min(fastest, ends.get(k)! - ends.get(k - 1)!);
  return rows / (fastest / 1000);
}

async function main(argv: readonly string[]): Promise<void> {
  const rows = option(argv, '--rows', 51_200);
  const epochs = option(argv, '--epochs', 4);
  const rounds = option(argv, '--rounds', 2);
  const bigBatch = option(argv, '--big-batch', 4096);
  const i = argv.indexOf('--dir');
  const dir = i >= 0 ? argv[i + 1]! : fs.mkdtempSync(path.join(os.tmpdir(), 'mtl-bench-pytorch-'));
  if (!torchAvailable()) {
    console.log(`bench:pytorch needs PyTorch under ${PYTHON} (Debian: ${INSTALL_TORCH}); nothing measured`);
    return;
  }
  const torchVersion = spawnSync(PYTHON, ['-c', 'import torch; print(torch.__version__)'], { encoding: 'utf8' }).stdout.trim();
  console.log(
    `bench:pytorch — the wide MLP (100 → 256 → 256 → softmax 10, 5; Adam; batch ${WIDE.batch}), ${rows.toLocaleString('en')} rows an epoch`,
  );
  console.log(
    `${os.cpus()[0]?.model ?? 'cpu'}, ${os.cpus().length} cores; Node ${process.version}; torch ${torchVersion}; load average ${os.loadavg()[0]!.toFixed(2)}\n`,
  );
  const { model, big, pack } = await makeData(dir, rows, bigBatch);
  const pytorch = (file: string, workers: number, out: string) => () =>
    trainSpeed([file, '--data', pack, '--engine', 'pytorch', '--workers', String(workers), '-o', path.join(dir, out)], rows, epochs, dir);
  const handWritten =
    (workers: number, flags: readonly string[] = []) =>
    async () => {
      const steps = Math.max(1, Math.floor(rows / WIDE.batch));
      return torchRunner(path.join(ROOT, 'bench', 'torch_train.py'), ['wide'], 1, steps, workers, flags).get('wide')!.samples_per_s;
    };
  const contenders: Record<string, () => Promise<number>> = {
    'hand-written PyTorch': handWritten(1),
    '  the same, DDP, 2 processes': handWritten(2),
    [BOUND]: handWritten(2, ['--no-exchange']),
    'mtl on PyTorch, 1 worker': pytorch(model, 1, 'w1'),
    'mtl on PyTorch, 2 workers': pytorch(model, 2, 'w2'),
    [`  the same, batch ${bigBatch}, 1 worker`]: pytorch(big, 1, 'big1'),
    [`  the same, batch ${bigBatch}, 2 workers`]: pytorch(big, 2, 'big2'),
    'mtl on TensorFlow.js': () => trainSpeed([model, '--data', pack, '-o', path.join(dir, 'tfjs')], rows, epochs, dir),
  };
  const best = new Map<string, number>();
  for (let round = 0; round < rounds; round++) {
    for (const [name, run] of Object.entries(contenders)) best.set(name, Math.max(best.get(name) ?? 0, await run()));
  }
  // The data and runs of a folder of its own choosing go with it; a --dir is the user's to keep.
  if (i < 0) fs.rmSync(dir, { recursive: true, force: true });
  const speed = (name: string): number => best.get(name)!;
  console.log('contender                      samples/s');
  for (const name of Object.keys(contenders))
    console.log(`${name.padEnd(28)} ${Math.round(speed(name)).toLocaleString('en').padStart(11)}`);
  const ratio = (a: string, b: string): number => speed(a) / speed(b);
  const emitted = ratio('mtl on PyTorch, 1 worker', 'hand-written PyTorch');
  const scaling = ratio('mtl on PyTorch, 2 workers', 'mtl on PyTorch, 1 worker');
  const bigScaling = ratio(`  the same, batch ${bigBatch}, 2 workers`, `  the same, batch ${bigBatch}, 1 worker`);
  console.log('');
  console.log(`emitted trainer / hand-written PyTorch: ${emitted.toFixed(2)}× (target ≥ 0.9×: ${emitted >= 0.9 ? 'met' : 'not met'})`);
  console.log(`2 workers / 1 worker:                   ${scaling.toFixed(2)}× (target ≥ 1.5×: ${scaling >= 1.5 ? 'met' : 'not met'})`);
  console.log(`2 workers / 1 worker at batch ${bigBatch}:     ${bigScaling.toFixed(2)}×`);
  console.log(`hand-written DDP, 2 processes / 1:      ${ratio('  the same, DDP, 2 processes', 'hand-written PyTorch').toFixed(2)}×`);
  console.log(`bound: 2 processes exchanging nothing / 1: ${ratio(BOUND, 'hand-written PyTorch').toFixed(2)}×`);
  console.log(`PyTorch (1 worker) / TensorFlow.js:     ${ratio('mtl on PyTorch, 1 worker', 'mtl on TensorFlow.js').toFixed(2)}×`);
  console.log(`PyTorch (2 workers) / TensorFlow.js:    ${ratio('mtl on PyTorch, 2 workers', 'mtl on TensorFlow.js').toFixed(2)}×`);
}

await main(process.argv.slice(2));
