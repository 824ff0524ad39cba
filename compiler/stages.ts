/**
 * Applying layer and block calls to a tensor: argument checks, block inlining and shape inference
 * (LANGUAGE.md §4 pipelines and blocks, §5 shape rules). Shared by trunks, heads, gate experts and
 * block bodies. An unknown input (`undefined`) means "checked upstream already": arguments are still
 * checked, shapes are not, so one mistake gives one diagnostic.
 */
import type { BlockDecl, Call } from './ast.js';
import { bindArguments, checkCall, scalarArguments } from './calls.js';
import { diagnostic, Diagnostics, phaseOf, type Diagnostic } from './diagnostics.js';
import type { LayerNode } from './ir.js';
import { LAYERS, MERGES, type TensorInfo } from './library/layers.js';
import { MAX_LAYERS } from './limits.js';
import { GATES } from './library/methods.js';
import type { ArgType, Signature } from './library/signature.js';
import { TASKS } from './library/tasks.js';
import type { CallInfo } from './semantic.js';
import { contains } from './span.js';
import { didYouMean } from './suggest.js';
import { evaluate, type Env, type Report, type Value } from './values.js';

export interface BlockEntry {
  readonly decl: BlockDecl;
  /** Set for blocks brought in by an import. */
  readonly uri?: string;
}

/** Unique, traceable layer ids within one model: `shared/dense_1`, `income/tower_1/dropout_2`. */
export class LayerNamer {
  private readonly counts = new Map<string, number>();
  /** Layers made so far, which inlining a block may not take past `MAX_LAYERS`. */
  layers = 0;

  id(prefix: string, op: string): string {
    const n = (this.counts.get(prefix) ?? 0) + 1;
    this.counts.set(prefix, n);
    return `${prefix}/${op}_${n}`;
  }

  /** The prefix of the layers inlined from one call of a block: `income/tower_1`. */
  blockPrefix(prefix: string, block: string): string {
    return this.id(prefix, block);
  }
}

export interface StageContext {
  readonly blocks: ReadonlyMap<string, BlockEntry>;
  /** Names of the model's own members, so that `x -> shared` gets a precise message. */
  readonly memberKinds: ReadonlyMap<string, string>;
  /** Some imported file could not be read (MTL0105): a name that resembles nothing may be one of its blocks. */
  readonly importFailed: boolean;
  readonly report: Report;
  readonly namer: LayerNamer;
  /** Receives what each call in the compiled file resolved to; absent while inlining a block. */
  readonly recordCall?: (info: CallInfo) => void;
}

export interface StagesResult {
  readonly layers: LayerNode[];
  /** undefined when some stage failed (already reported) or the input was unknown. */
  readonly info: TensorInfo | undefined;
}

const PARAM_TYPES: Record<string, ArgType> = {
  int: { kind: 'int' },
  float: { kind: 'float' },
  bool: { kind: 'bool' },
  string: { kind: 'string' },
};

/** A block's parameters as a signature; parameters of unknown type accept nothing (already reported). */
export function blockSignature(decl: BlockDecl): Signature {
  return {
    name: decl.name.text,
    doc: `block ${decl.name.text}`,
    params: decl.params.map((p) => ({
      name: p.name.text,
      type: PARAM_TYPES[p.type.text] ?? { kind: 'layers' },
      ...(p.default !== undefined ? { default: 0 } : {}),
      doc: '',
    })),
  };
}

export function applyStages(
  calls: readonly Call[],
  input: TensorInfo | undefined,
  env: Env,
  prefix: string,
  ctx: StageContext,
  blockStack: readonly string[] = [],
): StagesResult {
  const layers: LayerNode[] = [];
  let info = input;
  for (const call of calls) {
    const name = call.callee.text;
    if (name === '') {
      info = undefined;
      continue;
    }
    const inShape = info?.shape;
    const layer = LAYERS.get(name);
    const block = ctx.blocks.get(name);
    if (layer !== undefined) {
      ctx.namer.layers++;
      const args = checkCall(call, layer, env, ctx.report);
      let next: TensorInfo | undefined;
      if (args !== undefined && info !== undefined) {
        const result = layer.infer(info, args);
        if ('error' in result) {
          ctx.report(diagnostic(Diagnostics.shapeMismatch, call.span, [result.error], result.hint ? { hint: result.hint } : {}));
        } else {
          next = { shape: result.shape, dtype: 'float' };
          layers.push({
            op: layer.name,
            args,
            inShape: info.shape,
            outShape: result.shape,
            id: ctx.namer.id(prefix, layer.name),
            span: call.span,
          });
        }
      }
      info = next;
      record(ctx, call, 'layer', inShape, info);
    } else if (block !== undefined) {
      const result = inlineBlock(call, block, info, env, prefix, ctx, blockStack);
      layers.push(...result.layers);
      info = result.info;
      record(ctx, call, 'block', inShape, info);
    } else {
      reportMisplacedCall(call, ctx);
      info = undefined;
    }
  }
  return { layers, info };
}

function record(
  ctx: StageContext,
  call: Call,
  kind: CallInfo['kind'],
  inShape: TensorInfo['shape'] | undefined,
  out: TensorInfo | undefined,
): void {
  ctx.recordCall?.({
    span: call.callee.span,
    callSpan: call.span,
    name: call.callee.text,
    kind,
    ...(inShape ? { inShape } : {}),
    ...(out ? { shape: out.shape } : {}),
  });
}

