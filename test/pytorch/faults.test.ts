/**
 * What goes wrong in a PyTorch run, with real processes (bin/mtlc.js, the launcher, its workers):
 * a worker killed with kill -9 stops the run at once with a message naming it, leaving no process
 * and a checkpoint to resume from; Ctrl-C stops the workers and saves the last complete epoch
 * (exit 130); a rendezvous port someone else holds makes the launcher choose another.
 */
import { type ChildProcess, spawn, spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as net from 'node:net';
import * as path from 'node:path';
import { describe, expect, it } from 'vitest';
import { pairCsv } from '../cli/model-run.js';
import { root, tempDir } from '../cli/run.js';
import { torchMissing } from './torch.js';

const BIN = path.join(root, 'bin', 'mtlc.js');

/** Epochs of a few seconds on 2 workers: time for a kill or a Ctrl-C to land within one. */
const MODEL = `model Pair {
  input x: float[3] normalize
  trunk shared = x -> dense(8, relu) -> dropout(0.2)
  head a = shared -> regress(1)
  head b = shared -> binary()
  train { optimizer: adam(lr: 0.01), epochs: 4, batch: 8, validation: 0.2, seed: 5 }
  data { train: "pair.csv" }
}
`;

interface Ended {
  readonly code: number | null;
  readonly stdout: string;
  readonly stderr: string;
  /** Every process below mtlc seen while it ran. */
  readonly seen: ReadonlySet<number>;
}

/** pid → [parent pid, state, command line] of every process. */
function processes(): Map<number, [number, string, string]> {
  const ps = spawnSync('ps', ['-eo', 'pid=,ppid=,stat=,args='], { encoding: 'utf8' }).stdout;
  const table = new Map<number, [number, string, string]>();
  for (const line of ps.split('\n')) {
    const m = /^\s*(\d+)\s+(\d+)\s+(\S+)\s+(.*)$/.exec(line);
    if (m !== null) table.set(Number(m[1]), [Number(m[2]), m[3]!, m[4]!]);
  }
  return table;
}

/** The live processes below `pid`. */
function descendants(pid: number): number[] {
  const table = processes();
  const found: number[] = [];
  const walk = (parent: number) => {
    for (const [child, [ppid, state]] of table) {
      if (ppid === parent && !state.startsWith('Z')) {
        found.push(child);
        walk(child);
      }
    }
  };
  walk(pid);
  return found;
}

/** The worker processes below `pid` (torch.multiprocessing's spawn), rank 0 first. */
function workers(pid: number): number[] {
  const table = processes();
  return descendants(pid)
    .filter((p) => table.get(p)![2].includes('spawn_main'))
    .sort((a, b) => a - b);
}

const alive = (pid: number) => {
  const state = processes().get(pid)?.[1];
  return state !== undefined && !state.startsWith('Z');
};

/** Runs `mtlc train pair.mtl --engine pytorch --workers 2 -o out ...`; `onStderr` sees all stderr so far on every write. */
function train(
  dir: string,
  args: string[],
  onStderr: (stderr: string, child: ChildProcess) => void = () => {},
  env: Record<string, string> = {},
): Promise<Ended> {
  const child = spawn(process.execPath, [BIN, 'train', 'pair.mtl', '--engine', 'pytorch', '--workers', '2', '-o', 'out', ...args], {
    cwd: dir,
    env: { ...process.env, NO_COLOR: '1', ...env },
  });
  let stdout = '';
  let stderr = '';
  const seen = new Set<number>();
  const watch = setInterval(() => {
    for (const p of descendants(child.pid!)) seen.add(p);
  }, 200);
  child.stdout.on('data', (chunk) => (stdout += chunk));
  child.stderr.on('data', (chunk) => {
    stderr += chunk;
    for (const p of descendants(child.pid!)) seen.add(p);
    onStderr(stderr, child);
  });
  return new Promise((resolve) =>
    child.on('close', (code) => {
      clearInterval(watch);
      resolve({ code, stdout, stderr, seen });
    }),
  );
}

const setUp = (): string => tempDir({ 'pair.mtl': MODEL, 'pair.csv': pairCsv(2500) });

const readJson = (file: string) => JSON.parse(fs.readFileSync(file, 'utf8'));
const missing = torchMissing();

describe.skipIf(missing !== undefined)('faults of a PyTorch run', () => {
  it('kill -9 of a worker stops the run at once, naming it, with no process left and a checkpoint --resume continues', async () => {
    const dir = setUp();
    let killedAt = 0;
    let killed: number | undefined;
    const ended = await train(dir, [], (stderr, child) => {
      if (killed === undefined && /^epoch 1\/4 /m.test(stderr)) {
        const pids = workers(child.pid!);
        expect(pids).toHaveLength(2);
        killed = pids[1]!;
        killedAt = Date.now();
        process.kill(killed, 'SIGKILL');
      }
    });
    expect(killed).toBeDefined();
    expect(Date.now() - killedAt).toBeLessThan(10_000);
    expect(ended.code).toBe(1);
    const message = ended.stderr.split('\n').filter((line) => line.startsWith('mtlc:'));
    expect(message).toHaveLength(1);
    expect(message[0]).toMatch(
      /^mtlc: training stopped: PyTorch worker 1 of 2 was killed \(SIGKILL\), and the other workers were stopped; the checkpoint of epoch (\d) is in out\/checkpoint: continue with mtlc train pair\.mtl -o out --engine pytorch --resume$/,
    );
    const epoch = Number(/epoch (\d) is in/.exec(message[0]!)![1]);
    expect(ended.seen.size).toBeGreaterThanOrEqual(3);
    for (const pid of ended.seen) expect(alive(pid), `process ${pid} survived`).toBe(false);
    expect(readJson(path.join(dir, 'out/checkpoint/state.json'))).toMatchObject({ epoch, engine: 'pytorch' });
    expect(fs.existsSync(path.join(dir, 'out/model.json'))).toBe(false);
    // The checkpoint loads as a model: predict falls back to it.
    const predicted = spawnSync(process.execPath, [BIN, 'predict', 'out', '--data', 'pair.csv', '--out', 'p.jsonl'], {
      cwd: dir,
      encoding: 'utf8',
    });
    expect(predicted.status, predicted.stderr).toBe(0);
    expect(predicted.stderr).toContain(`using its checkpoint of epoch ${epoch}`);

    const resumed = await train(dir, ['--resume', '--quiet']);
    expect(resumed.stderr).toBe('');
    expect(resumed.code).toBe(0);
    expect(readJson(path.join(dir, 'out/history.json')).epochs.map((e: { epoch: number }) => e.epoch)).toEqual([1, 2, 3, 4]);
  }, 240_000);

  it('Ctrl-C stops every worker and saves the last complete epoch, exit 130, a model directory predict reads', async () => {
    const dir = setUp();
    let sent = false;
    const ended = await train(dir, [], (stderr, child) => {
      if (!sent && /^epoch 1\/4 /m.test(stderr)) {
        sent = true;
        child.kill('SIGINT');
      }
    });
    expect(sent).toBe(true);
    expect(ended.code).toBe(130);
    expect(ended.stderr).toContain('interrupted: stopping the workers and saving the last complete epoch (Ctrl-C again quits at once)\n');
    for (const pid of ended.seen) expect(alive(pid), `process ${pid} survived`).toBe(false);
    const history = readJson(path.join(dir, 'out/history.json'));
    expect(history.stopped).toBe('interrupted');
    const last = history.epochs.at(-1).epoch;
    expect(history.epochs.map((e: { epoch: number; partial?: boolean }) => [e.epoch, e.partial ?? false])).toEqual(
      Array.from({ length: last }, (_, k) => [k + 1, false]),
    );
    expect(ended.stdout).toContain(
      `interrupted after epoch ${last}: saved the model of that epoch; its checkpoint holds epoch ${last}: continue with mtlc train pair.mtl -o out --engine pytorch --resume\n`,
    );
    // The model saved is the checkpoint's: the last complete epoch.
    expect(readJson(path.join(dir, 'out/checkpoint/state.json')).epoch).toBe(last);
    expect(fs.readFileSync(path.join(dir, 'out/weights.bin')).equals(fs.readFileSync(path.join(dir, 'out/checkpoint/weights.bin')))).toBe(
      true,
    );
    const predicted = spawnSync(process.execPath, [BIN, 'predict', 'out', '--data', 'pair.csv', '--out', 'p.jsonl'], {
      cwd: dir,
      encoding: 'utf8',
    });
    expect(predicted.stderr).toBe('wrote 2500 predictions to p.jsonl\n');
    expect(predicted.status).toBe(0);
  }, 240_000);

  it('Ctrl-C before the first epoch ends saves nothing, says so, and exits 130', async () => {
    const dir = setUp();
    let sent = false;
    const ended = await train(dir, [], (stderr, child) => {
      if (!sent && stderr.includes('training Pair on PyTorch')) {
        sent = true;
        child.kill('SIGINT');
      }
    });
    expect(ended.code).toBe(130);
    expect(ended.stderr).toContain('mtlc: interrupted before the workers completed an epoch: nothing new was saved\n');
    for (const pid of ended.seen) expect(alive(pid), `process ${pid} survived`).toBe(false);
    expect(fs.existsSync(path.join(dir, 'out/model.json'))).toBe(false);
    expect(fs.existsSync(path.join(dir, 'out/checkpoint'))).toBe(false);
  }, 120_000);

  for (const count of ['1', '2']) {
    it(`kill -9 of mtlc itself takes its ${count === '1' ? 'worker' : 'launcher and workers'} with it, within seconds`, async () => {
      const dir = setUp();
      // Epochs longer than the wait below, so that the workers do not merely die writing their next epoch to a closed pipe.
      fs.writeFileSync(path.join(dir, 'pair.csv'), pairCsv(count === '1' ? 20000 : 30000));
      if (count === '1') fs.writeFileSync(path.join(dir, 'pair.mtl'), MODEL.replace('batch: 8', 'batch: 1'));
      let below: number[] = [];
      await train(dir, ['--workers', count], (stderr, child) => {
        if (below.length === 0 && /^epoch 1\/4 /m.test(stderr)) {
          below = descendants(child.pid!);
          child.kill('SIGKILL');
        }
      });
      expect(below.length).toBeGreaterThanOrEqual(Number(count));
      const deadline = Date.now() + 3000;
      while (below.some(alive) && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 200));
      expect(below.filter(alive)).toEqual([]);
    }, 120_000);
  }

  it('a rendezvous port another program holds: the launcher meets on another, and training goes on', async () => {
    const dir = setUp();
    fs.writeFileSync(path.join(dir, 'pair.csv'), pairCsv(200));
    const holder = net.createServer(() => {});
    await new Promise<void>((resolve) => holder.listen(0, '127.0.0.1', resolve));
    const port = (holder.address() as net.AddressInfo).port;
    try {
      const ended = await train(dir, ['--epochs', '1'], () => {}, { MASTER_PORT: String(port) });
      expect(ended.stderr).toMatch(
        new RegExp(`^note: port ${port} of 127\\.0\\.0\\.1 is in use: the workers met on port \\d+ instead$`, 'm'),
      );
      expect(ended.code).toBe(0);
      expect(readJson(path.join(dir, 'out/history.json')).epochs).toHaveLength(1);
    } finally {
      holder.close();
    }
  }, 120_000);
});
