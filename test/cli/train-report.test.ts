import * as fs from 'node:fs';
import * as path from 'node:path';
import { describe, expect, it } from 'vitest';
import { pairCsv } from './model-run.js';
import { run, tempDir } from './run.js';

const MODEL = `model Pair {
  input x: float[3]
  trunk t = x -> dense(4, relu)
  head a = t -> regress(1) { metrics: [mae] }
  head b = t -> binary()   { metrics: [accuracy] }
  train { optimizer: adam(lr: 0.05), epochs: 3, batch: 16, validation: 0.25, seed: 3 }
  data { train: "pair.csv" }
}
`;

const count = (text: string, pattern: RegExp) => (text.match(pattern) ?? []).length;

describe('mtlc train --report', () => {
  it('writes report.html into the model directory, with a curve per task and split', async () => {
    const dir = tempDir({ 'pair.mtl': MODEL, 'pair.csv': pairCsv(48) });
    const result = await run(['train', 'pair.mtl', '--backend', 'cpu', '--quiet', '--report'], { cwd: dir });
    expect(result.code).toBe(0);
    expect(result.stdout).toContain(`report: ${path.join('runs', 'pair', 'report.html')}\n`);
    const html = fs.readFileSync(path.join(dir, 'runs', 'pair', 'report.html'), 'utf8');
    expect(html).toContain('made by <code>mtlc train pair.mtl</code>');
    // Total (train, validation), a and b (train, validation each), a's mae, b's accuracy, λ for a and b.
    expect(count(html, /<path class="series" data-series="[^"]*" d="M[^"]+"/g)).toBe(2 + 4 + 2 + 2);
    expect(html).toContain('<p class="sub">3 epochs');
    expect(count(html, /<svg class="diagram"/g)).toBe(1);
  });

  it('writes the report where --report says', async () => {
    const dir = tempDir({ 'pair.mtl': MODEL, 'pair.csv': pairCsv(48) });
    const result = await run(['train', 'pair.mtl', '--backend', 'cpu', '--quiet', '--epochs', '1', '--report', 'pair.html'], { cwd: dir });
    expect(result.code).toBe(0);
    expect(result.stdout).toContain('report: pair.html\n');
    expect(fs.readFileSync(path.join(dir, 'pair.html'), 'utf8')).toContain('<p class="sub">1 epoch</p>');
  });
});
