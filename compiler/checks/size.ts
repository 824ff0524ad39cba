/**
 * The size of a checked model against the limits of limits.ts, before anything is built: the layers
 * once every expert is copied (counted, not planned), the values in one row of every tensor, and
 * the parameters of the plan that lowering builds. Over the limits is an error; a large model that
 * fits is a warning that says what it needs.
 */
import type { ModelDecl } from '../ast.js';
import { diagnostic, Diagnostics } from '../diagnostics.js';
import type { CheckedModel, Flow, GateNode, LayerNode, Shape } from '../ir.js';
import { LARGE_PARAMETERS, MAX_LAYERS, MAX_PARAMETERS, MAX_ROW_VALUES } from '../limits.js';
import { summarize } from '../summary-table.js';
import type { Report } from '../values.js';

/** Reports the size problems of `model`; returns whether it is within the limits (warnings allowed). */
export function checkSize(model: CheckedModel, decl: ModelDecl, report: Report): boolean {
  const at = decl.name.span;
  const layers = layerCount(model);
  if (layers > MAX_LAYERS) {
    report(diagnostic(Diagnostics.tooManyLayers, at, [model.name, layers]));
    return false;
  }
  let fits = true;
  const values = (shape: Shape): number => shape.reduce((a, b) => a * b, 1);
  for (const input of model.inputs) {
    if (values(input.shape) > MAX_ROW_VALUES) {
      report(diagnostic(Diagnostics.rowTooLarge, input.span, [`input "${input.name}"`, values(input.shape)]));
      fits = false;
    }
  }
  for (const layer of allLayers(model)) {
    if (values(layer.outShape) > MAX_ROW_VALUES) {
      report(diagnostic(Diagnostics.rowTooLarge, layer.span, [`the output of ${layer.op}`, values(layer.outShape)]));
      fits = false;
    }
  }
  if (!fits) return false;
  const parameters = summarize(model).total;
  if (parameters > MAX_PARAMETERS) {
    report(diagnostic(Diagnostics.tooManyParameters, at, [model.name, parameters]));
    return false;
  }
  if (parameters > LARGE_PARAMETERS) report(diagnostic(Diagnostics.largeModel, at, [model.name, parameters]));
  return true;
}

/** Copies of a gate's expert: per level, the shared experts and each reading head's own. */
function expertCopies(gate: GateNode): number {
  if (gate.kind === 'mmoe') return gate.experts;
  const perLevel = gate.shared + gate.specific * gate.readers.length;
  return gate.kind === 'cgc' ? perLevel : perLevel * Math.max(1, gate.levels);
}

function flowLayers(flow: Flow): LayerNode[] {
  const source = flow.source.kind === 'merge' ? flow.source.parts.flatMap(flowLayers) : [];
  return [...source, ...flow.layers];
}

/** Every layer written in the model, each expert once. */
function allLayers(model: CheckedModel): LayerNode[] {
  return [
    ...model.trunks.flatMap((t) => flowLayers(t.flow)),
    ...model.heads.flatMap((h) => flowLayers(h.flow)),
    ...model.gates.flatMap((g) => [...flowLayers(g.input), ...g.expert]),
  ];
}

/** Layers once built: every expert copied, plus one output layer per head. */
function layerCount(model: CheckedModel): number {
  const gates = model.gates.reduce((sum, g) => sum + flowLayers(g.input).length + g.expert.length * expertCopies(g), 0);
  const flows = [...model.trunks, ...model.heads].reduce((sum, m) => sum + flowLayers(m.flow).length, 0);
  return gates + flows + model.heads.length;
}
