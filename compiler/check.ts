/**
 * Checking a parsed file: the ordered list of checks, and the checked models they produce.
 * Stages run in order — names, blocks, then per model cycles, graph and shapes, options, warnings —
 * and each later stage works with what the earlier ones could resolve, so one mistake is reported once.
 */
import type { Member, ModelDecl, MtlFile } from './ast.js';
import { checkBlockRecursion } from './checks/block-recursion.js';
import { checkBlock } from './checks/blocks.js';
import { checkCycles } from './checks/cycles.js';
import { checkData } from './checks/data-options.js';
import { checkDuplicates } from './checks/duplicates.js';
import { checkHeadOptions } from './checks/head-options.js';
import { checkTrain } from './checks/train-options.js';
import { checkUnused } from './checks/unused.js';
import { checkWeighting } from './checks/weighting.js';
import { checkWeights } from './checks/weights.js';
import { compareDiagnostics, diagnostic, Diagnostics, type Diagnostic } from './diagnostics.js';
import { elaborateModel } from './elaborate.js';
import type { CheckedModel, HeadNode, InputNode } from './ir.js';
import { isMoved, relocate } from './relocate.js';
import { emptySemanticModel, type SemanticModel } from './semantic.js';
import type { Span } from './span.js';
import type { BlockEntry } from './stages.js';
import type { Report } from './values.js';

export interface CheckResult {
  readonly diagnostics: Diagnostic[];
  /** The checked models; empty while the file has errors. */
  readonly models: CheckedModel[];
  readonly semantic: SemanticModel;
  /** The blocks the models were checked with (the file's, then the imported ones). */
  readonly blocks: ReadonlyMap<string, BlockEntry>;
  /** Whether some imported file could not be read, which the models were checked knowing. */
  readonly importFailed: boolean;
  /** What each model gave, in file order: the next check of an edited file reuses what did not change. */
  readonly perModel: readonly ModelCheck[];
}

/** What checking one model gave, given the blocks and whether an import failed; it depends on nothing else. */
export interface ModelCheck {
  readonly decl: ModelDecl;
  /** In the order they were reported (the file's are sorted once, all together). */
  readonly diagnostics: readonly Diagnostic[];
  readonly semantic: SemanticModel;
  readonly model: CheckedModel | undefined;
}

/**
 * Checks a file, given the blocks of the files it imports and whether some import could not be read.
 * With `previous`, the check of an earlier version of it, a model whose syntax tree is the same
 * (perhaps moved) and whose blocks are the same is not checked again: its results are moved.
 */
export function checkFile(file: MtlFile, importedBlocks: ReadonlyMap<string, BlockEntry> = new Map(), importFailed = false, previous?: CheckResult): CheckResult {
  const diagnostics: Diagnostic[] = [];
  const report: Report = (d) => diagnostics.push(d);
  const semantic = emptySemanticModel();
  const blocks = new Map(importedBlocks);
  for (const block of [...file.blocks].reverse()) if (block.name.text !== '') blocks.set(block.name.text, { decl: block });

  checkDuplicates(file, importedBlocks, report);
  checkBlockRecursion(file.blocks, report);
  for (const block of file.blocks) checkBlock(block, blocks, importFailed, report, semantic);
  const reusable = previous !== undefined && previous.importFailed === importFailed && sameBlocks(previous.blocks, blocks);
  const earlier = reusable ? byName(previous.perModel) : new Map<string, ModelCheck[]>();
  const perModel = file.models.map((model) => reuse(model, earlier.get(model.name.text), importedBlocks.size === 0) ?? checkModel(model, blocks, importFailed));
  const models: CheckedModel[] = [];
  for (const check of perModel) {
    diagnostics.push(...check.diagnostics);
    semantic.symbols.push(...check.semantic.symbols);
    semantic.references.push(...check.semantic.references);
    semantic.calls.push(...check.semantic.calls);
    if (check.model) models.push(check.model);
  }
  const sorted = dedupe(diagnostics.sort(compareDiagnostics));
  return { diagnostics: sorted, models: sorted.some((d) => d.severity === 'error') ? [] : models, semantic, blocks, importFailed, perModel };
}

function byName(checks: readonly ModelCheck[]): Map<string, ModelCheck[]> {
  const map = new Map<string, ModelCheck[]>();
  for (const check of checks) {
    const same = map.get(check.decl.name.text);
    if (same) same.push(check);
    else map.set(check.decl.name.text, [check]);
  }
  return map;
}

/** The same blocks, in the same order (suggestions list them in it), from the same files. */
function sameBlocks(a: ReadonlyMap<string, BlockEntry>, b: ReadonlyMap<string, BlockEntry>): boolean {
  if (a.size !== b.size) return false;
  const entries = b.entries();
  for (const [name, entry] of a) {
    const [otherName, other] = entries.next().value!;
    if (name !== otherName || entry.uri !== other.uri || !isMoved(entry.decl, other.decl, 0)) return false;
  }
  return true;
}

