import { execFileSync, spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import * as tf from '@tensorflow/tfjs';
import { compile } from '../../compiler/compile.js';
import { buildGraph } from '../../compiler/graph.js';
import type { CheckedModel } from '../../compiler/ir.js';
import type { Dataset } from '../../runtime/data/dataset.js';
import { mulberry32 } from '../../runtime/data/random.js';
import { relateGradients } from '../../runtime/experiments/gradients.js';
import { labelRelations } from '../../runtime/experiments/labels.js';
import { type ReportInput, renderReport, writeReport } from '../../runtime/report/html.js';
import { lineChart, niceTicks } from '../../runtime/report/svg.js';
import { lowerModel } from '../../runtime/model/lower.js';

beforeAll(async () => {
  await tf.setBackend('cpu');
});

const MODEL = `model Shop {
  input x: float[6]
  trunk shared = x -> dense(8, relu)
  gate moe = mmoe(shared, experts: 2, expert: dense(4, relu))
  head buy   = moe -> binary()      { metrics: [accuracy, auc] }
  head click = moe -> binary()      { metrics: [accuracy] }
  head spend = shared -> regress(1) { metrics: [mae] }
  train { optimizer: adam(lr: 0.02), batch: 16, seed: 2 }
}`;

/** Two heads, one with a long name, one with a score and an error: narrow heatmaps, long titles. */
const TWO_KINDS = `model Shop {
  input x: float[6]
  trunk shared = x -> dense(8, relu)
  head buy_within_the_next_thirty_days = shared -> binary() { label: "buy" }
  head spend = shared -> regress(1) { metrics: [mae, r2] }
  train { optimizer: adam(lr: 0.02), batch: 16, seed: 2 }
}`;

function checked(text = MODEL): CheckedModel {
  const result = compile('/project/shop.mtl', text);
  expect(result.diagnostics.filter((d) => d.severity === 'error')).toEqual([]);
  return result.models[0]!;
}

function data(n: number, seed: number): Dataset {
  const random = mulberry32(seed);
  const x = Float32Array.from({ length: n * 6 }, () => random() * 2 - 1);
  const buy = Float32Array.from({ length: n }, (_, k) => (x[k * 6]! + x[k * 6 + 1]! > 0 ? 1 : 0));
  const click = Float32Array.from({ length: n }, (_, k) => (x[k * 6]! > 0 ? 1 : 0));
  const spend = Float32Array.from({ length: n }, (_, k) => 2 * x[k * 6 + 2]! - x[k * 6]!);
  const all = () => new Uint8Array(n).fill(1);
  return {
    n,
    inputs: { x },
    labels: { buy: { values: buy, mask: all() }, click: { values: click, mask: all() }, spend: { values: spend, mask: all() } },
  };
}

/** A report of a real, short run: 4 epochs with the gradient probe, validation and relatedness. */
async function realReport(text = MODEL): Promise<{ input: ReportInput; html: string; model: CheckedModel }> {
  const model = checked(text);
  const m = lowerModel(model);
  const train = data(96, 1);
  const run = await relateGradients(m, model, { train, validation: data(48, 2) }, { epochs: 4 });
  m.dispose();
  const input = {
    checked: model,
    history: run.history,
    relations: labelRelations(model, train),
    gradients: run.gradients,
    source: 'shop.mtl',
  };
  return { input, html: renderReport(input), model };
}

const count = (text: string, pattern: RegExp) => (text.match(pattern) ?? []).length;

describe('the HTML report', () => {
  it('holds the diagram, a curve per series, λ(t) and four heatmaps, all inline', async () => {
    const { html, model } = await realReport();
    // Total loss (train, validation); per head: loss (train, validation); metrics: buy 2, click 1, spend 1; λ: 3; cosine per epoch: 3 pairs.
    expect(count(html, /<path class="series" data-series="[^"]*" d="M[^"]+"/g)).toBe(2 + 3 * 2 + 4 + 3 + 3);
    expect(count(html, /<svg class="chart line-chart"/g)).toBe(1 + 3 + 3 + 1 + 1);
    expect(count(html, /<svg class="chart heatmap"/g)).toBe(4);
    expect(count(html, /<rect class="cell"/g) + count(html, /<rect class="cell empty"/g)).toBe(4 * 9);
    // buy and click share a label space; spend is continuous; every pair has a Pearson r and a cosine.
    expect(count(html, /<rect class="cell empty"/g)).toBe(9 - 4);
    expect(count(html, /<g class="node"/g)).toBe(buildGraph(model).nodes.length);
    const lambda = html.slice(html.indexOf('aria-label="Task weights λᵢ(t)"'));
    expect(lambda.slice(0, lambda.indexOf('</svg>')).match(/data-series="[^"]*"/g)).toEqual([
      'data-series="buy"',
      'data-series="click"',
      'data-series="spend"',
    ]);
    expect(html).toContain('graph TD');
    // Self-contained: no script, no stylesheet link, no URL but the SVG namespace.
    expect(html).not.toMatch(/<script|<link|<img|@import/);
    expect(html.replace(/http:\/\/www\.w3\.org\/2000\/svg/g, '')).not.toMatch(/https?:\/\//);
  });

  it('says what is missing when there is no history or relatedness', () => {
    const html = renderReport({ checked: checked() });
    expect(html).toContain('No training history in this report');
    expect(html).toContain('Not measured: <code>mtlc relate FILE --report OUT.html</code>');
    expect(count(html, /<svg class="diagram"/g)).toBe(1);
  });

  it('escapes names in markup', () => {
    const model = checked();
    const html = renderReport({ checked: model, source: 'a<b>&"c".mtl' });
    expect(html).toContain('a&lt;b&gt;&amp;&quot;c&quot;.mtl');
  });

  it('puts a colour legend on every heatmap and a label on both axes of every chart', async () => {
    const { html } = await realReport();
    expect(count(html, /<rect class="legend"/g)).toBe(count(html, /<svg class="chart heatmap"/g));
    const charts = html.match(/<svg class="chart[\s\S]*?<\/svg>/g)!;
    for (const chart of charts) expect(count(chart, /class="y-label"/g), chart.slice(0, 120)).toBe(1);
    expect(count(html, /class="x-label"/g)).toBe(4);
  });

  it('charts scores and errors of a head on separate axes', async () => {
    const { html } = await realReport(TWO_KINDS);
    const chart = (title: string) => html.slice(html.indexOf(`aria-label="${title}"`)).split('</svg>')[0]!;
    expect(chart('spend: validation scores').match(/data-series="[^"]*"/g)).toEqual(['data-series="r2"']);
    expect(chart('spend: validation errors').match(/data-series="[^"]*"/g)).toEqual(['data-series="mae"']);
    expect(chart('spend: validation errors')).toContain('>error (data units)</text>');
  });

  it('draws a loss that spans more than two decades on a log scale', () => {
    const lossChart = (...losses: number[]) =>
      lineChart({
        title: 'loss',
        xLabel: 'epoch',
        yLabel: 'loss',
        logYWhenWide: true,
        series: [{ name: 'train', points: losses.map((loss, i): [number, number] => [i + 1, loss]) }],
      });
    const wide = lossChart(900, 40, 0.5);
    expect(wide).toContain('>loss (log scale)</text>');
    const yTicks = [...wide.matchAll(/text-anchor="end"[^>]*>([^<]*)<\/text>/g)].map((m) => m[1]);
    expect(yTicks).toEqual(['0.1', '1', '10', '100', '1000']);
    expect(lossChart(9, 0.5)).not.toContain('log scale');
  });

  it('reads 0 at zero, never a rounding error such as -2.8e-17', () => {
    expect(niceTicks(-0.3, 0.5, 5)).toEqual([-0.4, -0.2, 0, 0.2, 0.4, 0.6]);
    expect(niceTicks(-0.7, 0.1, 5)).toContain(0);
  });

  it('picks round axis ticks, whole ones for epochs', () => {
    expect(niceTicks(0, 1, 5)).toEqual([0, 0.25, 0.5, 0.75, 1]);
    expect(niceTicks(1, 10, 6)).toEqual([0, 2, 4, 6, 8, 10]);
    expect(niceTicks(3, 3, 5).length).toBeGreaterThan(1);
    expect(niceTicks(1, 2, 6, 1)).toEqual([1, 2]);
    expect(niceTicks(1, 1, 6, 1)).toEqual([0, 1, 2]);
    expect(niceTicks(1, 40, 6, 1)).toEqual([0, 10, 20, 30, 40]);
  });
});

/** Debian's chromium, or another Chromium on the PATH. */
function findChromium(): string | undefined {
  for (const name of ['chromium', 'chromium-browser', 'google-chrome']) {
    const found = spawnSync('sh', ['-c', `command -v ${name}`], { encoding: 'utf8' });
    if (found.status === 0 && found.stdout.trim() !== '') return found.stdout.trim();
  }
  return undefined;
}

const chromium = findChromium();
if (chromium === undefined)
  console.log('report.test: headless Chromium test skipped: no chromium on the PATH (apt-get install -y chromium)');

describe.skipIf(chromium === undefined)('the report in headless Chromium', () => {
  it('parses into the same charts, and renders offline to a non-blank page', async () => {
    const { input, html } = await realReport();
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'mtl-report-'));
    const file = path.join(dir, 'report.html');
    await writeReport(file, input);
    expect(fs.readFileSync(file, 'utf8')).toBe(html);
    const flags = [
      '--headless',
      '--no-sandbox',
      '--disable-gpu',
      '--disable-background-networking',
      '--disable-component-update',
      '--no-first-run',
      '--disable-dev-shm-usage',
      `--user-data-dir=${path.join(dir, 'profile')}`,
    ];
    const dom = execFileSync(chromium!, [...flags, '--dump-dom', `file://${file}`], {
      encoding: 'utf8',
      timeout: 60_000,
      stdio: ['ignore', 'pipe', 'ignore'],
    });
    // The browser's own serialisation of the parsed page: every chart survived parsing.
    expect(count(dom, /<svg /g)).toBe(count(html, /<svg /g));
    expect(count(dom, /<path class="series" data-series="[^"]*" d="M[^"]+"/g)).toBe(count(html, /<path class="series"/g));
    expect(count(dom, /<rect class="cell/g)).toBe(36);
    const png = path.join(dir, 'report.png');
    execFileSync(chromium!, [...flags, '--hide-scrollbars', '--window-size=1200,2400', `--screenshot=${png}`, `file://${file}`], {
      timeout: 60_000,
      stdio: 'ignore',
    });
    const bytes = fs.readFileSync(png);
    expect(bytes.subarray(1, 4).toString('latin1')).toBe('PNG');
    // A blank white page of this size compresses to a few kilobytes; charts and text do not.
    expect(bytes.length).toBeGreaterThan(40_000);
    if (process.env['MTL_KEEP_REPORT'] !== undefined) fs.copyFileSync(png, process.env['MTL_KEEP_REPORT']);
    fs.rmSync(dir, { recursive: true, force: true });
  }, 120_000);

  it('lays out every text of every chart inside the chart, long names and narrow heatmaps included', async () => {
    const { html } = await realReport(TWO_KINDS);
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'mtl-layout-'));
    const file = path.join(dir, 'report.html');
    // The browser measures each text as it lays it out, and writes what sticks out into the page.
    const probe = `<script>addEventListener('load', () => {
      const out = [];
      for (const svg of document.querySelectorAll('svg.chart')) {
        const box = svg.getBoundingClientRect();
        for (const t of svg.querySelectorAll('text')) {
          const r = t.getBoundingClientRect();
          if (r.left < box.left - 1 || r.right > box.right + 1 || r.top < box.top - 1 || r.bottom > box.bottom + 1)
            out.push(svg.getAttribute('aria-label') + ': ' + t.textContent);
        }
      }
      document.body.setAttribute('data-overflow', JSON.stringify(out));
      document.body.setAttribute('data-charts', String(document.querySelectorAll('svg.chart').length));
    });</script>`;
    fs.writeFileSync(file, html.replace('</body>', `${probe}</body>`));
    const dom = execFileSync(
      chromium!,
      [
        '--headless',
        '--no-sandbox',
        '--disable-gpu',
        '--no-first-run',
        '--disable-dev-shm-usage',
        '--window-size=1200,2400',
        `--user-data-dir=${path.join(dir, 'profile')}`,
        '--virtual-time-budget=5000',
        '--dump-dom',
        `file://${file}`,
      ],
      { encoding: 'utf8', timeout: 60_000, stdio: ['ignore', 'pipe', 'ignore'] },
    );
    const attribute = (name: string) =>
      JSON.parse(
        /<body[^>]*/
          .exec(dom)![0]
          .match(new RegExp(`${name}="([^"]*)"`))![1]!
          .replace(/&quot;/g, '"'),
      );
    expect(attribute('data-charts')).toBe(count(html, /<svg class="chart/g));
    expect(attribute('data-overflow')).toEqual([]);
    fs.rmSync(dir, { recursive: true, force: true });
  }, 120_000);
});
