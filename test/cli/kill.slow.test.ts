/**
 * kill -9 at any instant of a run, the final save included, leaves a directory that loads
 * (docs/security.md): its final model, or its checkpoint with a note, or — killed before the first
 * epoch ended — no model, said in one line. A stale lock never blocks the next run.
 */
import { spawn, spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { describe, expect, it } from 'vitest';
import { mulberry32 } from '../../runtime/data/random.js';
import { workspace } from './model-run.js';
import { root } from './run.js';

const BIN = path.join(root, 'bin', 'mtlc.js');
const EPOCHS = 4;

/** Starts `mtlc train` and kills it with SIGKILL `delayMs` after `when` is true of its stderr. */
function trainAndKill(dir: string, when: (stderr: string) => boolean, delayMs: number): Promise<void> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [BIN, 'train', 'examples/penguins.mtl', '-o', 'out', '--epochs', String(EPOCHS), '--force'], {
      cwd: dir,
      stdio: ['ignore', 'ignore', 'pipe'],
    });
    let stderr = '';
    let armed = false;
    const arm = () => {
      if (armed || !when(stderr)) return;
      armed = true;
      setTimeout(() => child.kill('SIGKILL'), delayMs);
    };
    child.stderr.on('data', (chunk: Buffer) => {
      stderr += chunk.toString();
      arm();
    });
    arm();
    child.on('exit', () => resolve());
  });
}

function predict(dir: string): { code: number; stderr: string } {
  const result = spawnSync(
    process.execPath,
    [BIN, 'predict', 'out', '--data', 'examples/data/penguins.csv', '--out', 'p.jsonl', '--force'],
    {
      cwd: dir,
      encoding: 'utf8',
    },
  );
  return { code: result.status ?? -1, stderr: result.stderr };
}

describe('kill -9 during training', () => {
  it('leaves a directory that loads, wherever the kill lands (seeded)', async () => {
    const dir = workspace(['examples/penguins.mtl', 'examples/data/penguins.csv']);
    const random = mulberry32(14);
    const outcomes = new Set<string>();
    const kills: Array<{ when: (stderr: string) => boolean; delay: number }> = [
      // At random instants from the start…
      ...Array.from({ length: 2 }, () => ({ when: () => true, delay: 300 + Math.floor(random() * 2500) })),
      // …and within the final save, which starts after the last epoch's line.
      ...Array.from({ length: 3 }, () => ({
        when: (s: string) => s.includes(`epoch ${EPOCHS}/${EPOCHS}`),
        delay: Math.floor(random() * 40),
      })),
    ];
    for (const kill of kills) {
      await trainAndKill(dir, kill.when, kill.delay);
      const out = path.join(dir, 'out');
      const result = predict(dir);
      if (fs.existsSync(path.join(out, 'model.json'))) {
        expect(result, 'a final model').toMatchObject({ code: 0, stderr: 'wrote 342 predictions to p.jsonl\n' });
        outcomes.add('final');
      } else if (
        fs.existsSync(path.join(out, 'checkpoint', 'state.json')) ||
        fs.existsSync(path.join(out, '.checkpoint.prev', 'state.json'))
      ) {
        expect(result.code, result.stderr).toBe(0);
        expect(result.stderr).toMatch(/has no final model \(its training never finished\): using its checkpoint of epoch \d/);
        outcomes.add('checkpoint');
      } else {
        expect(result).toMatchObject({ code: 2, stderr: expect.stringMatching(/not a model directory|no such directory/) });
        outcomes.add('nothing yet');
      }
    }
    console.log(`kill -9 outcomes: ${[...outcomes].join(', ')}`);
    // And the next run goes ahead over the stale lock and whatever the kill left.
    const next = spawnSync(process.execPath, [BIN, 'train', 'examples/penguins.mtl', '-o', 'out', '--epochs', '1', '--force', '--quiet'], {
      cwd: dir,
      encoding: 'utf8',
    });
    expect(next.status, next.stderr).toBe(0);
    expect(predict(dir).code).toBe(0);
  }, 180_000);
});