/**
 * The earlier check of a model with the same syntax tree, moved to where the model is now. Checks
 * make no spans of their own: every span in a model's results is one of its syntax tree's or one of
 * a block's it inlines. So the spans inside the model's old range move with it and the others stay,
 * but only when all blocks are in this file; a span into an imported file could lie in that range.
 */
function reuse(model: ModelDecl, candidates: readonly ModelCheck[] | undefined, mayMove: boolean): ModelCheck | undefined {
  for (const earlier of candidates ?? []) {
    const from = earlier.decl.span;
    const delta = model.span.start - from.start;
    if ((delta !== 0 && !mayMove) || !isMoved(earlier.decl, model, delta)) continue;
    const moves = (span: Span) => span.start >= from.start && span.end <= from.end;
    const { symbols, references, calls } = earlier.semantic;
    const moved = relocate(symbols, delta, moves);
    // A reference holds its symbol itself, not a copy.
    const symbolOf = new Map(symbols.map((symbol, i) => [symbol, moved[i]!]));
    return {
      decl: model,
      diagnostics: relocate(earlier.diagnostics, delta, moves),
      semantic: {
        symbols: moved,
        references: references.map((r) => ({ span: relocate(r.span, delta, moves), symbol: symbolOf.get(r.symbol) ?? relocate(r.symbol, delta, moves) })),
        calls: relocate(calls, delta, moves),
      },
      model: relocate(earlier.model, delta, moves),
    };
  }
  return undefined;
}

function checkModel(model: ModelDecl, blocks: ReadonlyMap<string, BlockEntry>, importFailed: boolean): ModelCheck {
  const reported: Diagnostic[] = [];
  const report: Report = (d) => reported.push(d);
  const semantic = emptySemanticModel();
  const result = (checked?: CheckedModel): ModelCheck => ({ decl: model, diagnostics: reported, semantic, model: checked });
  if (model.name.text !== '') semantic.symbols.push({ name: model.name.text, kind: 'model', nameSpan: model.name.span, span: model.span });
  const section = <K extends Member['kind']>(kind: K, word: string) => {
    const found = model.members.filter((m): m is Extract<Member, { kind: K }> => m.kind === kind);
    for (const extra of found.slice(1)) report(diagnostic(Diagnostics.duplicateSection, extra.span, [word], { related: [{ span: found[0]!.span, message: 'first declared here' }] }));
    return found[0];
  };
  checkCycles(model, report);
  const graph = elaborateModel(model, blocks, importFailed, report, semantic);
  const headDecls = graph.heads.map((h) => h.decl);
  if (headDecls.length === 0 && model.name.text !== '') report(diagnostic(Diagnostics.noHeads, model.name.span, [model.name.text]));

  const heads: (HeadNode | undefined)[] = graph.heads.map((head) => {
    if (head.task === undefined) return undefined;
    const options = checkHeadOptions(head.decl, head.task.spec, head.task.units, report, semantic);
    if (head.flow === undefined || head.task.inShape === undefined || head.task.outShape === undefined) return undefined;
    const { spec, units, call } = head.task;
    return {
      name: head.decl.name.text,
      flow: head.flow,
      span: head.decl.span,
      task: { kind: spec.name, units, activation: spec.activation, inShape: head.task.inShape, outShape: head.task.outShape, span: call.span, ...options },
    };
  });
  const weights = checkWeights(section('Weights', 'weights'), headDecls, report, semantic);
  const weighting = checkWeighting(section('Weighting', 'weighting'), report, semantic);
  const train = checkTrain(section('Train', 'train'), headDecls.map((h) => h.name.text), report);
  const data = checkData(section('Data', 'data'), report);
  // Unused parts are only worth a warning once the graph itself is sound: a broken pipeline reads nothing.
  if (!reported.some((d) => d.severity === 'error')) checkUnused(graph, report);

  const inputs = [...graph.inputs.values()];
  const trunks = [...graph.trunks.values()];
  const gates = [...graph.gates.values()];
  if (inputs.includes(undefined) || trunks.includes(undefined) || heads.includes(undefined) || gates.some((g) => g.node === undefined)) return result();
  return result({
    name: model.name.text,
    inputs: (inputs as InputNode[]).map((i) => (graph.idsInputs.has(i.name) ? { ...i, dtype: 'int', shape: [1], categoryAsIds: true } : i)),
    trunks: trunks as NonNullable<(typeof trunks)[number]>[],
    gates: gates.map((g) => ({ ...g.node!, readers: g.readers })),
    heads: heads as HeadNode[],
    weights,
    weighting,
    train,
    data,
    span: model.span,
  });
}

function dedupe(diagnostics: Diagnostic[]): Diagnostic[] {
  return diagnostics.filter((d, i) => {
    const prev = diagnostics[i - 1];
    return !(prev && prev.code === d.code && prev.span.start === d.span.start && prev.span.end === d.span.end && prev.message === d.message);
  });
}
