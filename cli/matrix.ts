/**
 * A task-by-task matrix as aligned text: task names down the left and across the top, values
 * right-aligned in columns, "n/a" where a cell has no value (its reason is listed by the caller).
 */
export interface MatrixCell {
  readonly value?: number;
}

export function formatMatrix(labels: readonly string[], cells: readonly (readonly MatrixCell[])[], digits = 3, indent = '  '): string {
  const shown = cells.map((row) => row.map((c) => (c.value === undefined || !Number.isFinite(c.value) ? 'n/a' : c.value.toFixed(digits))));
  const first = Math.max(...labels.map((l) => l.length));
  const widths = labels.map((l, j) => Math.max(l.length, ...shown.map((row) => row[j]!.length)));
  const lines = [`${indent}${' '.repeat(first)}  ${labels.map((l, j) => l.padStart(widths[j]!)).join('  ')}`];
  shown.forEach((row, i) => lines.push(`${indent}${labels[i]!.padEnd(first)}  ${row.map((v, j) => v.padStart(widths[j]!)).join('  ')}`));
  return `${lines.join('\n')}\n`;
}
