/**
 * Training throughput benchmarks.
 *
 * `npm run bench:train` (issue 3): the wide MLP of bench/models.ts trained with mtl's `train` loop
 * and with a hand-written tfjs-layers `model.fit` on the same backend, data, batch and optimizer;
 * samples per second for both and their ratio.
 *
 * `npm run bench` (`--suite full`, issue 6): the seed model, the wide MLP and an MMoE of equal
 * FLOPs; (a) mtl against stock `model.fit` (the wasm backend as TensorFlow.js ships it) and
 * against `model.fit` with mtl's kernel replacements (matmul, slices), (b) against PyTorch (bench/torch_train.py) at the same
 * thread count when Debian's python3-torch is installed, (c) tensors and memory epoch after epoch;
 * then the MMoE's time per sample against the shared-bottom model's, and the issue's targets.
 *
 * Every contender trains on the same in-process synthetic data (fixed seed), one epoch at a time,
 * interleaved round by round so that load from other processes hits them alike; a figure is the
 * best epoch of its rounds, after one warm-up epoch. Options: --suite quick|full, --rounds N,
 * --samples N (per epoch), --threads N (PyTorch), --no-torch.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import * as os from 'node:os';
import { fileURLToPath } from 'node:url';
import * as tf from '@tensorflow/tfjs';
import { setupBackend } from '../runtime/backend/index.js';
import { lowerModel } from '../runtime/model/index.js';
import { train } from '../runtime/train/index.js';
import { checkBenchModel, MMOE, SUITE, WIDE, type BenchModel } from './models.js';
import { fitRunner, mtlRunner, type Runner, torchAvailable, torchRunner, type TorchResult } from './runners.js';
import { syntheticData } from './synthetic.js';

interface Options {
  readonly suite: 'quick' | 'full';
  readonly rounds: number;
  readonly samples: number;
  readonly threads: number;
  readonly torch: boolean;
}

function parseOptions(argv: readonly string[]): Options {
  const value = (flag: string): string | undefined => {
    const i = argv.indexOf(flag);
    return i >= 0 ? argv[i + 1] : undefined;
  };
  const suite = value('--suite') ?? 'quick';
  if (suite !== 'quick' && suite !== 'full') throw new Error(`--suite must be quick or full, got ${suite}`);
  return {
    suite,
    rounds: Number(value('--rounds') ?? 3),
    samples: Number(value('--samples') ?? 10_240),
    threads: Number(value('--threads') ?? 1),
    torch: !argv.includes('--no-torch'),
  };
}

/** Samples per second of wall time and per second of this process's CPU time. */
interface Speed {
  readonly wall: number;
  readonly cpu: number;
}

/** A runner and the samples one of its epochs trains. */
interface Entry {
  readonly runner: Runner;
  readonly samples: number;
}

/**
 * Each runner's speed: its best epoch (wall and CPU apart) of `rounds`, after a warm-up epoch.
 * Rounds run every runner once, so a busy spell on the machine costs all of them alike.
 */
async function race(entries: readonly Entry[], rounds: number): Promise<Speed[]> {
  const best = entries.map(() => ({ wall: Infinity, cpu: Infinity }));
  for (const { runner } of entries) await runner.epoch();
  for (let round = 0; round < rounds; round++) {
    for (const [i, { runner }] of entries.entries()) {
      const t = await runner.epoch();
      best[i] = { wall: Math.min(best[i]!.wall, t.wall), cpu: Math.min(best[i]!.cpu, t.cpu) };
    }
  }
  return entries.map((e, i) => ({ wall: (e.samples / best[i]!.wall) * 1000, cpu: (e.samples / best[i]!.cpu) * 1000 }));
}

interface MemoryRecord {
  readonly tensors: number[];
  readonly megabytes: number[];
  readonly rssMiB: number[];
}

/** Live tensors gained from the first epoch to the last: zero when nothing leaks. */
const growthOf = (r: MemoryRecord): number => r.tensors[r.tensors.length - 1]! - r.tensors[0]!;

/** One `train` call of `epochs` epochs, recording the live tensors, tensor bytes and RSS after each. */
async function memoryRun(bench: BenchModel, samples: number, epochs: number): Promise<MemoryRecord> {
  const checked = checkBenchModel(bench);
  const data = syntheticData(checked, samples, 7);
  const model = lowerModel(checked);
  const record: MemoryRecord = { tensors: [], megabytes: [], rssMiB: [] };
  await train(
    model,
    checked,
    { train: data },
    {
      epochs,
      onEpoch: () => {
        const memory = tf.memory();
        record.tensors.push(memory.numTensors);
        record.megabytes.push(memory.numBytes / 2 ** 20);
        record.rssMiB.push(process.memoryUsage().rss / 2 ** 20);
      },
    },
  );
  model.dispose();
  return record;
}

