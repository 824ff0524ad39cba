/**
 * Ctrl-C as a user presses it: a real SIGINT sent to a real `mtlc train` process (bin/mtlc.js,
 * built by test/global-setup.ts). Each epoch here is thousands of batches, so stopping "after
 * the current batch" and stopping at the end of the epoch are far apart.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { describe, expect, it } from 'vitest';
import { pairCsv } from './model-run.js';
import { root, tempDir } from './run.js';

const MODEL = `model Pair {
  input x: float[3]
  trunk shared = x -> dense(16, relu)
  head a = shared -> regress(1)
  head b = shared -> binary()
  train { epochs: 50, batch: 1, seed: 3 }
  data { train: "pair.csv" }
}
`;

interface Ended {
  readonly code: number | null;
  readonly signal: NodeJS.Signals | null;
  readonly stdout: string;
  readonly stderr: string;
}

/** Starts `mtlc train pair.mtl -o out` and calls `onStderr` with all stderr so far on every write. */
function startTraining(dir: string, onStderr: (stderr: string, child: ChildProcess) => void): Promise<Ended> {
  const child = spawn(process.execPath, [path.join(root, 'bin/mtlc.js'), 'train', 'pair.mtl', '-o', 'out', '--backend', 'cpu'], {
    cwd: dir,
    env: { ...process.env, NO_COLOR: '1' },
  });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (chunk) => (stdout += chunk));
  child.stderr.on('data', (chunk) => {
    stderr += chunk;
    onStderr(stderr, child);
  });
  return new Promise((resolve) => child.on('close', (code, signal) => resolve({ code, signal, stdout, stderr })));
}

const workspaceWithPairs = (): string => tempDir({ 'pair.mtl': MODEL, 'pair.csv': pairCsv(3000) });

const readJson = (file: string) => JSON.parse(fs.readFileSync(file, 'utf8'));

describe('Ctrl-C on a real mtlc train process', () => {
  it('stops at the end of the current batch, saves, and exits 130', async () => {
    const dir = workspaceWithPairs();
    let sent = false;
    const ended = await startTraining(dir, (stderr, child) => {
      if (!sent && /^epoch +1\/50 /m.test(stderr)) {
        sent = true;
        child.kill('SIGINT');
      }
    });
    expect(sent).toBe(true);
    expect(ended.code).toBe(130);
    expect(ended.stderr).toContain('interrupted: stopping after this batch and saving (Ctrl-C again quits at once)\n');
    const history = readJson(path.join(dir, 'out/history.json'));
    expect(history.stopped).toBe('interrupted');
    // Epoch 2 of 3,000 batches was cut short: the stop came after a batch, not at the epoch's end.
    expect(history.epochs.map((e: { epoch: number; partial?: boolean }) => [e.epoch, e.partial ?? false])).toEqual([
      [1, false],
      [2, true],
    ]);
    expect(readJson(path.join(dir, 'out/checkpoint/state.json')).epoch).toBe(1);
    // The saved model moved on from the checkpoint's weights: some batches of epoch 2 trained.
    expect(fs.readFileSync(path.join(dir, 'out/weights.bin')).equals(fs.readFileSync(path.join(dir, 'out/checkpoint/weights.bin')))).toBe(
      false,
    );
    expect(ended.stdout).toContain('interrupted in epoch 2: saved the model as it stands; its checkpoint holds epoch 1');
  });

  it('quits at once on a second Ctrl-C, leaving the checkpoint of the last complete epoch intact', async () => {
    const dir = workspaceWithPairs();
    let presses = 0;
    const ended = await startTraining(dir, (stderr, child) => {
      if (presses === 0 && /^epoch +1\/50 /m.test(stderr)) {
        presses++;
        child.kill('SIGINT');
      } else if (presses === 1 && stderr.includes('interrupted: stopping after this batch')) {
        presses++;
        child.kill('SIGINT');
      }
    });
    expect(presses).toBe(2);
    expect(ended.signal).toBe('SIGINT');
    expect(fs.existsSync(path.join(dir, 'out/model.json'))).toBe(false);
    expect(readJson(path.join(dir, 'out/checkpoint/state.json')).epoch).toBe(1);
    expect(readJson(path.join(dir, 'out/checkpoint/history.json')).epochs).toHaveLength(1);
  });
});