/** A stage that is not a layer or block: a task layer too early, a merge, a member name, or a typo. */
function reportMisplacedCall(call: Call, ctx: StageContext): void {
  const name = call.callee.text;
  const span = call.callee.span;
  if (TASKS.has(name)) {
    ctx.report(diagnostic(Diagnostics.misplacedTask, call.span, [name]));
  } else if (MERGES.has(name)) {
    ctx.report(diagnostic(Diagnostics.wrongKindOfName, span, [name, 'a merge, which only starts a pipeline', 'a layer or block']));
  } else if (GATES.has(name as never)) {
    ctx.report(
      diagnostic(Diagnostics.wrongKindOfName, span, [name, 'a gate kind', 'a layer or block'], {
        hint: `declare it as a member: gate g = ${name}(…)`,
      }),
    );
  } else if (ctx.memberKinds.has(name)) {
    ctx.report(
      diagnostic(Diagnostics.wrongKindOfName, span, [name, ctx.memberKinds.get(name)!, 'a layer or block'], {
        hint: `a pipeline reads ${name} at its start: ${name} -> …`,
      }),
    );
  } else {
    const candidates = [...LAYERS.keys(), ...ctx.blocks.keys(), ...TASKS.keys()];
    const guess = didYouMean(span, name, candidates);
    // The missing import is the one root cause: an unknown name that resembles nothing is not reported again.
    if (ctx.importFailed && guess.suggestion === undefined) return;
    ctx.report(diagnostic(Diagnostics.unknownCallee, span, [name], guess));
  }
}

const sizes = new WeakMap<ReadonlyMap<string, BlockEntry>, Map<string, number>>();

/**
 * How many layers a block inlines to, counted once per block (recursion counts nothing more). A
 * block of no layers (its body broken) counts as one, so that blocks doubling an empty one are
 * bounded too: inlining visits no more calls than this counts.
 */
function expandedSize(name: string, blocks: ReadonlyMap<string, BlockEntry>): number {
  let known = sizes.get(blocks);
  if (known === undefined) sizes.set(blocks, (known = new Map()));
  const size = known.get(name);
  if (size !== undefined) return size;
  known.set(name, 0);
  let total = 0;
  for (const call of blocks.get(name)?.decl.body?.steps ?? []) {
    total += LAYERS.has(call.callee.text) ? 1 : blocks.has(call.callee.text) ? expandedSize(call.callee.text, blocks) : 0;
  }
  known.set(name, Math.max(1, total));
  return Math.max(1, total);
}

/**
 * Inlines a block call: binds its parameters and applies its body. Mistakes inside the body that do
 * not depend on this call are reported once, by the block's own check; shape errors, which depend on
 * what flows in here, are reported at this call.
 */
function inlineBlock(
  call: Call,
  block: BlockEntry,
  input: TensorInfo | undefined,
  env: Env,
  prefix: string,
  ctx: StageContext,
  blockStack: readonly string[],
): StagesResult {
  const name = block.decl.name.text;
  // Recursion is reported once per cycle by the block-recursion check; here it just stops inlining.
  if (blockStack.includes(name)) return { layers: [], info: undefined };
  // Counted before inlining: blocks that call others twice grow exponentially with their depth.
  const size = expandedSize(name, ctx.blocks);
  if (ctx.namer.layers + size > MAX_LAYERS) {
    // In a block's body, a callee too large on its own was reported where it grew too large.
    if (blockStack.length === 0 || size <= MAX_LAYERS) {
      ctx.report(diagnostic(Diagnostics.blockTooLarge, call.callee.span, [name, ctx.namer.layers + size]));
    }
    return { layers: [], info: undefined };
  }
  const sig = blockSignature(block.decl);
  const bound = bindArguments(call, sig, env, ctx.report);
  if (scalarArguments(sig, bound, ctx.report) === undefined || block.decl.body === undefined) {
    return { layers: [], info: undefined };
  }
  // Nothing known flows in (a block's own check, or an error upstream): the body would give no
  // shapes, and its own check reports what is wrong in it. Its layers are counted, not visited.
  if (input === undefined) {
    ctx.namer.layers += size;
    return { layers: [], info: undefined };
  }
  const inner = new Map<string, Value>();
  for (const param of block.decl.params) {
    const value = bound.get(param.name.text) ?? evaluate(param.default, new Map(inner), () => {}, param.span);
    inner.set(param.name.text, value);
  }
  const declSpan = block.decl.span;
  const redirect: Report = (d: Diagnostic) => {
    if (phaseOf(d) === 'shapes' || block.uri !== undefined) {
      ctx.report({ ...d, span: call.span, message: `in block "${name}": ${d.message}` });
    } else if (!contains(declSpan, d.span.start)) {
      ctx.report(d);
    }
  };
  const nested: StageContext = {
    blocks: ctx.blocks,
    memberKinds: ctx.memberKinds,
    importFailed: ctx.importFailed,
    report: redirect,
    namer: ctx.namer,
  };
  return applyStages(block.decl.body.steps, input, inner, ctx.namer.blockPrefix(prefix, name), nested, [...blockStack, name]);
}