const int = (x: number): string => Math.round(x).toLocaleString('en');
const ratio = (x: number): string => `${x.toFixed(2)}×`;
/** "cpu (wall)": the CPU-time figure first, since it is the one other processes leave unchanged. */
const speedCell = (s: Speed): string => `${int(s.cpu)} (${int(s.wall)})`;

function table(header: readonly string[], rows: readonly (readonly string[])[]): string {
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i]!.length)));
  const line = (cells: readonly string[]) =>
    `| ${cells.map((c, i) => (i === 0 ? c.padEnd(widths[i]!) : c.padStart(widths[i]!))).join(' | ')} |`;
  return [
    line(header),
    `|${widths.map((w, i) => (i === 0 ? `:${'-'.repeat(w + 1)}` : `${'-'.repeat(w + 1)}:`)).join('|')}|`,
    ...rows.map(line),
  ].join('\n');
}

function machine(backend: string): string {
  const cpu = os.cpus()[0]?.model ?? 'unknown cpu';
  const load = os
    .loadavg()
    .map((l) => l.toFixed(2))
    .join(' ');
  return `${cpu}, ${os.cpus().length} cores; Node ${process.version}; TensorFlow.js ${tf.version.tfjs} on ${backend} (1 thread); load average ${load}`;
}

/** bench/torch_train.py, found from this file (compiled to dist/bench/) upwards. */
function torchScript(): string {
  let dir = path.dirname(fileURLToPath(import.meta.url));
  for (;;) {
    const candidate = path.join(dir, 'bench', 'torch_train.py');
    if (fs.existsSync(candidate)) return candidate;
    const parent = path.dirname(dir);
    if (parent === dir) throw new Error('cannot find bench/torch_train.py above this script');
    dir = parent;
  }
}

async function quick(options: Options, backend: string): Promise<void> {
  const checked = checkBenchModel(WIDE);
  const data = syntheticData(checked, options.samples, 1);
  const runners = [mtlRunner(checked, data), fitRunner(checked, data, true)];
  const [mtl, fit] = (await race(
    runners.map((runner) => ({ runner, samples: options.samples })),
    options.rounds,
  )) as [Speed, Speed];
  runners.forEach((r) => r.dispose());
  console.log(
    `bench:train — ${WIDE.description}, batch ${WIDE.batch}, ${int(options.samples)} samples per epoch, best of ${options.rounds} epochs after one warm-up`,
  );
  console.log(machine(backend));
  console.log(
    table(
      ['trainer', 'samples/s of CPU time (of wall time)'],
      [
        ['mtl train', speedCell(mtl)],
        ['tfjs-layers model.fit', speedCell(fit)],
      ],
    ),
  );
  console.log(`mtl train / model.fit: ${ratio(mtl.cpu / fit.cpu)} by CPU time, ${ratio(mtl.wall / fit.wall)} by wall time`);
}

