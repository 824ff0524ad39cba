import * as fs from 'node:fs';
import * as path from 'node:path';
import { describe, expect, it } from 'vitest';
import { mulberry32 } from '../../runtime/data/random.js';
import { pearson } from '../helpers/stats.js';
import { run, tempDir } from './run.js';

const MODEL = `model Shop {
  input x: float[2]
  trunk t = x -> dense(4, relu)
  head now   = t -> classify(3)
  head later = t -> classify(3)
  head spend = t -> regress(1)
  head back  = t -> binary()
  train { batch: 8, validation: 0.25, seed: 1 }
  data { train: "shop.csv" }
}
`;

interface Row {
  x: [number, number];
  now: number | null;
  later: number | null;
  spend: number | null;
  back: number | null;
}

/** 40 rows; `later` agrees with `now` about two times in three; some labels missing. */
function rows(): Row[] {
  const random = mulberry32(8);
  return Array.from({ length: 40 }, (_, k) => {
    const now = Math.floor(random() * 3);
    const later = random() < 0.66 ? now : Math.floor(random() * 3);
    const spend = Number((random() * 10).toFixed(2));
    return {
      x: [Number(random().toFixed(3)), Number(random().toFixed(3))],
      now: k % 7 === 0 ? null : now,
      later: k % 5 === 0 ? null : later,
      spend: k % 9 === 0 ? null : spend,
      back: k % 4 === 0 ? null : spend > 5 ? 1 : 0,
    };
  });
}

function csv(data: readonly Row[]): string {
  const cell = (v: number | null) => (v === null ? '' : String(v));
  return `x_0,x_1,now,later,spend,back\n${data.map((r) => [r.x[0], r.x[1], cell(r.now), cell(r.later), cell(r.spend), cell(r.back)].join(',')).join('\n')}\n`;
}

describe('mtlc relate', () => {
  const data = rows();

  it('prints the agreement, correlation and gradient matrices, aligned', async () => {
    const dir = tempDir({ 'shop.mtl': MODEL, 'shop.csv': csv(data) });
    const result = await run(['relate', 'shop.mtl', '--backend', 'cpu'], { cwd: dir });
    expect(result.stderr).toBe('');
    expect(result.code).toBe(0);
    const both = data.filter((r) => r.now !== null && r.later !== null);
    const agreement = both.filter((r) => r.now === r.later).length / both.length;
    const text = result.stdout;
    expect(
      text.startsWith(
        'model Shop: 4 tasks, 40 rows of shop.csv\n\nlabel agreement R_ij = (1/N) Σ_k I(y_ik = y_jk), over the N rows labelled for both tasks\n',
      ),
    ).toBe(true);
    expect(text).toContain(
      [
        '           now  later  spend   back',
        `  now    1.000  ${agreement.toFixed(3)}    n/a    n/a`,
        `  later  ${agreement.toFixed(3)}  1.000    n/a    n/a`,
        '  spend    n/a    n/a    n/a    n/a',
        '  back     n/a    n/a    n/a  1.000',
        '  now × spend: not meaningful: different label spaces (classify(3) vs regress(1))',
      ].join('\n'),
    );
    expect(text).toContain('  spend × back: not meaningful: different label spaces (regress(1) vs binary())\n');
    expect(text).toContain('label correlation (Pearson r)\n');
    // 30 training rows in batches of 8: 4 steps.
    expect(text).toContain('gradient cosine on the 12 shared parameters (mean over 4 steps of 1 epoch)\n');
    expect(text).toContain('share of steps with g_i·g_j < 0\n');
  });

  it('gives the same numbers as JSON, checked against a plain count and formula', async () => {
    const dir = tempDir({ 'shop.mtl': MODEL, 'shop.csv': csv(data) });
    const result = await run(['relate', 'shop.mtl', '--format', 'json', '--backend', 'cpu', '--epochs', '2'], { cwd: dir });
    expect(result.code).toBe(0);
    const json = JSON.parse(result.stdout);
    expect(json.tasks).toEqual(['now', 'later', 'spend', 'back']);
    const both = data.filter((r) => r.now !== null && r.later !== null);
    expect(json.agreement.rows[0][1]).toBe(both.length);
    expect(json.agreement.values[0][1]).toBeCloseTo(both.filter((r) => r.now === r.later).length / both.length, 12);
    expect(json.agreement.values[2][3]).toBeNull();
    expect(json.agreement.notes[2][3]).toBe('not meaningful: different label spaces (regress(1) vs binary())');
    const sb = data.filter((r) => r.spend !== null && r.back !== null);
    expect(json.correlation.values[2][3]).toBeCloseTo(
      pearson(
        sb.map((r) => r.spend!),
        sb.map((r) => r.back!),
      ),
      5,
    );
    expect(json.correlation.notes[0][2]).toBe('undefined: a label is not one number');
    expect(json.gradients).toMatchObject({ epochs: 2, steps: 8, sharedParameters: 12 });
    expect(json.gradients.perEpochCosine).toHaveLength(2);
    for (let i = 0; i < 4; i++) {
      for (let j = 0; j < 4; j++) {
        const c = json.gradients.cosine.values[i][j];
        expect(c).toBeGreaterThanOrEqual(-1 - 1e-6);
        expect(c).toBeLessThanOrEqual(1 + 1e-6);
        expect(c).toBeCloseTo(json.gradients.cosine.values[j][i], 6);
      }
    }
  });

  it('writes the HTML report of its run with --report', async () => {
    const dir = tempDir({ 'shop.mtl': MODEL, 'shop.csv': csv(data) });
    const result = await run(['relate', 'shop.mtl', '--backend', 'cpu', '--epochs', '3', '--report', 'shop.html'], { cwd: dir });
    expect(result.code).toBe(0);
    expect(result.stderr).toBe('wrote the report to shop.html\n');
    const html = fs.readFileSync(path.join(dir, 'shop.html'), 'utf8');
    expect(html).toContain('<title>Shop — mtl report</title>');
    expect(html).toContain('made by <code>mtlc relate shop.mtl --epochs 3</code>');
    expect((html.match(/<svg class="chart heatmap"/g) ?? []).length).toBe(4);
    expect((html.match(/<path class="series"/g) ?? []).length).toBeGreaterThan(10);
  });

  it('asks for data when the model names none', async () => {
    const dir = tempDir({ 'shop.mtl': MODEL.replace('  data { train: "shop.csv" }\n', '') });
    expect(await run(['relate', 'shop.mtl'], { cwd: dir })).toEqual({
      code: 2,
      stdout: '',
      stderr:
        'mtlc: model "Shop" in "shop.mtl" names no data: pass --data FILE (CSV, JSONL or Parquet), or add data { train: "…" } to the model\n',
    });
  });

  it('reports bad data with file, line and column', async () => {
    const dir = tempDir({ 'shop.mtl': MODEL, 'shop.csv': 'x_0,x_1,now,later,spend,back\n0.1,oops,1,1,2,0\n' });
    const result = await run(['relate', 'shop.mtl', '--backend', 'cpu'], { cwd: dir });
    expect(result.code).toBe(1);
    expect(result.stderr).toMatch(/^mtlc: 1 problem in the data:\n {2}shop\.csv:2/);
  });
});
