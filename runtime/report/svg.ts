/**
 * The report's charts, drawn as inline SVG strings with no library and no network: line charts
 * (one `<path class="series">` per series, with its name in `data-series`) and heatmaps (one
 * `<rect class="cell">` per cell, its value in `data-value`). Pure functions: data in, markup out.
 */

export function escapeXml(text: string): string {
  return text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');
}

/** A categorical palette that stays readable on white (Tableau 10). */
const PALETTE = ['#4e79a7', '#f28e2b', '#e15759', '#76b7b2', '#59a14f', '#edc948', '#b07aa1', '#ff9da7', '#9c755f', '#bab0ac'];

/** About `count` round tick values covering [min, max], at least `minStep` apart (1 for whole epochs). */
export function niceTicks(min: number, max: number, count = 5, minStep = 0): number[] {
  if (!(Number.isFinite(min) && Number.isFinite(max))) return [];
  if (min === max) {
    const pad = minStep > 0 ? minStep : min === 0 ? 1 : Math.abs(min) * 0.1;
    return niceTicks(min - pad, max + pad, count, minStep);
  }
  const raw = Math.max(minStep, (max - min) / Math.max(1, count - 1));
  const magnitude = 10 ** Math.floor(Math.log10(raw));
  const step = [1, 2, 2.5, 5, 10].map((m) => m * magnitude).find((s) => s >= raw) ?? 10 * magnitude;
  // Each tick a whole multiple of the step, not a running sum, so that 0 is 0 and not -2.8e-17.
  const tick = (k: number) => (k === 0 ? 0 : Number((k * step).toPrecision(12)));
  const ticks: number[] = [];
  let k = Math.floor(min / step);
  for (; tick(k) <= max + step * 1e-9; k++) ticks.push(tick(k));
  if (ticks[ticks.length - 1]! < max) ticks.push(tick(k));
  return ticks;
}

/** Powers of ten covering [min, max] (both > 0), for a log axis. */
export function logTicks(min: number, max: number): number[] {
  const ticks: number[] = [];
  for (let e = Math.floor(Math.log10(min)); e <= Math.ceil(Math.log10(max)); e++) ticks.push(Number((10 ** e).toPrecision(12)));
  return ticks;
}

/** A loss curve spanning more than two decades is drawn on a log scale: on a linear one, all but its start is flat. */
export function wantsLogScale(values: readonly number[]): boolean {
  return values.length > 1 && values.every((v) => v > 0) && Math.max(...values) / Math.min(...values) > 100;
}

/** The width a title of `text` takes at 13px (bold system-ui averages about 7.5px a character), with margins. */
function titleWidth(text: string): number {
  return Math.ceil(text.length * 7.5) + 24;
}

/** A number short enough for an axis or a cell: 3 significant digits, exponent form when tiny or huge. */
export function shortNumber(v: number): string {
  if (v === 0) return '0';
  const a = Math.abs(v);
  if (a >= 1e5 || a < 1e-3) return v.toExponential(1);
  return String(Number(v.toPrecision(3)));
}

export interface Series {
  readonly name: string;
  /** [x, y] points; non-finite y values are left out. */
  readonly points: readonly (readonly [number, number])[];
  readonly dashed?: boolean;
  readonly color?: string;
}

export interface LineChartOptions {
  readonly title: string;
  readonly xLabel: string;
  readonly yLabel: string;
  readonly series: readonly Series[];
  /** A vertical marker, such as the best epoch. */
  readonly marker?: { readonly x: number; readonly label: string };
  /** Whole-number x ticks (epochs). */
  readonly integerX?: boolean;
  /** A log y axis when the values span more than two decades (`wantsLogScale`); for losses. */
  readonly logYWhenWide?: boolean;
  readonly width?: number;
  readonly height?: number;
}

const FONT = 'font-family="system-ui, sans-serif"';

