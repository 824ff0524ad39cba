/**
 * Data ingest benchmark (`npm run bench:data`, issue 11): binding one data set for the wide MLP
 * (1,000,000 rows × 100 float columns and two class labels by default) from CSV as mtl read it
 * before issue 11 (the code of then, built from git history: papaparse and that binder), from CSV,
 * JSONL and Parquet as it reads them now (Parquet both through DuckDB and through mtl's own reader),
 * and from a pack. Each contender runs in a process of its own, so that its peak
 * resident memory is its own; each prints seconds, MB/s of file, rows/s, and peak RSS against the
 * size of the bound arrays. The files are made once, in a cache folder (--dir, default
 * $TMPDIR/mtl-bench-data), by mtl's own writers and DuckDB. Options: --rows N, --dir D, --only a,b.
 *
 * Every contender runs with the allocator setting `mtlc` starts Node with (bin/mtlc.js: glibc's
 * transparent huge pages). The code of before is run both with and without it, and the faster of
 * the two is the 1.0× every speed-up is measured against.
 */
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';
import { compile } from '../compiler/index.js';
import { bindRows, loadDataset, mulberry32, writePack } from '../runtime/data/index.js';
import { readParquetWithDuckDB } from '../runtime/data/parquet.js';

const MODEL = `model Wide {
  input x: float[100]
  trunk shared = x -> dense(256, relu) -> dense(256, relu)
  head task1 = shared -> classify(10)
  head task2 = shared -> classify(5)
}
`;

/** `parquet-duckdb` binds the Parquet file through DuckDB, as every file mtl's own Parquet reader leaves to it. */
const CONTENDERS = ['csv-before', 'csv', 'jsonl', 'parquet-duckdb', 'parquet', 'pack'] as const;
type Contender = (typeof CONTENDERS)[number];

/** What bin/mtlc.js adds to GLIBC_TUNABLES. */
const HUGE_PAGES = 'glibc.malloc.hugetlb=1';

function option(argv: readonly string[], flag: string): string | undefined {
  const i = argv.indexOf(flag);
  return i >= 0 ? argv[i + 1] : undefined;
}

const model = () => compile('wide.mtl', MODEL).models[0]!;

/**
 * The last commit before issue 11 changed how data is read: its reader (papaparse, every cell a
 * string) and binder are "today's" code that issue measured against, built from the repository's
 * own history and run side by side with the current code.
 */
const BEFORE = 'ae39cfe^';

/**
 * Builds the compiler and data reader of commit `BEFORE` into `dir` (once; TypeScript only, with
 * this checkout's node_modules), or says why it cannot (no git history, as in a tarball).
 */
function buildBefore(dir: string): string | undefined {
  const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');
  if (fs.existsSync(path.join(dir, 'dist', 'runtime', 'data', 'index.js'))) return undefined;
  const archive = spawnSync('git', ['-C', root, 'archive', '--format=tar', BEFORE], { maxBuffer: 1 << 30 });
  if (archive.status !== 0) return `git archive ${BEFORE} failed: ${String(archive.stderr).trim() || archive.error?.message}`;
  fs.rmSync(dir, { recursive: true, force: true });
  fs.mkdirSync(dir, { recursive: true });
  const steps: [string, string[]][] = [
    ['tar', ['-x', '-C', dir]],
    [process.execPath, [path.join(root, 'node_modules', 'typescript', 'bin', 'tsc'), '-p', path.join(dir, 'tsconfig.json')]],
    [process.execPath, [path.join(dir, 'scripts', 'vendor-chevrotain.mjs')]],
  ];
  fs.symlinkSync(path.join(root, 'node_modules'), path.join(dir, 'node_modules'));
  for (const [command, args] of steps) {
    const run = spawnSync(command, args, { cwd: dir, input: command === 'tar' ? archive.stdout : undefined, encoding: 'buffer' });
    if (run.status !== 0) return `building ${BEFORE} failed at ${path.basename(command)}: ${String(run.stdout)}${String(run.stderr)}`;
  }
  return undefined;
}

