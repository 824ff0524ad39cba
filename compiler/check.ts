/**
 * Checking a parsed file: the ordered lists of checks, and the checked models they produce.
 * Stages run in order — names, blocks, then per model cycles, graph and shapes, options, warnings —
 * and each later stage works with what the earlier ones could resolve, so one mistake is reported once.
 */
import type { ModelDecl, MtlFile } from './ast.js';
import type { Check, FileContext, ModelContext } from './check-context.js';
import { checkBlockRecursion } from './checks/block-recursion.js';
import { checkBlocks } from './checks/blocks.js';
import { checkCycles } from './checks/cycles.js';
import { checkData } from './checks/data-options.js';
import { checkDuplicates } from './checks/duplicates.js';
import { checkGraph } from './checks/graph.js';
import { checkHeadOptions } from './checks/head-options.js';
import { checkHeads } from './checks/heads.js';
import { checkSize } from './checks/size.js';
import { checkTrain } from './checks/train-options.js';
import { checkUnused } from './checks/unused.js';
import { checkWeighting } from './checks/weighting.js';
import { checkWeights } from './checks/weights.js';
import { compareDiagnostics, type Diagnostic } from './diagnostics.js';
import type { CheckedModel, HeadNode, InputNode } from './ir.js';
import { isMoved, relocate } from './relocate.js';
import { emptySemanticModel, type SemanticModel } from './semantic.js';
import type { Span } from './span.js';
import type { BlockEntry } from './stages.js';

/** The checks of the file as a whole, in order: names declared twice, recursive blocks, then each block on its own. */
const FILE_CHECKS: readonly Check<FileContext>[] = [checkDuplicates, checkBlockRecursion, checkBlocks];

/**
 * The checks of one model, in order. Cycles come first, since elaboration leaves a member in a cycle
 * unknown; the graph check elaborates the graph (names, calls, shapes) that all later checks read;
 * then the heads and their options, the weights, weighting, data and train sections (train reads
 * data: a validation file), each of which reports a second copy of itself; and last the warnings, which need a model without errors.
 */
const MODEL_CHECKS: readonly Check<ModelContext>[] = [
  checkCycles,
  checkGraph,
  checkHeads,
  checkHeadOptions,
  checkWeights,
  checkWeighting,
  checkData,
  checkTrain,
  checkUnused,
];

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
export function checkFile(
  file: MtlFile,
  importedBlocks: ReadonlyMap<string, BlockEntry> = new Map(),
  importFailed = false,
  previous?: CheckResult,
): CheckResult {
  const diagnostics: Diagnostic[] = [];
  const semantic = emptySemanticModel();
  const blocks = new Map(importedBlocks);
  for (const block of [...file.blocks].reverse()) if (block.name.text !== '') blocks.set(block.name.text, { decl: block });

  const ctx: FileContext = { file, importedBlocks, blocks, importFailed, report: (d) => diagnostics.push(d), semantic };
  for (const check of FILE_CHECKS) check(ctx);
  const reusable = previous !== undefined && previous.importFailed === importFailed && sameBlocks(previous.blocks, blocks);
  const earlier = reusable ? byName(previous.perModel) : new Map<string, ModelCheck[]>();
  const perModel = file.models.map(
    (model) => reuse(model, earlier.get(model.name.text), importedBlocks.size === 0) ?? checkModel(model, blocks, importFailed),
  );
  const models: CheckedModel[] = [];
  for (const check of perModel) {
    diagnostics.push(...check.diagnostics);
    semantic.symbols.push(...check.semantic.symbols);
    semantic.references.push(...check.semantic.references);
    semantic.calls.push(...check.semantic.calls);
    if (check.model) models.push(check.model);
  }
  const sorted = dedupe(diagnostics.sort(compareDiagnostics));
  return {
    diagnostics: sorted,
    models: sorted.some((d) => d.severity === 'error') ? [] : models,
    semantic,
    blocks,
    importFailed,
    perModel,
  };
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
        references: references.map((r) => ({
          span: relocate(r.span, delta, moves),
          symbol: symbolOf.get(r.symbol) ?? relocate(r.symbol, delta, moves),
        })),
        calls: relocate(calls, delta, moves),
      },
      model: relocate(earlier.model, delta, moves),
    };
  }
  return undefined;
}

function checkModel(model: ModelDecl, blocks: ReadonlyMap<string, BlockEntry>, importFailed: boolean): ModelCheck {
  const reported: Diagnostic[] = [];
  const semantic = emptySemanticModel();
  if (model.name.text !== '') semantic.symbols.push({ name: model.name.text, kind: 'model', nameSpan: model.name.span, span: model.span });
  const ctx: ModelContext = { model, blocks, importFailed, report: (d) => reported.push(d), reported, semantic };
  for (const check of MODEL_CHECKS) check(ctx);
  const checked = checkedModel(ctx);
  // Last, on the checked model: whether it can be built at all (docs/security.md).
  const buildable = checked !== undefined && checkSize(checked, model, ctx.report);
  return { decl: model, diagnostics: reported, semantic, model: buildable ? checked : undefined };
}

/** The checked model, when every part of it resolved. */
function checkedModel({ model, graph, heads, weights, weighting, train, data }: ModelContext): CheckedModel | undefined {
  if (
    graph === undefined ||
    heads === undefined ||
    weights === undefined ||
    weighting === undefined ||
    train === undefined ||
    data === undefined
  )
    return undefined;
  const inputs = [...graph.inputs.values()];
  const trunks = [...graph.trunks.values()];
  const gates = [...graph.gates.values()];
  if (inputs.includes(undefined) || trunks.includes(undefined) || heads.includes(undefined) || gates.some((g) => g.node === undefined))
    return undefined;
  return {
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
  };
}

function dedupe(diagnostics: Diagnostic[]): Diagnostic[] {
  return diagnostics.filter((d, i) => {
    const prev = diagnostics[i - 1];
    return !(
      prev &&
      prev.code === d.code &&
      prev.span.start === d.span.start &&
      prev.span.end === d.span.end &&
      prev.message === d.message
    );
  });
}
