/**
 * The per-task metrics table that `mtlc train` prints at the end and `mtlc eval` prints: one block
 * per head, its loss then its metrics, one column per data split.
 *
 *     head     task          metric     train    validation
 *     species  classify(3)   loss      0.0412      0.0534
 *                            accuracy  0.9887      0.9851
 *                            labelled     266          67
 */
import { describeTask, type HeadNode } from '../compiler/index.js';

/** One split's evaluation (runtime/train/evaluate.ts `Evaluation`, structurally). */
export interface SplitEvaluation {
  readonly loss: number;
  readonly taskLoss: Readonly<Record<string, number>>;
  readonly metrics: Readonly<Record<string, Readonly<Record<string, number>>>>;
  readonly labelled: Readonly<Record<string, number>>;
}

/** A head as the table names it: its name, and its task as the source writes it (`classify(3)`). */
export type HeadLabel = Pick<HeadNode, 'name' | 'task'>;

/** A metric as the tables show it: four decimals; `—` where there was nothing to measure. */
function formatMetric(value: number | undefined): string {
  if (value === undefined || Number.isNaN(value)) return '—';
  if (!Number.isFinite(value)) return String(value);
  return value.toFixed(4);
}

export function metricsTable(
  heads: readonly HeadLabel[],
  splits: ReadonlyArray<{ readonly title: string; readonly evaluation: SplitEvaluation }>,
): string {
  const rows: string[][] = [];
  for (const head of heads) {
    const metricNames = [...new Set(splits.flatMap((s) => Object.keys(s.evaluation.metrics[head.name] ?? {})))];
    const lines: Array<[string, (e: SplitEvaluation) => string]> = [
      ['loss', (e) => (e.labelled[head.name] === 0 ? '—' : formatMetric(e.taskLoss[head.name]))],
      ...metricNames.map((m): [string, (e: SplitEvaluation) => string] => [m, (e) => formatMetric(e.metrics[head.name]?.[m])]),
      ['labelled rows', (e) => String(e.labelled[head.name] ?? 0)],
    ];
    lines.forEach(([metric, value], i) => {
      rows.push([i === 0 ? head.name : '', i === 0 ? describeTask(head.task) : '', metric, ...splits.map((s) => value(s.evaluation))]);
    });
  }
  rows.push(['total', '', 'loss (Σ λ·loss)', ...splits.map((s) => formatMetric(s.evaluation.loss))]);
  return formatTable(['head', 'task', 'metric', ...splits.map((s) => s.title)], rows, (column) => column >= 3);
}

/** Left-aligned columns, right-aligned where `right(column)`, two spaces apart, a rule under the header. */
export function formatTable(
  header: readonly string[],
  rows: readonly (readonly string[])[],
  right: (column: number) => boolean = () => false,
): string {
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? '').length)));
  const line = (cells: readonly string[]): string =>
    cells
      .map((cell, i) => (right(i) ? cell.padStart(widths[i]!) : cell.padEnd(widths[i]!)))
      .join('  ')
      .trimEnd();
  return `${[line(header), widths.map((w) => '─'.repeat(w)).join('  '), ...rows.map(line)].join('\n')}\n`;
}
