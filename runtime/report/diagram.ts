/**
 * The model diagram of the report, as inline SVG: the graph `mtlc graph` prints (compiler/graph.ts)
 * laid out in layers — each node one row below the lowest of its sources (longest path from the
 * inputs), nodes within a row ordered by the mean position of their sources — with every edge
 * labelled by the shape that flows along it. Works offline; no Mermaid runtime needed.
 */
import { buildGraph, type GraphNode, type NodeKind, type CheckedModel } from '../../compiler/index.js';
import { escapeXml } from './svg.js';

const STYLE: Record<NodeKind, { fill: string; stroke: string; dash?: string }> = {
  input: { fill: '#eef4fb', stroke: '#4e79a7' },
  trunk: { fill: '#f3f3f3', stroke: '#666' },
  gate: { fill: '#fdf1e4', stroke: '#f28e2b' },
  head: { fill: '#eaf5ea', stroke: '#59a14f' },
  merge: { fill: '#fff', stroke: '#888' },
  layers: { fill: '#fff', stroke: '#999', dash: '4 3' },
};

const LINE = 15;
const CHAR = 6.6;
const ROW_GAP = 56;
const COLUMN_GAP = 26;

interface Placed {
  readonly node: GraphNode;
  readonly width: number;
  readonly height: number;
  x: number;
  y: number;
}

function size(node: GraphNode): { width: number; height: number } {
  if (node.kind === 'merge') return { width: 56, height: 36 };
  const longest = Math.max(...node.lines.map((l) => l.length));
  return { width: Math.max(84, Math.ceil(longest * CHAR) + 24), height: node.lines.length * LINE + 14 };
}

/** Longest-path layers: every node sits below all of its sources. */
function layers(nodes: readonly GraphNode[], edges: readonly { from: string; to: string }[]): GraphNode[][] {
  const rank = new Map<string, number>(nodes.map((n) => [n.id, 0]));
  // The graph is a DAG with at most a few dozen nodes: relaxing n times reaches the fixed point.
  for (let pass = 0; pass < nodes.length; pass++) {
    let changed = false;
    for (const e of edges) {
      const next = (rank.get(e.from) ?? 0) + 1;
      if (next > (rank.get(e.to) ?? 0)) {
        rank.set(e.to, next);
        changed = true;
      }
    }
    if (!changed) break;
  }
  const rows: GraphNode[][] = [];
  for (const node of nodes) (rows[rank.get(node.id)!] ??= []).push(node);
  return rows.filter((r) => r !== undefined);
}

