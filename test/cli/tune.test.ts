import * as fs from 'node:fs';
import * as path from 'node:path';
import { describe, expect, it } from 'vitest';
import { pairCsv } from './model-run.js';
import { run, tempDir } from './run.js';

const MODEL = `// Two tasks; tune how much the second counts.
model Pair {
  input x: float[3] normalize
  trunk t = x -> dense(4, relu)
  head a = t -> regress(1) { metrics: [mae] }
  head b = t -> binary()   { metrics: [accuracy] }
  weights {
    a: 1.0
    b: search(0.2, 2)   // the candidates
  }
  train { optimizer: adam(lr: 0.05), epochs: 2, batch: 16, seed: 3, select: "a.mae", validation: 0.25 }
  data { train: "pair.csv" }
}
`;

const args = ['--folds', '2', '--epochs', '1', '--backend', 'cpu'];

describe('mtlc tune', () => {
  it('cross-validates every setting, prints mean ± std, and writes the best weights into <name>.tuned.mtl', async () => {
    const dir = tempDir({ 'pair.mtl': MODEL, 'pair.csv': pairCsv(60) });
    const result = await run(['tune', 'pair.mtl', ...args], { cwd: dir });
    // Progress on stderr: one line per fold, with an estimate of the time left until the last.
    const progress = result.stderr.split('\n').filter(Boolean);
    expect(progress).toHaveLength(4);
    expect(progress[0]).toMatch(/^setting 1\/2, fold 1\/2: a\.mae \d\.\d{3}\d* \(1\/4 done; about \d+s left\)$/);
    expect(progress[2]).toMatch(/^setting 2\/2, fold 1\/2: a\.mae \d\.\d+ \(3\/4 done; about \d+s left\)$/);
    expect(progress[3]).toMatch(/^setting 2\/2, fold 2\/2: a\.mae \d\.\d+ \(4\/4 done\)$/);
    expect(result.code).toBe(0);
    const lines = result.stdout.split('\n');
    expect(lines.slice(0, 5)).toEqual([
      'tuning Pair on pair.csv (60 rows): 2 settings × 2 folds, 1 epoch each',
      'score: a.mae, lower is better; mean ± std over the folds',
      '',
      '  b    a.mae',
      expect.stringMatching(/^ {2}0\.2 {2}\d\.\d+ ± \d\.\d+(e-\d+)?$/),
    ]);
    expect(lines[5]).toMatch(/^ {2}2 {4}\d\.\d+ ± \d\.\d+(e-\d+)?$/);
    const scores = [lines[4]!, lines[5]!].map((l) => Number(l.trim().split(/\s+/)[1]));
    // Each setting's mean is the mean of the fold scores the progress lines gave.
    const foldScores = progress.map((line) => Number(/a\.mae (\S+)/.exec(line)![1]));
    expect(scores[0]).toBeCloseTo((foldScores[0]! + foldScores[1]!) / 2, 3);
    expect(scores[1]).toBeCloseTo((foldScores[2]! + foldScores[3]!) / 2, 3);
    const best = scores[0]! <= scores[1]! ? '0.2' : '2';
    expect(lines[7]).toMatch(new RegExp(`^best: b ${best.replace('.', '\\.')} \\(a\\.mae `));
    expect(lines[8]).toBe('wrote pair.tuned.mtl');
    const tuned = fs.readFileSync(path.join(dir, 'pair.tuned.mtl'), 'utf8');
    expect(tuned).toBe(MODEL.replace('search(0.2, 2)', best));
    expect(fs.readFileSync(path.join(dir, 'pair.mtl'), 'utf8')).toBe(MODEL);
    expect(await run(['check', 'pair.tuned.mtl'], { cwd: dir })).toEqual({ code: 0, stdout: 'no problems in 1 file\n', stderr: '' });
  });

  it('never overwrites an existing file without --force, and says so before training', async () => {
    const dir = tempDir({ 'pair.mtl': MODEL, 'pair.csv': pairCsv(60), 'pair.tuned.mtl': '// mine\n' });
    expect(await run(['tune', 'pair.mtl', ...args], { cwd: dir })).toEqual({
      code: 2,
      stdout: '',
      stderr: 'mtlc: "pair.tuned.mtl" exists: pass --force to replace it, or choose another -o\n',
    });
    expect(fs.readFileSync(path.join(dir, 'pair.tuned.mtl'), 'utf8')).toBe('// mine\n');
    expect((await run(['tune', 'pair.mtl', ...args, '-o', 'pair.mtl'], { cwd: dir })).code).toBe(2);
    expect(fs.readFileSync(path.join(dir, 'pair.mtl'), 'utf8')).toBe(MODEL);

    const forced = await run(['tune', 'pair.mtl', ...args, '--force'], { cwd: dir });
    expect(forced.code).toBe(0);
    expect(fs.readFileSync(path.join(dir, 'pair.tuned.mtl'), 'utf8')).not.toContain('// mine');
  });

  it('writes to -o, and with --trials tries that many settings drawn from the grid', async () => {
    const dir = tempDir({ 'pair.mtl': MODEL.replace('a: 1.0', 'a: search(0.5, 1, 4)'), 'pair.csv': pairCsv(60) });
    // out/ does not exist: said before any training.
    expect(await run(['tune', 'pair.mtl', ...args, '--trials', '2', '-o', 'out/best.mtl'], { cwd: dir })).toEqual({
      code: 2,
      stdout: '',
      stderr: 'mtlc: cannot write "out/best.mtl": its directory does not exist\n',
    });
    fs.mkdirSync(path.join(dir, 'out'));
    const again = await run(['tune', 'pair.mtl', ...args, '--trials', '2', '-o', 'out/best.mtl'], { cwd: dir });
    expect(again.code).toBe(0);
    expect(again.stdout).toContain(': 2 of 6 settings, drawn at random × 2 folds, 1 epoch each\n');
    expect(again.stdout.split('\n').filter((l) => /^ {2}\S.*±/.test(l))).toHaveLength(2);
    const tuned = fs.readFileSync(path.join(dir, 'out', 'best.mtl'), 'utf8');
    expect(tuned).not.toContain('search(');
    expect((await run(['check', 'out/best.mtl'], { cwd: dir })).code).toBe(0);
  });

  it('says there is nothing to tune when no weight is a search(…)', async () => {
    const dir = tempDir({ 'pair.mtl': MODEL.replace('search(0.2, 2)', '2'), 'pair.csv': pairCsv(60) });
    expect(await run(['tune', 'pair.mtl', ...args], { cwd: dir })).toEqual({
      code: 2,
      stdout: '',
      stderr: 'mtlc: nothing to tune: no weight of model "Pair" is a search(…); write e.g. weights { a: search(0.1, 0.5, 1.0) }\n',
    });
  });

  it('needs --folds of at least 2', async () => {
    const result = await run(['tune', 'pair.mtl', '--folds', '1'], { cwd: tempDir({ 'pair.mtl': MODEL }) });
    expect(result.code).toBe(2);
    expect(result.stderr).toContain("mtlc: option '--folds <k>' argument '1' is invalid. expected a whole number of at least 2.");
  });
});