/** Binds `file` as `contender` in this process and prints one JSON line of measurements. */
async function child(contender: Contender, file: string, before: string | undefined): Promise<void> {
  // The code of `BEFORE`, compiled by buildBefore, for the contender that measures it.
  const code =
    contender === 'csv-before'
      ? {
          compile: ((await import(path.join(before!, 'dist', 'compiler', 'index.js'))) as { compile: typeof compile }).compile,
          loadDataset: ((await import(path.join(before!, 'dist', 'runtime', 'data', 'index.js'))) as { loadDataset: typeof loadDataset })
            .loadDataset,
        }
      : { compile, loadDataset };
  const checked = code.compile('wide.mtl', MODEL).models[0]!;
  const started = performance.now();
  const bound =
    contender === 'parquet-duckdb'
      ? await bindRows(checked, file, 'parquet', {}, async (sink) => {
          await readParquetWithDuckDB(file, sink);
        })
      : await code.loadDataset(checked, file);
  const seconds = (performance.now() - started) / 1000;
  const d = bound.dataset;
  const arrays = [...Object.values(d.inputs), ...Object.values(d.labels).flatMap((l) => [l.values, l.mask])].reduce(
    (s, a) => s + a.byteLength,
    0,
  );
  // Checksum of the bound inputs, so that every contender is seen to bind the same values.
  let sum = 0;
  const x = d.inputs['x']!;
  for (let i = 0; i < x.length; i += 997) sum += x[i]!;
  const peak = process.resourceUsage().maxRSS * 1024;
  console.log(JSON.stringify({ contender, rows: d.n, seconds, arrays, peak, sum }));
}

/** Makes the data set in every format, once. */
async function makeFiles(dir: string, rows: number): Promise<Record<Contender, string>> {
  fs.mkdirSync(dir, { recursive: true });
  const files: Record<Contender, string> = {
    'csv-before': path.join(dir, `wide-${rows}.csv`),
    csv: path.join(dir, `wide-${rows}.csv`),
    jsonl: path.join(dir, `wide-${rows}.jsonl`),
    'parquet-duckdb': path.join(dir, `wide-${rows}.parquet`),
    parquet: path.join(dir, `wide-${rows}.parquet`),
    pack: path.join(dir, `wide-${rows}.mtlpack`),
  };
  if (!fs.existsSync(files.csv) || !fs.existsSync(files.jsonl)) {
    console.log(`making ${rows.toLocaleString('en')} rows in ${dir} …`);
    const random = mulberry32(11);
    const csv = fs.openSync(files.csv, 'w');
    const jsonl = fs.openSync(files.jsonl, 'w');
    fs.writeSync(csv, `${[...Array.from({ length: 100 }, (_, i) => `x_${i}`), 'task1', 'task2'].join(',')}\n`);
    for (let start = 0; start < rows; start += 10_000) {
      const csvLines: string[] = [];
      const jsonLines: string[] = [];
      for (let r = start; r < Math.min(rows, start + 10_000); r++) {
        const x = Array.from({ length: 100 }, () => Math.round((random() * 2 - 1) * 1e6) / 1e6);
        const task1 = Math.floor(random() * 10);
        const task2 = Math.floor(random() * 5);
        csvLines.push(`${x.join(',')},${task1},${task2}`);
        jsonLines.push(JSON.stringify({ x, task1, task2 }));
      }
      fs.writeSync(csv, `${csvLines.join('\n')}\n`);
      fs.writeSync(jsonl, `${jsonLines.join('\n')}\n`);
    }
    fs.closeSync(csv);
    fs.closeSync(jsonl);
  }
  if (!fs.existsSync(files.parquet)) {
    const { DuckDBInstance } = await import('@duckdb/node-api');
    const connection = await (await DuckDBInstance.create(':memory:')).connect();
    await connection.run(`COPY (SELECT * FROM read_csv('${files.csv}', header = true)) TO '${files.parquet}' (FORMAT parquet)`);
    connection.closeSync();
  }
  if (!fs.existsSync(files.pack)) await writePack(model(), await loadDataset(model(), files.csv), files.csv, files.pack);
  return files;
}