/** A line chart with axes, ticks, a legend and one path per series. */
export function lineChart(options: LineChartOptions): string {
  const width = Math.max(options.width ?? 460, titleWidth(options.title));
  const height = options.height ?? 260;
  const margin = { left: 56, right: 16, top: 30, bottom: 44 + 16 * Math.ceil(options.series.length / 3) };
  const plotW = width - margin.left - margin.right;
  const plotH = height - margin.top - margin.bottom;
  const series = options.series.map((s, i) => ({
    ...s,
    color: s.color ?? PALETTE[i % PALETTE.length]!,
    points: s.points.filter(([x, y]) => Number.isFinite(x) && Number.isFinite(y)),
  }));
  const xs = series.flatMap((s) => s.points.map((p) => p[0]));
  const ys = series.flatMap((s) => s.points.map((p) => p[1]));
  const out: string[] = [
    `<svg class="chart line-chart" xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" viewBox="0 0 ${width} ${height}" role="img" aria-label="${escapeXml(options.title)}">`,
    `<text x="${width / 2}" y="18" text-anchor="middle" font-size="13" font-weight="600" ${FONT}>${escapeXml(options.title)}</text>`,
  ];
  if (xs.length === 0) {
    out.push(`<text x="${width / 2}" y="${height / 2}" text-anchor="middle" font-size="12" fill="#777" ${FONT}>no data</text></svg>`);
    return out.join('');
  }
  const xTicks = niceTicks(Math.min(...xs), Math.max(...xs), 6, options.integerX === true ? 1 : 0);
  const log = options.logYWhenWide === true && wantsLogScale(ys);
  const yTicks = log ? logTicks(Math.min(...ys), Math.max(...ys)) : niceTicks(Math.min(...ys), Math.max(...ys), 5);
  const ty = log ? Math.log10 : (y: number) => y;
  const [x0, x1] = [xTicks[0]!, xTicks[xTicks.length - 1]!];
  const [y0, y1] = [ty(yTicks[0]!), ty(yTicks[yTicks.length - 1]!)];
  const sx = (x: number) => margin.left + (x1 === x0 ? plotW / 2 : ((x - x0) / (x1 - x0)) * plotW);
  const sy = (y: number) => margin.top + plotH - (y1 === y0 ? plotH / 2 : ((ty(y) - y0) / (y1 - y0)) * plotH);
  const f = (v: number) => v.toFixed(1);
  for (const t of yTicks) {
    out.push(`<line x1="${margin.left}" x2="${margin.left + plotW}" y1="${f(sy(t))}" y2="${f(sy(t))}" stroke="#e5e5e5"/>`);
    out.push(
      `<text x="${margin.left - 6}" y="${f(sy(t) + 4)}" text-anchor="end" font-size="10" fill="#555" ${FONT}>${shortNumber(t)}</text>`,
    );
  }
  for (const t of xTicks) {
    out.push(`<line x1="${f(sx(t))}" x2="${f(sx(t))}" y1="${margin.top + plotH}" y2="${margin.top + plotH + 4}" stroke="#888"/>`);
    out.push(
      `<text x="${f(sx(t))}" y="${margin.top + plotH + 16}" text-anchor="middle" font-size="10" fill="#555" ${FONT}>${shortNumber(t)}</text>`,
    );
  }
  out.push(`<rect x="${margin.left}" y="${margin.top}" width="${plotW}" height="${plotH}" fill="none" stroke="#aaa"/>`);
  out.push(
    `<text x="${margin.left + plotW / 2}" y="${margin.top + plotH + 32}" text-anchor="middle" font-size="11" fill="#333" ${FONT}>${escapeXml(options.xLabel)}</text>`,
  );
  const yLabel = `${options.yLabel}${log ? ' (log scale)' : ''}`;
  out.push(
    `<text class="y-label" transform="translate(14 ${margin.top + plotH / 2}) rotate(-90)" text-anchor="middle" font-size="11" fill="#333" ${FONT}>${escapeXml(yLabel)}</text>`,
  );
  if (options.marker !== undefined && options.marker.x >= x0 && options.marker.x <= x1) {
    const mx = f(sx(options.marker.x));
    out.push(
      `<line class="marker" x1="${mx}" x2="${mx}" y1="${margin.top}" y2="${margin.top + plotH}" stroke="#999" stroke-dasharray="3 3"/>`,
    );
    out.push(
      `<text x="${mx}" y="${margin.top - 3}" text-anchor="middle" font-size="9" fill="#777" ${FONT}>${escapeXml(options.marker.label)}</text>`,
    );
  }
  for (const s of series) {
    if (s.points.length === 0) continue;
    const d = s.points.map(([x, y], i) => `${i === 0 ? 'M' : 'L'}${f(sx(x))} ${f(sy(y))}`).join(' ');
    const dash = s.dashed === true ? ' stroke-dasharray="6 4"' : '';
    out.push(`<path class="series" data-series="${escapeXml(s.name)}" d="${d}" fill="none" stroke="${s.color}" stroke-width="2"${dash}/>`);
    for (const [x, y] of s.points.length <= 30 ? s.points : [])
      out.push(`<circle cx="${f(sx(x))}" cy="${f(sy(y))}" r="2.5" fill="${s.color}"/>`);
  }
  series.forEach((s, i) => {
    const lx = margin.left + (i % 3) * (plotW / 3);
    const ly = margin.top + plotH + 48 + Math.floor(i / 3) * 16;
    const dash = s.dashed === true ? ' stroke-dasharray="6 4"' : '';
    out.push(`<line x1="${f(lx)}" x2="${f(lx + 18)}" y1="${ly - 4}" y2="${ly - 4}" stroke="${s.color}" stroke-width="2"${dash}/>`);
    out.push(`<text x="${f(lx + 22)}" y="${ly}" font-size="10" fill="#333" ${FONT}>${escapeXml(s.name)}</text>`);
  });
  out.push('</svg>');
  return out.join('');
}

