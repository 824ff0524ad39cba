import * as fs from 'node:fs';
import * as path from 'node:path';
import { describe, expect, it } from 'vitest';
import { compile } from '../../compiler/compile.js';
import { describeLayer, graphDot, graphMermaid } from '../../compiler/graph.js';
import type { CheckedModel } from '../../compiler/ir.js';

const root = path.resolve(__dirname, '../..');

function checked(text: string): CheckedModel {
  const result = compile('/project/main.mtl', text);
  expect(result.diagnostics.filter((d) => d.severity === 'error')).toEqual([]);
  return result.models[0]!;
}

const examples = fs.readdirSync(path.join(root, 'examples')).filter((f) => f.endsWith('.mtl'));

describe('graphs of the examples', () => {
  it.each(examples)('%s: every input, trunk, gate and head is a node, and every node but the inputs has an edge in', (name) => {
    const file = path.join(root, 'examples', name);
    for (const model of compile(file, fs.readFileSync(file, 'utf8')).models) {
      const mermaid = graphMermaid(model);
      const dot = graphDot(model);
      expect(mermaid.startsWith('graph TD\n')).toBe(true);
      expect(dot.startsWith(`digraph "${model.name}" {\n`) && dot.endsWith('}\n')).toBe(true);
      const ids = [
        ...model.inputs.map((m) => `input_${m.name}`),
        ...model.trunks.map((m) => `trunk_${m.name}`),
        ...model.gates.map((m) => `gate_${m.name}`),
        ...model.heads.map((m) => `head_${m.name}`),
      ];
      for (const id of ids) {
        expect(mermaid).toMatch(new RegExp(`^  ${id}[\\[({]`, 'm'));
        expect(dot).toMatch(new RegExp(`^  ${id} \\[`, 'm'));
        if (!id.startsWith('input_')) expect(mermaid).toMatch(new RegExp(`-->\\|"[^"]*"\\| ${id}$`, 'm'));
      }
    }
  });
});

describe('graphMermaid', () => {
  it('draws a gate with its experts, and one edge from it to each head that reads it', () => {
    const model = checked(`model M {
  input x: float[8]
  gate moe = mmoe(x, experts: 3, expert: dense(4, relu))
  head a = moe -> binary()
  head b = moe -> regress(2)
}
`);
    expect(graphMermaid(model)).toBe(
      [
        'graph TD',
        '  %% model M',
        '  input_x[/"x<br/>float[8]"/]',
        '  gate_moe{{"moe<br/>mmoe: 3 shared experts<br/>expert: dense(4, relu)"}}',
        '  head_a(["a<br/>binary() → [1]"])',
        '  head_b(["b<br/>regress(2) → [2]"])',
        '  input_x -->|"[8]"| gate_moe',
        '  gate_moe -->|"[4]"| head_a',
        '  gate_moe -->|"[4]"| head_b',
        '',
      ].join('\n'),
    );
  });

  it('draws a merge as its own node, with a node for layers applied to one of its parts', () => {
    const model = checked(`model M {
  input x: float[10]
  input img: float[8, 8, 1]
  trunk t = concat(x, img -> flatten()) -> dense(16)
  head h = t -> regress(1)
}
`);
    const mermaid = graphMermaid(model);
    expect(mermaid).toContain('  merge_1(("concat"))\n');
    expect(mermaid).toContain('  layers_2["flatten()"]\n');
    expect(mermaid).toContain('  input_img -->|"[8, 8, 1]"| layers_2\n');
    expect(mermaid).toContain('  layers_2 -->|"[64]"| merge_1\n');
    expect(mermaid).toContain('  input_x -->|"[10]"| merge_1\n');
    expect(mermaid).toContain('  merge_1 -->|"[74]"| trunk_t\n');
  });

  it('escapes quotes in labels', () => {
    const model = checked('model M {\n  input c: category["a \\"b\\"", "d"]\n  head h = c -> binary()\n}\n');
    expect(graphMermaid(model)).toContain('input_c[/"c<br/>category[#quot;a \\#quot;b\\#quot;#quot;, #quot;d#quot;]"/]');
    expect(graphDot(model)).toContain('label="c\\ncategory[\\"a \\\\\\"b\\\\\\"\\", \\"d\\"]"');
  });
});

describe('describeLayer', () => {
  const layers = (pipeline: string) =>
    checked(
      `model M {\n  input x: float[16, 16, 3]\n  trunk t = x -> ${pipeline}\n  head h = t -> regress(1)\n}\n`,
    ).trunks[0]!.flow.layers.map(describeLayer);

  it('writes layers as a user would, leaving defaults out', () => {
    expect(
      layers('conv2d(8, 3) -> conv2d(8, 3, relu, stride: 2, padding: valid) -> maxpool(2) -> flatten() -> dense(4) -> dropout(0.5)'),
    ).toEqual(['conv2d(8, 3)', 'conv2d(8, 3, relu, stride: 2, padding: valid)', 'maxpool(2)', 'flatten()', 'dense(4)', 'dropout(0.5)']);
  });
});