export function modelDiagram(model: CheckedModel, id = 'model'): string {
  const graph = buildGraph(model);
  const rows = layers(graph.nodes, graph.edges);
  const placed = new Map<string, Placed>();
  let y = 12;
  const rowWidths: number[] = [];
  rows.forEach((row, r) => {
    if (r > 0) {
      // Order by the mean x of the sources already placed, so edges cross less.
      const meanX = (n: GraphNode) => {
        const xs = graph.edges
          .filter((e) => e.to === n.id)
          .map((e) => placed.get(e.from))
          .filter((p) => p !== undefined)
          .map((p) => p.x + p.width / 2);
        return xs.length === 0 ? Infinity : xs.reduce((s, v) => s + v, 0) / xs.length;
      };
      row.sort((a, b) => meanX(a) - meanX(b));
    }
    let x = 0;
    const sized = row.map((node) => ({ node, ...size(node) }));
    const height = Math.max(...sized.map((s) => s.height));
    for (const s of sized) {
      placed.set(s.node.id, { ...s, x, y: y + (height - s.height) / 2 });
      x += s.width + COLUMN_GAP;
    }
    rowWidths.push(x - COLUMN_GAP);
    y += height + ROW_GAP;
  });
  const width = Math.max(...rowWidths) + 24;
  const height = y - ROW_GAP + 12;
  // Centre every row.
  rows.forEach((row, r) => {
    const shift = (width - rowWidths[r]!) / 2;
    for (const node of row) placed.get(node.id)!.x += shift;
  });

  const out: string[] = [
    `<svg class="diagram" xmlns="http://www.w3.org/2000/svg" width="${width.toFixed(0)}" height="${height.toFixed(0)}" viewBox="0 0 ${width.toFixed(0)} ${height.toFixed(0)}" role="img" aria-label="model ${escapeXml(graph.name)}" font-family="system-ui, sans-serif">`,
    `<defs><marker id="${id}-arrow" viewBox="0 0 10 10" refX="9" refY="5" markerWidth="7" markerHeight="7" orient="auto-start-reverse"><path d="M0 0 L10 5 L0 10 z" fill="#777"/></marker></defs>`,
  ];
  for (const edge of graph.edges) {
    const a = placed.get(edge.from);
    const b = placed.get(edge.to);
    if (a === undefined || b === undefined) continue;
    const [x1, y1, x2, y2] = [a.x + a.width / 2, a.y + a.height, b.x + b.width / 2, b.y];
    const mid = (y1 + y2) / 2;
    out.push(
      `<path class="edge" d="M${x1.toFixed(1)} ${y1.toFixed(1)} C${x1.toFixed(1)} ${mid.toFixed(1)} ${x2.toFixed(1)} ${mid.toFixed(1)} ${x2.toFixed(1)} ${(y2 - 1).toFixed(1)}" fill="none" stroke="#777" stroke-width="1.3" marker-end="url(#${id}-arrow)"/>`,
    );
    const lx = (x1 + x2) / 2;
    out.push(`<text x="${(lx + 4).toFixed(1)}" y="${(mid + 3).toFixed(1)}" font-size="10" fill="#555">${escapeXml(edge.label)}</text>`);
  }
  for (const p of placed.values()) {
    const style = STYLE[p.node.kind];
    const dash = style.dash !== undefined ? ` stroke-dasharray="${style.dash}"` : '';
    out.push(`<g class="node" data-kind="${p.node.kind}" data-id="${escapeXml(p.node.id)}">`);
    out.push(shape(p, style.fill, style.stroke, dash));
    p.node.lines.forEach((line, i) => {
      const bold = i === 0 && p.node.kind !== 'layers' && p.node.kind !== 'merge' ? ' font-weight="600"' : '';
      const ty = p.node.kind === 'merge' ? p.y + p.height / 2 + 4 : p.y + 7 + LINE * (i + 1) - 3;
      out.push(
        `<text x="${(p.x + p.width / 2).toFixed(1)}" y="${ty.toFixed(1)}" text-anchor="middle" font-size="11" fill="#222"${bold}>${escapeXml(line)}</text>`,
      );
    });
    out.push('</g>');
  }
  out.push('</svg>');
  return out.join('');
}

function shape(p: Placed, fill: string, stroke: string, dash: string): string {
  const { x, y, width: w, height: h } = p;
  const paint = `fill="${fill}" stroke="${stroke}" stroke-width="1.5"${dash}`;
  switch (p.node.kind) {
    case 'input': {
      const s = 8;
      return `<polygon points="${x + s},${y} ${x + w},${y} ${x + w - s},${y + h} ${x},${y + h}" ${paint}/>`;
    }
    case 'gate': {
      const s = 10;
      return `<polygon points="${x + s},${y} ${x + w - s},${y} ${x + w},${y + h / 2} ${x + w - s},${y + h} ${x + s},${y + h} ${x},${y + h / 2}" ${paint}/>`;
    }
    case 'merge':
      return `<ellipse cx="${x + w / 2}" cy="${y + h / 2}" rx="${w / 2}" ry="${h / 2}" ${paint}/>`;
    case 'head':
      return `<rect x="${x}" y="${y}" width="${w}" height="${h}" rx="12" ${paint}/>`;
    default:
      return `<rect x="${x}" y="${y}" width="${w}" height="${h}" rx="3" ${paint}/>`;
  }
}