async function full(options: Options, backend: string): Promise<void> {
  const torch = options.torch && torchAvailable();
  const script = torchScript();
  const stepsOf = (m: BenchModel) => Math.round(options.samples / m.batch);
  // PyTorch before and after the JavaScript runs; the better of the two, as for the others.
  const torchRuns: Map<string, TorchResult>[] = [];
  const runTorch = () => {
    if (!torch) return;
    for (const m of SUITE) torchRuns.push(torchRunner(script, [m.key], options.threads, stepsOf(m)));
  };
  runTorch();

  const entries = SUITE.flatMap((bench) => {
    const checked = checkBenchModel(bench);
    const samples = stepsOf(bench) * bench.batch;
    const data = syntheticData(checked, samples, 1);
    return [mtlRunner(checked, data), fitRunner(checked, data, false), fitRunner(checked, data, true)].map((runner) => ({
      bench,
      runner,
      samples,
    }));
  });
  const measured = await race(entries, options.rounds);
  const speeds = new Map<string, Map<string, Speed>>(SUITE.map((m) => [m.key, new Map()]));
  entries.forEach((e, i) => speeds.get(e.bench.key)!.set(e.runner.name, measured[i]!));
  entries.forEach((e) => e.runner.dispose());
  runTorch();
  const torchSpeed = (key: string): Speed | undefined => {
    const all = torchRuns.map((r) => r.get(key)).filter((r): r is TorchResult => r !== undefined);
    if (all.length === 0) return undefined;
    return { wall: Math.max(...all.map((r) => r.samples_per_s)), cpu: Math.max(...all.map((r) => r.samples_per_cpu_s)) };
  };

  const memory = new Map<string, MemoryRecord>();
  for (const bench of SUITE) memory.set(bench.key, await memoryRun(bench, stepsOf(bench) * bench.batch, 5));

  console.log(
    `bench — ${int(options.samples)} samples per epoch, best of ${options.rounds} epochs after one warm-up, contenders interleaved`,
  );
  console.log(machine(backend));
  console.log(
    torch
      ? `PyTorch: ${torchRuns[0]?.values().next().value?.torch ?? '?'} from Debian, ${options.threads} thread(s) (torch.set_num_threads and OPENBLAS_NUM_THREADS), best of two runs`
      : 'PyTorch: not measured (/usr/bin/python3 -c "import torch" fails; apt-get install -y python3-torch libopenblas0-pthread)',
  );
  console.log('\n(a, b) throughput: samples per second of CPU time (per second of wall time); ratios by CPU time');
  console.log(
    table(
      [
        'model',
        'batch',
        'mtl train',
        'fit + mtl kernels',
        'fit (stock)',
        'PyTorch',
        'mtl / stock fit',
        'mtl / fit+kernels',
        'mtl / PyTorch',
      ],
      SUITE.map((m) => {
        const s = speeds.get(m.key)!;
        const mtl = s.get('mtl train')!;
        const pt = torchSpeed(m.key);
        return [
          m.description,
          String(m.batch),
          speedCell(mtl),
          speedCell(s.get('model.fit + mtl kernels')!),
          speedCell(s.get('model.fit (stock)')!),
          pt === undefined ? '—' : speedCell(pt),
          ratio(mtl.cpu / s.get('model.fit (stock)')!.cpu),
          ratio(mtl.cpu / s.get('model.fit + mtl kernels')!.cpu),
          pt === undefined ? '—' : ratio(mtl.cpu / pt.cpu),
        ];
      }),
    ),
  );

  const perSample = (m: BenchModel) => 1e6 / speeds.get(m.key)!.get('mtl train')!.cpu;
  const moeCost = perSample(MMOE) / perSample(WIDE);
  console.log('\nMMoE against the shared-bottom model (mtl train)');
  console.log(
    table(
      ['model', 'multiply-adds/sample', 'µs CPU/sample'],
      [WIDE, MMOE].map((m) => [m.description, int(m.macs), perSample(m).toFixed(1)]),
    ),
  );
  console.log(`MMoE time per sample / shared-bottom: ${ratio(moeCost)} at ${ratio(MMOE.macs / WIDE.macs)} the multiply-adds`);

  console.log('\n(c) memory during one 5-epoch mtl train run');
  console.log(
    table(
      ['model', 'tensors after epochs 1…5', 'growth', 'tensor MiB', 'RSS MiB after epochs 1…5'],
      SUITE.map((m) => {
        const r = memory.get(m.key)!;
        return [
          m.description,
          r.tensors.join(' '),
          String(growthOf(r)),
          r.megabytes[r.megabytes.length - 1]!.toFixed(2),
          r.rssMiB.map((x) => x.toFixed(0)).join(' '),
        ];
      }),
    ),
  );
  console.log(`peak RSS of the whole run: ${(process.resourceUsage().maxRSS / 1024).toFixed(0)} MiB`);

  const wide = speeds.get(WIDE.key)!;
  const mtlWide = wide.get('mtl train')!;
  const stockWide = wide.get('model.fit (stock)')!;
  const widePt = torchSpeed(WIDE.key);
  const growth = [...memory.values()].map(growthOf);
  const check = (ok: boolean) => (ok ? 'met' : 'NOT met');
  console.log('\nTargets (issue 6), by CPU time (by wall time)');
  console.log(
    `  mtl ≥ 6× stock model.fit on the wide MLP: ${ratio(mtlWide.cpu / stockWide.cpu)} (${ratio(mtlWide.wall / stockWide.wall)}) — ${check(mtlWide.cpu >= 6 * stockWide.cpu)}`,
  );
  console.log(
    `  mtl ≥ 0.33× PyTorch at ${options.threads} thread(s) on the wide MLP: ${widePt === undefined ? 'not measured' : `${ratio(mtlWide.cpu / widePt.cpu)} (${ratio(mtlWide.wall / widePt.wall)}) — ${check(mtlWide.cpu >= 0.33 * widePt.cpu)}`}`,
  );
  console.log(`  MMoE ≤ 1.5× shared-bottom time per sample: ${ratio(moeCost)} — ${check(moeCost <= 1.5)}`);
  console.log(`  zero tensor growth across epochs: ${growth.join(', ')} — ${check(growth.every((g) => g === 0))}`);
}

async function main(): Promise<void> {
  const options = parseOptions(process.argv.slice(2));
  const backend = await setupBackend('wasm');
  if (backend !== 'wasm') console.log(`note: the wasm backend did not load; measuring on ${backend}`);
  if (options.suite === 'quick') await quick(options, backend);
  else await full(options, backend);
}

await main();
