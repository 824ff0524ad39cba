/**
 * Drawings of a checked model (`mtlc graph`): inputs → trunks → gates → heads, each edge labelled
 * with the shape that flows along it. One graph is built, then printed as Mermaid (`graph TD`, for
 * Markdown) or Graphviz dot. Pure: a checked model in, text out.
 */
import type { CheckedModel, Flow, GateNode, HeadNode, InputNode, LayerNode, Shape, Source, TaskNode } from './ir.js';
import { LAYERS, formatShape } from './library/layers.js';

export type NodeKind = 'input' | 'trunk' | 'gate' | 'head' | 'merge' | 'layers';

export interface GraphNode {
  readonly id: string;
  readonly kind: NodeKind;
  /** The label, one entry per line. */
  readonly lines: readonly string[];
}

interface GraphEdge {
  readonly from: string;
  readonly to: string;
  readonly label: string;
}

interface Graph {
  readonly name: string;
  readonly nodes: GraphNode[];
  readonly edges: GraphEdge[];
}

/** A layer as it would be written: `dense(64, relu)`, `conv2d(16, 3, relu, stride: 2)`, `flatten()`. */
export function describeLayer(layer: LayerNode): string {
  const spec = LAYERS.get(layer.op);
  const parts: string[] = [];
  let positional = true;
  for (const param of spec?.params ?? []) {
    const value = layer.args[param.name];
    if (value === undefined || (param.default !== undefined && value === param.default)) {
      positional = false;
      continue;
    }
    // Activations read best by position (`dense(64, relu)`); other defaulted parameters by name.
    const byPosition: boolean = positional && (param.default === undefined || param.name === 'activation');
    parts.push(byPosition ? String(value) : `${param.name}: ${String(value)}`);
    positional = byPosition;
  }
  return `${layer.op}(${parts.join(', ')})`;
}

export function describeTask(task: TaskNode): string {
  return task.kind === 'binary' ? 'binary()' : `${task.kind}(${task.units})`;
}

function describeInput(input: InputNode): string {
  if (input.category !== undefined) {
    const names = input.category.names;
    return names !== undefined ? `category[${names.map((n) => JSON.stringify(n)).join(', ')}]` : `category(${input.category.count})`;
  }
  const dims = input.shape.length === 1 && input.shape[0] === 1 ? '' : formatShape(input.shape);
  return `${input.dtype}${dims}${input.vocab !== undefined ? ` vocab ${input.vocab}` : ''}${input.normalize ? ' normalize' : ''}`;
}

function describeGate(gate: GateNode): string {
  switch (gate.kind) {
    case 'mmoe':
      return `mmoe: ${gate.experts} shared experts`;
    case 'cgc':
      return `cgc: ${gate.shared} shared + ${gate.specific} per task`;
    case 'ple':
      return `ple: ${gate.levels} levels of ${gate.shared} shared + ${gate.specific} per task`;
  }
}

function shapeLabel(shape: Shape): string {
  return formatShape(shape);
}

