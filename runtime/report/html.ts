/**
 * The training report: one self-contained HTML file (inline CSS and SVG, no script, no network)
 * that shows a run at a glance — the model diagram, per-task training and validation curves, the
 * task weights λ_i(t), and the task-relatedness and gradient-cosine heatmaps of `mtlc relate`.
 * `renderReport` is pure; `writeReport` writes its result atomically.
 */
import { graphMermaid, type CheckedModel, type Metric } from '../../compiler/index.js';
import type { GradientRelations, LabelRelations, PairValue } from '../experiments/index.js';
import { writeFileAtomic } from '../files/index.js';
import { type EpochRecord, HIGHER_IS_BETTER } from '../train/index.js';
import { modelDiagram } from './diagram.js';
import { escapeXml, heatmap, lineChart, type Series, shortNumber } from './svg.js';

export interface ReportHistory {
  readonly epochs: readonly EpochRecord[];
  readonly bestEpoch?: number;
  readonly stopped?: string;
}

export interface ReportInput {
  readonly checked: CheckedModel;
  readonly history?: ReportHistory;
  readonly relations?: LabelRelations;
  readonly gradients?: GradientRelations;
  /** The model graph as Mermaid text; default: `graphMermaid(checked)`. */
  readonly mermaid?: string;
  /** The .mtl file, as the user named it. */
  readonly source?: string;
  /** The command that made the report, shown under the title. */
  readonly command?: string;
}

const CSS = `
body { font-family: system-ui, sans-serif; margin: 24px auto; max-width: 1180px; color: #222; padding: 0 16px; }
h1 { font-size: 22px; margin-bottom: 4px; } h2 { font-size: 17px; margin-top: 32px; border-bottom: 1px solid #ddd; padding-bottom: 4px; }
.sub { color: #666; font-size: 13px; } .grid { display: flex; flex-wrap: wrap; gap: 12px; } .note { color: #666; font-size: 13px; }
table { border-collapse: collapse; font-size: 13px; } td, th { border: 1px solid #ddd; padding: 4px 8px; text-align: right; } th { background: #f6f6f6; }
td:first-child, th:first-child { text-align: left; } pre { background: #f7f7f7; padding: 10px; font-size: 12px; overflow-x: auto; }
.diagram-box { overflow-x: auto; border: 1px solid #eee; padding: 8px; }
`;