async function main(argv: readonly string[]): Promise<void> {
  const childOf = option(argv, '--child');
  if (childOf !== undefined) return child(childOf as Contender, option(argv, '--file')!, option(argv, '--before'));
  const rows = Number(option(argv, '--rows') ?? 1_000_000);
  const dir = option(argv, '--dir') ?? path.join(os.tmpdir(), 'mtl-bench-data');
  const only = option(argv, '--only')?.split(',') ?? CONTENDERS;
  const files = await makeFiles(dir, rows);
  const beforeDir = path.join(dir, `mtl-${BEFORE.replace(/\W/g, '-')}`);
  const unbuilt = only.includes('csv-before') ? buildBefore(beforeDir) : undefined;
  if (unbuilt !== undefined) console.log(`csv-before left out: ${unbuilt}`);
  console.log(`bench:data — the wide MLP's data, ${rows.toLocaleString('en')} rows × 100 float columns + 2 labels`);
  console.log(
    `${os.cpus()[0]?.model ?? 'cpu'}, ${os.cpus().length} cores; Node ${process.version}; load average ${os.loadavg()[0]!.toFixed(2)}\n`,
  );
  console.log('format              file MB   seconds      MB/s      rows/s   peak RSS   RSS / arrays   vs CSV before');
  let beforeSeconds: number | undefined;
  let checksum: number | undefined;
  const runs = CONTENDERS.filter((c) => only.includes(c) && !(c === 'csv-before' && unbuilt !== undefined)).flatMap(
    (contender): { contender: Contender; hugePages: boolean }[] =>
      contender === 'csv-before'
        ? [
            { contender, hugePages: false },
            { contender, hugePages: true },
          ]
        : [{ contender, hugePages: true }],
  );
  for (const { contender, hugePages } of runs) {
    const script = fileURLToPath(import.meta.url);
    const { GLIBC_TUNABLES: _, ...env } = process.env;
    const run = spawnSync(process.execPath, [script, '--child', contender, '--file', files[contender], '--before', beforeDir], {
      encoding: 'utf8',
      maxBuffer: 1 << 20,
      env: hugePages ? { ...env, GLIBC_TUNABLES: HUGE_PAGES } : env,
    });
    if (run.status !== 0) throw new Error(`${contender}: ${run.stderr}`);
    const result = JSON.parse(run.stdout.trim().split('\n').pop()!) as {
      rows: number;
      seconds: number;
      arrays: number;
      peak: number;
      sum: number;
    };
    if (checksum !== undefined && Math.abs(result.sum - checksum) > 1e-6 * Math.abs(checksum))
      throw new Error(`${contender} bound other values`);
    checksum ??= result.sum;
    if (contender === 'csv-before') beforeSeconds = Math.min(beforeSeconds ?? Infinity, result.seconds);
    const mb = fs.statSync(files[contender]).size / 1e6;
    console.log(
      [
        (contender === 'csv-before' ? `${contender}${hugePages ? ' +THP' : ''}` : contender).padEnd(16),
        mb.toFixed(0).padStart(8),
        result.seconds.toFixed(2).padStart(9),
        (mb / result.seconds).toFixed(0).padStart(9),
        Math.round(result.rows / result.seconds)
          .toLocaleString('en')
          .padStart(11),
        `${(result.peak / 1e6).toFixed(0)} MB`.padStart(10),
        `${(result.peak / result.arrays).toFixed(2)}×`.padStart(14),
        (beforeSeconds === undefined ? '' : `${(beforeSeconds / result.seconds).toFixed(1)}×`).padStart(15),
      ].join(' '),
    );
  }
}

await main(process.argv.slice(2));
