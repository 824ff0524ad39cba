/**
 * What a check is given. Every check in compiler/checks/ is a `Check`: a function of a context that
 * reports into it, and records there what it resolved for the checks after it in the list.
 */
import type { Member, ModelDecl, MtlFile } from './ast.js';
import { diagnostic, Diagnostics, type Diagnostic } from './diagnostics.js';
import type { ElaboratedModel } from './elaborate.js';
import type { DataSpec, HeadNode, TrainSpec, WeightingSpec, WeightSpec } from './ir.js';
import type { SemanticModel } from './semantic.js';
import type { BlockEntry } from './stages.js';
import type { Report } from './values.js';

export interface CheckContext {
  /** The blocks in scope: the file's, then the imported ones. */
  readonly blocks: ReadonlyMap<string, BlockEntry>;
  /** Some imported file could not be read (MTL0105): a name that resembles nothing may be one of its blocks. */
  readonly importFailed: boolean;
  readonly report: Report;
  readonly semantic: SemanticModel;
}

/** The context of the file-level checks, which run once per file before any model is checked. */
export interface FileContext extends CheckContext {
  readonly file: MtlFile;
  /** The blocks of the imported files alone. */
  readonly importedBlocks: ReadonlyMap<string, BlockEntry>;
}

/**
 * The context of the per-model checks. It holds the model and not its file, since checking a model
 * depends on nothing else than it, the blocks and `importFailed`: that is what lets an edit reuse it.
 */
export interface ModelContext extends CheckContext {
  readonly model: ModelDecl;
  /** What this model's checks reported so far, in order. */
  readonly reported: readonly Diagnostic[];
  /** The elaborated graph, set by the graph check; the checks after it read it through `graphOf`. */
  graph?: ElaboratedModel;
  /** One entry per elaborated head: its node, or undefined when something it needs did not check. */
  heads?: (HeadNode | undefined)[];
  weights?: Record<string, WeightSpec>;
  weighting?: WeightingSpec;
  train?: TrainSpec;
  data?: DataSpec;
}

export type Check<C extends CheckContext> = (ctx: C) => void;

export function graphOf(ctx: ModelContext): ElaboratedModel {
  if (ctx.graph === undefined) throw new Error(`model "${ctx.model.name.text}": a check that reads the graph ran before the graph check`);
  return ctx.graph;
}

/** The model's section of one kind (`weights {}`, `train {}`…), the first if it has several; each other copy is reported. */
export function sectionOf<K extends Member['kind']>(ctx: ModelContext, kind: K, word: string): Extract<Member, { kind: K }> | undefined {
  const found = ctx.model.members.filter((m): m is Extract<Member, { kind: K }> => m.kind === kind);
  for (const extra of found.slice(1))
    ctx.report(
      diagnostic(Diagnostics.duplicateSection, extra.span, [word], { related: [{ span: found[0]!.span, message: 'first declared here' }] }),
    );
  return found[0];
}