export function renderReport(input: ReportInput): string {
  const { checked } = input;
  const heads = checked.heads.map((h) => h.name);
  const sections: string[] = [];
  sections.push(`<h1>${escapeXml(checked.name)}</h1>`);
  const facts = [
    input.source !== undefined ? `from <code>${escapeXml(input.source)}</code>` : '',
    `${heads.length} heads: ${heads.map(escapeXml).join(', ')}`,
    `weighting ${checked.weighting.method}`,
    input.command !== undefined ? `made by <code>${escapeXml(input.command)}</code>` : '',
  ].filter((s) => s !== '');
  sections.push(`<p class="sub">${facts.join(' · ')}</p>`);

  sections.push('<h2>Model</h2>');
  sections.push(`<div class="diagram-box">${modelDiagram(checked, 'model')}</div>`);
  sections.push(
    `<details><summary class="note">The same graph as Mermaid text (paste into any Mermaid viewer)</summary><pre>${escapeXml(input.mermaid ?? graphMermaid(checked))}</pre></details>`,
  );

  sections.push(...trainingSections(input.history, heads));
  sections.push(...relatednessSections(input.relations, input.gradients));
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>${escapeXml(checked.name)} — mtl report</title>
<style>${CSS}</style>
</head>
<body>
${sections.join('\n')}
</body>
</html>
`;
}

export async function writeReport(file: string, input: ReportInput): Promise<void> {
  await writeFileAtomic(file, renderReport(input));
}

function points(epochs: readonly EpochRecord[], read: (e: EpochRecord) => number | undefined): [number, number][] {
  return epochs.flatMap((e) => {
    const v = read(e);
    return v === undefined || !Number.isFinite(v) ? [] : [[e.epoch, v] as [number, number]];
  });
}

function trainingSections(history: ReportHistory | undefined, heads: readonly string[]): string[] {
  if (history === undefined || history.epochs.length === 0) {
    return [
      '<h2>Training</h2>',
      '<p class="note">No training history in this report: <code>mtlc train FILE --report</code> adds the curves.</p>',
    ];
  }
  const epochs = history.epochs;
  const marker = history.bestEpoch !== undefined ? { x: history.bestEpoch, label: `best ${history.bestEpoch}` } : undefined;
  const withMarker = marker !== undefined ? { marker } : {};
  const hasVal = epochs.some((e) => e.val !== undefined);
  const out: string[] = ['<h2>Training</h2>'];
  const stopped = history.stopped !== undefined ? ` · stopped: ${escapeXml(history.stopped)}` : '';
  out.push(
    `<p class="sub">${epochs.length} epoch${epochs.length === 1 ? '' : 's'}${history.bestEpoch !== undefined ? ` · best epoch ${history.bestEpoch}` : ''}${stopped}</p>`,
  );
  const charts: string[] = [];
  const total: Series[] = [{ name: 'train Σ λ·L', points: points(epochs, (e) => e.loss) }];
  if (hasVal) total.push({ name: 'validation Σ λ·L', points: points(epochs, (e) => e.val?.loss), dashed: true });
  const loss = { xLabel: 'epoch', integerX: true, yLabel: 'loss', logYWhenWide: true, ...withMarker } as const;
  charts.push(lineChart({ title: 'Total loss', series: total, ...loss }));
  for (const head of heads) {
    const series: Series[] = [{ name: 'train', points: points(epochs, (e) => e.taskLoss[head]) }];
    if (hasVal) series.push({ name: 'validation', points: points(epochs, (e) => e.val?.taskLoss[head]), dashed: true });
    charts.push(lineChart({ title: `${head}: loss`, series, ...loss }));
    const metrics = [...new Set(epochs.flatMap((e) => Object.keys(e.val?.metrics[head] ?? {})))];
    // Scores (accuracy … r²) and errors (MAE … in the data's units) have different ranges: one axis each.
    for (const [kind, yLabel, names] of [
      ['scores', 'score', metrics.filter((m) => HIGHER_IS_BETTER.has(m as Metric))],
      ['errors', 'error (data units)', metrics.filter((m) => !HIGHER_IS_BETTER.has(m as Metric))],
    ] as const) {
      if (names.length === 0) continue;
      charts.push(
        lineChart({
          title: `${head}: validation ${kind}`,
          xLabel: 'epoch',
          yLabel,
          integerX: true,
          series: names.map((m) => ({ name: m, points: points(epochs, (e) => e.val?.metrics[head]?.[m]) })),
          ...withMarker,
        }),
      );
    }
  }
  charts.push(
    lineChart({
      title: 'Task weights λᵢ(t)',
      xLabel: 'epoch',
      integerX: true,
      yLabel: 'λ',
      series: heads.map((h) => ({ name: h, points: points(epochs, (e) => e.lambda[h]) })),
    }),
  );
  out.push(`<div class="grid">${charts.join('\n')}</div>`);
  out.push(metricsTable(history, heads));
  return out;
}

function metricsTable(history: ReportHistory, heads: readonly string[]): string {
  const epoch = history.epochs.find((e) => e.epoch === history.bestEpoch) ?? history.epochs[history.epochs.length - 1]!;
  if (epoch.val === undefined) return '';
  const metrics = [...new Set(heads.flatMap((h) => Object.keys(epoch.val!.metrics[h] ?? {})))];
  const rows = heads.map(
    (h) =>
      `<tr><td>${escapeXml(h)}</td><td>${shortNumber(epoch.val!.taskLoss[h] ?? NaN)}</td>${metrics
        .map((m) => `<td>${epoch.val!.metrics[h]?.[m] !== undefined ? shortNumber(epoch.val!.metrics[h]![m]!) : ''}</td>`)
        .join('')}</tr>`,
  );
  return `<p class="sub">Validation at epoch ${epoch.epoch}</p><table><tr><th>head</th><th>loss</th>${metrics.map((m) => `<th>${escapeXml(m)}</th>`).join('')}</tr>${rows.join('')}</table>`;
}

/** The distinct reasons for empty cells above the diagonal, as a list. */
function notes(tasks: readonly string[], matrix: readonly (readonly PairValue[])[]): string {
  const items: string[] = [];
  matrix.forEach((row, i) =>
    row.forEach((c, j) => {
      if (j > i && c.value === undefined && c.note !== undefined)
        items.push(`<li>${escapeXml(tasks[i]!)} × ${escapeXml(tasks[j]!)}: ${escapeXml(c.note)}</li>`);
    }),
  );
  return items.length === 0 ? '' : `<ul class="note">${items.join('')}</ul>`;
}

function relatednessSections(relations: LabelRelations | undefined, gradients: GradientRelations | undefined): string[] {
  const out: string[] = ['<h2>Task relatedness</h2>'];
  if (relations === undefined && gradients === undefined) {
    out.push(
      '<p class="note">Not measured: <code>mtlc relate FILE --report OUT.html</code> adds the label relatedness and gradient-cosine heatmaps.</p>',
    );
    return out;
  }
  const maps: string[] = [];
  const explain: string[] = [];
  if (relations !== undefined) {
    maps.push(
      heatmap({ id: 'agreement', title: 'Label agreement Rᵢⱼ', labels: relations.tasks, cells: relations.agreement, domain: [0, 1] }),
    );
    maps.push(
      heatmap({
        id: 'correlation',
        title: 'Label correlation (Pearson r)',
        labels: relations.tasks,
        cells: relations.correlation,
        domain: [-1, 1],
      }),
    );
    explain.push(
      '<p class="note">Rᵢⱼ = (1/N) Σₖ I(yᵢₖ = yⱼₖ) over the N rows labelled for both tasks, for tasks with the same discrete label space; Pearson r for scalar labels.</p>',
    );
    explain.push(notes(relations.tasks, relations.agreement), notes(relations.tasks, relations.correlation));
  }
  if (gradients !== undefined) {
    maps.push(
      heatmap({ id: 'cosine', title: 'Gradient cosine (mean)', labels: gradients.tasks, cells: gradients.cosine, domain: [-1, 1] }),
    );
    maps.push(
      heatmap({
        id: 'conflict',
        title: 'Share of steps with gᵢ·gⱼ < 0',
        labels: gradients.tasks,
        cells: gradients.conflict,
        domain: [0, 1],
      }),
    );
    explain.push(
      `<p class="note">Each task's gradient of its own loss on the ${gradients.sharedParameters} shared parameters, over ${gradients.steps} training steps.</p>`,
    );
    explain.push(notes(gradients.tasks, gradients.cosine));
  }
  out.push(`<div class="grid">${maps.join('\n')}</div>`, ...explain);
  if (gradients !== undefined && gradients.perEpoch.length > 1) {
    const series: Series[] = [];
    gradients.tasks.forEach((a, i) =>
      gradients.tasks.forEach((b, j) => {
        if (j > i)
          series.push({
            name: `${a} × ${b}`,
            points: gradients.perEpoch.flatMap((m, e) => (m[i]?.[j] !== undefined ? [[e + 1, m[i]![j]!] as [number, number]] : [])),
          });
      }),
    );
    out.push(
      `<div class="grid">${lineChart({ title: 'Gradient cosine per epoch', xLabel: 'epoch', integerX: true, yLabel: 'cosine', series })}</div>`,
    );
  }
  return out;
}