export interface HeatmapOptions {
  /** Unique within the page: names the chart's hatch pattern. */
  readonly id: string;
  readonly title: string;
  readonly labels: readonly string[];
  /** Row-major values; undefined: no value (drawn hatched grey, with `note` as its tooltip). */
  readonly cells: readonly (readonly { readonly value?: number; readonly note?: string }[])[];
  /** The value range the colours span; a range below zero uses a diverging scale (blue − / red +). */
  readonly domain: readonly [number, number];
}

/** Interpolates white → colour (sequential), or blue ← white → red around 0 (diverging). */
function cellColor(value: number, [lo, hi]: readonly [number, number]): string {
  const mix = (t: number, to: readonly [number, number, number]) => {
    const c = [255, 255, 255].map((w, i) => Math.round(w + (to[i]! - w) * Math.min(1, Math.max(0, t))));
    return `rgb(${c[0]},${c[1]},${c[2]})`;
  };
  if (lo < 0) return value >= 0 ? mix(value / hi, [202, 0, 32]) : mix(value / lo, [5, 113, 176]);
  return mix((value - lo) / (hi - lo), [33, 102, 172]);
}

/** The characters of a task name a heatmap shows (about 115px at 11px). */
const MAX_LABEL = 16;

/** A square matrix as coloured cells with their values printed, task names on both axes, and a colour legend. */
export function heatmap(options: HeatmapOptions): string {
  const n = options.labels.length;
  const cell = 58;
  const labelWidth = 12 + 7 * Math.max(1, ...options.labels.map((l) => Math.min(l.length, MAX_LABEL)));
  const left = 18 + labelWidth;
  const top = 34 + labelWidth * 0.6;
  const legend = { x: left + n * cell + 14, width: 12, height: Math.max(n * cell - 2, 80) };
  const width = Math.max(legend.x + legend.width + 44, titleWidth(options.title));
  const height = top + Math.max(n * cell, legend.height) + 16;
  const id = options.id;
  const out: string[] = [
    `<svg class="chart heatmap" xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height.toFixed(0)}" viewBox="0 0 ${width} ${height.toFixed(0)}" role="img" aria-label="${escapeXml(options.title)}">`,
    `<defs><pattern id="${id}-hatch" width="6" height="6" patternUnits="userSpaceOnUse" patternTransform="rotate(45)"><rect width="6" height="6" fill="#f2f2f2"/><line x1="0" y1="0" x2="0" y2="6" stroke="#d0d0d0" stroke-width="2"/></pattern>${legendGradient(id, options.domain)}</defs>`,
    `<text x="${width / 2}" y="18" text-anchor="middle" font-size="13" font-weight="600" ${FONT}>${escapeXml(options.title)}</text>`,
    `<text class="y-label" transform="translate(12 ${(top + (n * cell) / 2).toFixed(0)}) rotate(-90)" text-anchor="middle" font-size="11" fill="#333" ${FONT}>task i</text>`,
    `<text class="x-label" x="${left + (n * cell) / 2}" y="32" text-anchor="middle" font-size="11" fill="#333" ${FONT}>task j</text>`,
  ];
  options.labels.forEach((label, i) => {
    const cx = left + i * cell + cell / 2;
    // A long task name is cut to what the label room holds; its tooltip has it whole.
    const shown = `${escapeXml(label.length > MAX_LABEL ? `${label.slice(0, MAX_LABEL - 1)}…` : label)}<title>${escapeXml(label)}</title>`;
    out.push(`<text transform="translate(${cx} ${(top - 6).toFixed(0)}) rotate(-35)" font-size="11" fill="#333" ${FONT}>${shown}</text>`);
    out.push(
      `<text x="${left - 6}" y="${(top + i * cell + cell / 2 + 4).toFixed(0)}" text-anchor="end" font-size="11" fill="#333" ${FONT}>${shown}</text>`,
    );
  });
  options.cells.forEach((row, i) =>
    row.forEach((c, j) => {
      const x = left + j * cell;
      const y = (top + i * cell).toFixed(0);
      if (c.value === undefined || !Number.isFinite(c.value)) {
        out.push(
          `<rect class="cell empty" x="${x}" y="${y}" width="${cell - 2}" height="${cell - 2}" fill="url(#${id}-hatch)"><title>${escapeXml(c.note ?? 'no value')}</title></rect>`,
        );
        out.push(
          `<text x="${x + cell / 2 - 1}" y="${Number(y) + cell / 2 + 3}" text-anchor="middle" font-size="11" fill="#888" ${FONT}>n/a</text>`,
        );
        return;
      }
      const fill = cellColor(c.value, options.domain);
      const strong = Math.abs(c.value) > (options.domain[0] < 0 ? 0.6 : 0.6 * options.domain[1]);
      out.push(
        `<rect class="cell" data-value="${c.value}" x="${x}" y="${y}" width="${cell - 2}" height="${cell - 2}" fill="${fill}"><title>${escapeXml(`${options.labels[i]} × ${options.labels[j]}: ${c.value}`)}</title></rect>`,
      );
      out.push(
        `<text x="${x + cell / 2 - 1}" y="${Number(y) + cell / 2 + 3}" text-anchor="middle" font-size="11" fill="${strong ? '#fff' : '#222'}" ${FONT}>${c.value.toFixed(2)}</text>`,
      );
    }),
  );
  // The colour legend: the domain's top at the top, its bottom at the bottom, 0 marked on a diverging scale.
  const [lo, hi] = options.domain;
  const ly = (v: number) => top + ((hi - v) / (hi - lo)) * legend.height;
  out.push(
    `<rect class="legend" x="${legend.x}" y="${top.toFixed(0)}" width="${legend.width}" height="${legend.height}" fill="url(#${id}-scale)" stroke="#aaa"/>`,
  );
  for (const v of lo < 0 ? [hi, 0, lo] : [hi, lo]) {
    out.push(
      `<text x="${legend.x + legend.width + 4}" y="${(ly(v) + 4).toFixed(0)}" font-size="10" fill="#555" ${FONT}>${shortNumber(v)}</text>`,
    );
  }
  out.push('</svg>');
  return out.join('');
}

/** The vertical gradient of a heatmap's legend, drawn with the cells' own colours. */
function legendGradient(id: string, domain: readonly [number, number]): string {
  const [lo, hi] = domain;
  const stops = Array.from({ length: 11 }, (_, k) => {
    const v = hi - ((hi - lo) * k) / 10;
    return `<stop offset="${k * 10}%" stop-color="${cellColor(v, domain)}"/>`;
  });
  return `<linearGradient id="${id}-scale" x1="0" y1="0" x2="0" y2="1">${stops.join('')}</linearGradient>`;
}