/** The drawing's nodes and edges, before printing (also laid out as SVG by the training report). */
export function buildGraph(model: CheckedModel): Graph {
  const nodes: GraphNode[] = [];
  const edges: GraphEdge[] = [];
  let anonymous = 0;

  const sourceId = (source: Source): string => {
    switch (source.kind) {
      case 'input':
        return `input_${source.name}`;
      case 'trunk':
        return `trunk_${source.name}`;
      case 'gate':
        return `gate_${source.name}`;
      case 'merge': {
        const id = `merge_${++anonymous}`;
        nodes.push({ id, kind: 'merge', lines: [source.op] });
        for (const part of source.parts) edges.push({ from: flowTail(part), to: id, label: shapeLabel(part.shape) });
        return id;
      }
    }
  };
  /** The node whose output is the flow's output: its source, or a node for its own layers. */
  const flowTail = (flow: Flow): string => {
    const from = sourceId(flow.source);
    if (flow.layers.length === 0) return from;
    const id = `layers_${++anonymous}`;
    nodes.push({ id, kind: 'layers', lines: flow.layers.map(describeLayer) });
    edges.push({ from, to: id, label: shapeLabel(flow.source.shape) });
    return id;
  };
  /** A trunk or head node shows its own layers; the edge into it comes from its source. */
  const flowInto = (flow: Flow, to: string): void => {
    edges.push({ from: sourceId(flow.source), to, label: shapeLabel(flow.source.shape) });
  };

  for (const input of model.inputs) nodes.push({ id: `input_${input.name}`, kind: 'input', lines: [input.name, describeInput(input)] });
  for (const trunk of model.trunks) {
    nodes.push({ id: `trunk_${trunk.name}`, kind: 'trunk', lines: [trunk.name, ...trunk.flow.layers.map(describeLayer)] });
  }
  for (const gate of model.gates) {
    nodes.push({
      id: `gate_${gate.name}`,
      kind: 'gate',
      lines: [gate.name, describeGate(gate), `expert: ${gate.expert.map(describeLayer).join(' → ')}`],
    });
  }
  for (const head of model.heads) {
    nodes.push({ id: `head_${head.name}`, kind: 'head', lines: headLines(head) });
  }
  for (const trunk of model.trunks) flowInto(trunk.flow, `trunk_${trunk.name}`);
  for (const gate of model.gates) edges.push({ from: flowTail(gate.input), to: `gate_${gate.name}`, label: shapeLabel(gate.input.shape) });
  for (const head of model.heads) flowInto(head.flow, `head_${head.name}`);
  return { name: model.name, nodes, edges };
}

function headLines(head: HeadNode): string[] {
  return [head.name, ...head.flow.layers.map(describeLayer), `${describeTask(head.task)} → ${formatShape(head.task.outShape)}`];
}

// ── Mermaid ─────────────────────────────────────────────────────────────────────────────────

const MERMAID_SHAPES: Record<NodeKind, [string, string]> = {
  input: ['[/', '/]'],
  trunk: ['[', ']'],
  gate: ['{{', '}}'],
  head: ['([', '])'],
  merge: ['((', '))'],
  layers: ['[', ']'],
};

function mermaidText(text: string): string {
  return `"${text.replace(/"/g, '#quot;')}"`;
}

/** A Mermaid flowchart (`graph TD`), top to bottom from the inputs to the heads. */
export function graphMermaid(model: CheckedModel): string {
  const graph = buildGraph(model);
  const out = ['graph TD', `  %% model ${graph.name}`];
  for (const node of graph.nodes) {
    const [open, close] = MERMAID_SHAPES[node.kind];
    out.push(`  ${node.id}${open}${mermaidText(node.lines.join('<br/>'))}${close}`);
  }
  for (const edge of graph.edges) out.push(`  ${edge.from} -->|${mermaidText(edge.label)}| ${edge.to}`);
  return `${out.join('\n')}\n`;
}

// ── Graphviz dot ────────────────────────────────────────────────────────────────────────────

const DOT_SHAPES: Record<NodeKind, string> = {
  input: 'shape=parallelogram',
  trunk: 'shape=box',
  gate: 'shape=hexagon',
  head: 'shape=box, style=rounded',
  merge: 'shape=circle',
  layers: 'shape=box, style=dashed',
};

function dotText(text: string): string {
  return `"${text.replace(/\\/g, '\\\\').replace(/"/g, '\\"')}"`;
}

/** A Graphviz digraph, ranked top to bottom; render with `dot -Tsvg`. */
export function graphDot(model: CheckedModel): string {
  const graph = buildGraph(model);
  const out = [
    `digraph ${dotText(graph.name)} {`,
    '  rankdir=TB;',
    '  node [fontname="Helvetica", fontsize=11];',
    '  edge [fontname="Helvetica", fontsize=10];',
  ];
  for (const node of graph.nodes)
    out.push(`  ${node.id} [${DOT_SHAPES[node.kind]}, label=${dotText(node.lines.join('\n')).replace(/\n/g, '\\n')}];`);
  for (const edge of graph.edges) out.push(`  ${edge.from} -> ${edge.to} [label=${dotText(edge.label)}];`);
  out.push('}');
  return `${out.join('\n')}\n`;
}
