/**
 * The meaning of a model's graph (LANGUAGE.md §4): resolves every pipeline's source, inlines blocks,
 * infers the shape of every node, and builds the inputs, trunks, gates and heads of the checked model.
 * Members are elaborated on demand, so declaration order does not matter; a member met again while
 * it is being elaborated is part of a cycle (reported by the cycle check) and stays unknown.
 */
import type { Call, GateDecl, HeadDecl, InputDecl, ModelDecl, NamedMember, Pipeline, TrunkDecl } from './ast.js';
import { bindArguments, checkCall, scalarArguments } from './calls.js';
import { diagnostic, Diagnostics } from './diagnostics.js';
import type { Flow, GateKind, GateNode, InputNode, Shape, Source, TrunkNode } from './ir.js';
import { formatShape, LAYERS, MERGES, type TensorInfo } from './library/layers.js';
import { GATES } from './library/methods.js';
import { TASKS, type TaskSpec } from './library/tasks.js';
import type { SemanticModel, SymbolInfo, SymbolKind } from './semantic.js';
import { applyStages, LayerNamer, type BlockEntry, type StageContext } from './stages.js';
import { didYouMean } from './suggest.js';
import { describeValue, EMPTY_ENV, type Report, type Value } from './values.js';

export interface ElaboratedHead {
  readonly decl: HeadDecl;
  readonly flow: Flow | undefined;
  readonly task:
    | { readonly spec: TaskSpec; readonly units: number; readonly call: Call; readonly inShape?: Shape; readonly outShape?: Shape }
    | undefined;
}

export interface ElaboratedGate {
  readonly decl: GateDecl;
  readonly node: Omit<GateNode, 'readers'> | undefined;
  readonly readers: string[];
}

export interface ElaboratedModel {
  readonly decl: ModelDecl;
  readonly scope: ReadonlyMap<string, NamedMember>;
  readonly inputs: Map<string, InputNode | undefined>;
  readonly trunks: Map<string, TrunkNode | undefined>;
  readonly gates: Map<string, ElaboratedGate>;
  readonly heads: ElaboratedHead[];
  /** For each member, the names its pipelines read: the graph the unused-member check walks. */
  readonly reads: Map<string, Set<string>>;
  /** Inputs that feed an `embedding` as integer ids. */
  readonly idsInputs: Set<string>;
}

const KIND_WORD: Record<NamedMember['kind'], string> = { Input: 'an input', Trunk: 'a trunk', Gate: 'a gate', Head: 'a head' };

export function memberScope(model: ModelDecl): Map<string, NamedMember> {
  const scope = new Map<string, NamedMember>();
  for (const member of model.members) {
    if (member.kind === 'Input' || member.kind === 'Trunk' || member.kind === 'Gate' || member.kind === 'Head') {
      if (member.name.text !== '' && !scope.has(member.name.text)) scope.set(member.name.text, member);
    }
  }
  return scope;
}

export function elaborateModel(
  model: ModelDecl,
  blocks: ReadonlyMap<string, BlockEntry>,
  importFailed: boolean,
  report: Report,
  semantic: SemanticModel,
): ElaboratedModel {
  return new Elaborator(model, blocks, importFailed, report, semantic).run();
}

class Elaborator {
  private readonly scope: Map<string, NamedMember>;
  private readonly symbols = new Map<NamedMember, SymbolInfo>();
  private readonly namer = new LayerNamer();
  private readonly inProgress = new Set<string>();
  private readonly trunkInfo = new Map<string, TensorInfo | undefined>();
  private readonly result: ElaboratedModel;
  private readonly ctx: StageContext;

  constructor(
    private readonly model: ModelDecl,
    blocks: ReadonlyMap<string, BlockEntry>,
    importFailed: boolean,
    private readonly report: Report,
    private readonly semantic: SemanticModel,
  ) {
    this.scope = memberScope(model);
    const memberKinds = new Map([...this.scope].map(([name, m]) => [name, KIND_WORD[m.kind]]));
    this.ctx = { blocks, memberKinds, importFailed, report, namer: this.namer, recordCall: (info) => semantic.calls.push(info) };
    this.result = {
      decl: model,
      scope: this.scope,
      inputs: new Map(),
      trunks: new Map(),
      gates: new Map(),
      heads: [],
      reads: new Map(),
      idsInputs: new Set(),
    };
  }

  run(): ElaboratedModel {
    for (const member of this.model.members) {
      if (member.kind === 'Input' || member.kind === 'Trunk' || member.kind === 'Gate' || member.kind === 'Head') {
        if (member.name.text === '') continue;
        const symbol: SymbolInfo = {
          name: member.name.text,
          kind: member.kind.toLowerCase() as SymbolKind,
          nameSpan: member.name.span,
          span: member.span,
          model: this.model.name.text,
        };
        this.symbols.set(member, symbol);
        this.semantic.symbols.push(symbol);
      }
    }
    for (const member of this.model.members) {
      const first =
        this.scope.get(
          member.kind === 'Input' || member.kind === 'Trunk' || member.kind === 'Gate' || member.kind === 'Head' ? member.name.text : '',
        ) === member;
      if (member.kind === 'Input' && first) this.input(member);
      if (member.kind === 'Trunk' && first) this.trunk(member);
      if (member.kind === 'Gate' && first) this.gate(member);
      if (member.kind === 'Head') this.result.heads.push(this.head(member));
    }
    return this.result;
  }

  // ── inputs ──────────────────────────────────────────────────────────────────────────────────
  private input(decl: InputDecl): TensorInfo | undefined {
    const name = decl.name.text;
    if (this.result.inputs.has(name)) return infoOfInput(this.result.inputs.get(name), this.result.idsInputs.has(name));
    const node = this.inputNode(decl);
    this.result.inputs.set(name, node);
    if (node) this.describe(decl, node.shape, inputDetail(decl));
    return infoOfInput(node, false);
  }

  private inputNode(decl: InputDecl): InputNode | undefined {
    const type = decl.type;
    if (type === undefined) return undefined;
    const columns =
      decl.from === undefined
        ? undefined
        : decl.from.kind === 'ColumnRange'
          ? { kind: 'range' as const, first: decl.from.first.value, last: decl.from.last.value }
          : { kind: 'list' as const, names: decl.from.names.map((n) => n.value) };
    const base = { name: decl.name.text, normalize: decl.normalize !== undefined, span: decl.span, ...(columns ? { columns } : {}) };
    if (type.kind === 'CategoryType') {
      const names = type.names?.map((n) => n.value);
      const count = names ? names.length : this.positiveInt(type.count, 'a category count', type.span);
      if (count === undefined || count < 1) return undefined;
      if (decl.from?.kind === 'ColumnList' && decl.from.names.length !== 1) {
        this.report(diagnostic(Diagnostics.columnCountMismatch, decl.from.span, [decl.name.text, decl.from.names.length, 1]));
        return undefined;
      }
      return { ...base, dtype: 'float', shape: [count], category: { count, ...(names ? { names } : {}) } };
    }
    let ok = true;
    const dims = (type.dims ?? []).map((d) => {
      const v = this.positiveInt(d, 'a dimension', d.span);
      if (v === undefined) ok = false;
      return v ?? 1;
    });
    const vocab = type.vocab === undefined ? undefined : this.positiveInt(type.vocab, 'a vocabulary size', type.vocab.span);
    if (!ok || (type.vocab !== undefined && vocab === undefined)) return undefined;
    const shape = type.dims === undefined ? [1] : dims;
    const width = shape.reduce((a, b) => a * b, 1);
    if (decl.from?.kind === 'ColumnList' && decl.from.names.length !== width) {
      this.report(diagnostic(Diagnostics.columnCountMismatch, decl.from.span, [decl.name.text, decl.from.names.length, width]));
      return undefined;
    }
    return { ...base, dtype: type.dtype, shape, ...(vocab !== undefined ? { vocab } : {}) };
  }

  private positiveInt(
    lit: { value: number; isInteger: boolean; span: { start: number; end: number } } | undefined,
    what: string,
    at: { start: number; end: number },
  ): number | undefined {
    if (lit === undefined) return undefined;
    if (!lit.isInteger || lit.value < 1) {
      this.report(diagnostic(Diagnostics.badDimension, lit.span ?? at, [what]));
      return undefined;
    }
    return lit.value;
  }

  // ── trunks ──────────────────────────────────────────────────────────────────────────────────
  private trunk(decl: TrunkDecl): TensorInfo | undefined {
    const name = decl.name.text;
    if (this.trunkInfo.has(name)) return this.trunkInfo.get(name);
    if (this.inProgress.has(name)) return undefined;
    this.inProgress.add(name);
    const built = decl.pipeline ? this.flow(decl.pipeline, decl.pipeline.steps.slice(1), name, 'trunk') : undefined;
    this.inProgress.delete(name);
    this.trunkInfo.set(name, built?.info);
    this.result.trunks.set(name, built?.flow && built.info ? { name, flow: built.flow, span: decl.span } : undefined);
    if (built?.info) this.describe(decl, built.info.shape, 'trunk');
    return built?.info;
  }

  // ── gates ───────────────────────────────────────────────────────────────────────────────────
  private gate(decl: GateDecl): ElaboratedGate {
    const name = decl.name.text;
    const known = this.result.gates.get(name);
    if (known) return known;
    const entry: ElaboratedGate = { decl, node: this.inProgress.has(name) ? undefined : this.gateNode(decl), readers: [] };
    this.result.gates.set(name, entry);
    if (entry.node) this.describe(decl, entry.node.shape, `${entry.node.kind} gate`);
    return entry;
  }

  private gateNode(decl: GateDecl): Omit<GateNode, 'readers'> | undefined {
    const call = decl.call;
    if (call === undefined || call.callee.text === '') return undefined;
    const kind = call.callee.text as GateKind;
    const sig = GATES.get(kind);
    const recordGate = (shape?: Shape) =>
      this.semantic.calls.push({ span: call.callee.span, callSpan: call.span, name: kind, kind: 'gate', ...(shape ? { shape } : {}) });
    if (sig === undefined) {
      this.report(diagnostic(Diagnostics.unknownGate, call.callee.span, [kind], didYouMean(call.callee.span, kind, GATES.keys())));
      return undefined;
    }
    const name = decl.name.text;
    this.inProgress.add(name);
    const bound = bindArguments(call, sig, EMPTY_ENV, this.report);
    const scalars = scalarArguments(sig, bound, this.report);
    const source = this.pipelineArgument(bound.get('source'), sig.name, 'source', name, 'gate');
    const expertValue = bound.get('expert');
    const expertPipeline = expertValue?.kind === 'pipeline' || expertValue?.kind === 'name' ? expertValue.pipeline : undefined;
    if (expertValue !== undefined && expertPipeline === undefined && expertValue.kind !== 'invalid') {
      this.report(
        diagnostic(Diagnostics.wrongArgumentType, expertValue.span, [sig.name, 'expert', 'a layer pipeline', describeValue(expertValue)]),
      );
    }
    const experts = expertPipeline ? applyStages(expertPipeline.steps, source?.info, EMPTY_ENV, `${name}/expert`, this.ctx) : undefined;
    const levels = (scalars?.levels as number | undefined) ?? 1;
    if (experts?.info && levels > 1) {
      // Inner PLE levels feed the experts their own output: the expert must accept its output shape.
      const quiet: StageContext = {
        blocks: this.ctx.blocks,
        memberKinds: this.ctx.memberKinds,
        importFailed: this.ctx.importFailed,
        namer: new LayerNamer(),
        report: (d) => this.report({ ...d, span: expertPipeline!.span, message: `at PLE level 2: ${d.message}` }),
      };
      const again = applyStages(expertPipeline!.steps, experts.info, EMPTY_ENV, `${name}/expert`, quiet);
      if (again.info === undefined) return undefined;
    }
    this.inProgress.delete(name);
    recordGate(experts?.info?.shape);
    if (!scalars || !source?.flow || !experts?.info) return undefined;
    return {
      name,
      kind,
      input: source.flow,
      expert: experts.layers,
      experts: (scalars.experts as number | undefined) ?? 0,
      shared: (scalars.shared as number | undefined) ?? 0,
      specific: (scalars.specific as number | undefined) ?? 0,
      levels,
      shape: experts.info.shape,
      span: decl.span,
    };
  }

  /** For a head that reads a gate: which, and the mixture it gets (`mmoe: its own softmax over 4 experts`). */
  private gateDetail(flow: Flow | undefined): string {
    if (flow?.source.kind !== 'gate') return '';
    const gate = this.result.gates.get(flow.source.name)?.node;
    if (gate === undefined) return ` reading gate \`${flow.source.name}\``;
    const own = `${gate.shared} shared and ${gate.specific} own experts`;
    const experts =
      gate.kind === 'mmoe' ? `${gate.experts} shared experts` : gate.kind === 'ple' ? `${own} per level, ${gate.levels} levels` : own;
    return ` reading gate \`${gate.name}\` (${gate.kind}: its own softmax over ${experts})`;
  }

  /** An argument that is a pipeline reading model members: a gate's source or a merge's part. */
  private pipelineArgument(
    value: Value | undefined,
    callee: string,
    param: string,
    owner: string,
    ownerKind: 'gate' | 'merge',
  ): { flow: Flow; info: TensorInfo } | undefined {
    if (value === undefined || value.kind === 'invalid') return undefined;
    if (value.kind !== 'pipeline' && value.kind !== 'name') {
      this.report(diagnostic(Diagnostics.wrongArgumentType, value.span, [callee, param, 'an input or trunk name', describeValue(value)]));
      return undefined;
    }
    const built = this.flow(value.pipeline, value.pipeline.steps.slice(1), owner, ownerKind);
    return built?.flow && built.info ? { flow: built.flow, info: built.info } : undefined;
  }

  // ── heads ───────────────────────────────────────────────────────────────────────────────────
  private head(decl: HeadDecl): ElaboratedHead {
    const pipeline = decl.pipeline;
    if (pipeline === undefined || pipeline.steps.length === 0) return { decl, flow: undefined, task: undefined };
    const last = pipeline.steps[pipeline.steps.length - 1]!;
    const spec = pipeline.steps.length > 1 ? TASKS.get(last.callee.text) : undefined;
    // A task layer earlier in the pipeline is reported as misplaced (MTL0403); that is the one mistake.
    const earlierTask = pipeline.steps.slice(1, -1).some((step) => TASKS.has(step.callee.text));
    if (
      spec === undefined &&
      !earlierTask &&
      last.callee.text !== '' &&
      !(pipeline.steps.length > 1 && isUnknownCallee(last.callee.text, this.ctx))
    ) {
      this.report(
        diagnostic(Diagnostics.headWithoutTask, last.span, [decl.name.text], {
          hint: 'end it with a task layer: -> classify(n), binary(), regress(n)…',
        }),
      );
    }
    const stages = pipeline.steps.slice(1, spec ? -1 : undefined);
    const built = this.flow(pipeline, stages, decl.name.text, 'head');
    if (spec === undefined) return { decl, flow: built?.flow, task: undefined };
    const args = checkCall(last, spec, EMPTY_ENV, this.report);
    const units = spec.name === 'binary' ? 1 : ((args?.n as number | undefined) ?? 0);
    let outShape: Shape | undefined;
    if (args && built?.info) {
      const result = spec.infer(built.info.shape, units);
      if ('error' in result)
        this.report(diagnostic(Diagnostics.shapeMismatch, last.span, [result.error], result.hint ? { hint: result.hint } : {}));
      else outShape = result.shape;
    }
    this.semantic.calls.push({
      span: last.callee.span,
      callSpan: last.span,
      name: spec.name,
      kind: 'task',
      ...(built?.info ? { inShape: built.info.shape } : {}),
      ...(outShape ? { shape: outShape } : {}),
    });
    if (outShape) this.describe(decl, outShape, `${spec.name} head${this.gateDetail(built?.flow)}`);
    const inShape = built?.info?.shape;
    return {
      decl,
      flow: built?.flow,
      task: args ? { spec, units, call: last, ...(inShape ? { inShape } : {}), ...(outShape ? { outShape } : {}) } : undefined,
    };
  }

  // ── pipelines ───────────────────────────────────────────────────────────────────────────────
  /** A pipeline in the model: its first step is the source, `stages` the layer calls after it. */
  private flow(
    pipeline: Pipeline,
    stages: readonly Call[],
    owner: string,
    ownerKind: 'trunk' | 'head' | 'gate' | 'merge',
  ): { flow?: Flow; info?: TensorInfo } | undefined {
    const first = pipeline.steps[0];
    if (first === undefined) return undefined;
    const source = this.source(first, owner, ownerKind);
    let input = source?.info;
    if (source?.source.kind === 'input' && stages[0]?.callee.text === 'embedding') {
      const node = this.result.inputs.get(source.source.name);
      if (node?.category) {
        input = { shape: [1], dtype: 'int', vocab: node.category.count };
        this.result.idsInputs.add(node.name);
      }
    }
    const applied = applyStages(stages, input, EMPTY_ENV, owner, this.ctx);
    if (source === undefined || applied.info === undefined) return {};
    return { flow: { source: source.source, layers: applied.layers, shape: applied.info.shape }, info: applied.info };
  }

  private source(
    call: Call,
    owner: string,
    ownerKind: 'trunk' | 'head' | 'gate' | 'merge',
  ): { source: Source; info: TensorInfo } | undefined {
    const name = call.callee.text;
    if (name === '') return undefined;
    if (call.args !== undefined) return this.merge(call, owner);
    const member = this.scope.get(name);
    if (member === undefined) {
      if (LAYERS.has(name) || TASKS.has(name)) {
        this.report(diagnostic(Diagnostics.notASource, call.span, [name]));
      } else {
        this.report(diagnostic(Diagnostics.unknownName, call.callee.span, [name], didYouMean(call.callee.span, name, this.scope.keys())));
      }
      return undefined;
    }
    this.reference(call, member, owner);
    switch (member.kind) {
      case 'Input': {
        const info = this.input(member);
        return info ? { source: { kind: 'input', name, shape: info.shape }, info } : undefined;
      }
      case 'Trunk': {
        const info = this.trunk(member);
        return info ? { source: { kind: 'trunk', name, shape: info.shape }, info } : undefined;
      }
      case 'Gate': {
        if (ownerKind !== 'head') {
          this.report(
            diagnostic(Diagnostics.wrongKindOfName, call.callee.span, [name, 'a gate', 'an input or trunk: only a head reads a gate']),
          );
          return undefined;
        }
        const gate = this.gate(member);
        if (!gate.readers.includes(owner)) gate.readers.push(owner);
        const shape = gate.node?.shape;
        return shape ? { source: { kind: 'gate', name, shape }, info: { shape, dtype: 'float' } } : undefined;
      }
      case 'Head':
        this.report(diagnostic(Diagnostics.wrongKindOfName, call.callee.span, [name, 'a head', 'an input, trunk or gate']));
        return undefined;
    }
  }

  private merge(call: Call, owner: string): { source: Source; info: TensorInfo } | undefined {
    const op = call.callee.text;
    if (!MERGES.has(op)) {
      if (LAYERS.has(op) || TASKS.has(op) || this.ctx.blocks.has(op) || GATES.has(op as GateKind)) {
        this.report(diagnostic(Diagnostics.notASource, call.span, [op]));
      } else {
        this.report(diagnostic(Diagnostics.unknownCallee, call.callee.span, [op], didYouMean(call.callee.span, op, MERGES.keys())));
      }
      return undefined;
    }
    const parts: { flow: Flow; info: TensorInfo }[] = [];
    let ok = true;
    for (const arg of call.args ?? []) {
      if (arg.name !== undefined) {
        this.report(diagnostic(Diagnostics.unknownArgument, arg.name.span, [op, arg.name.text]));
        ok = false;
        continue;
      }
      const value: Value | undefined =
        arg.value?.kind === 'Pipeline'
          ? { kind: 'pipeline', pipeline: arg.value, env: EMPTY_ENV, span: arg.value.span }
          : arg.value
            ? { kind: 'invalid', span: arg.value.span }
            : undefined;
      if (arg.value !== undefined && arg.value.kind !== 'Pipeline') {
        this.report(diagnostic(Diagnostics.wrongArgumentType, arg.value.span, [op, 'source', 'an input or trunk name', 'a value']));
      }
      const part = this.pipelineArgument(value, op, 'source', owner, 'merge');
      if (part) parts.push(part);
      else ok = false;
    }
    this.semantic.calls.push({ span: call.callee.span, callSpan: call.span, name: op, kind: 'merge' });
    if (!ok || parts.length === 0) return undefined;
    const shapes = parts.map((p) => p.info.shape);
    const shape = op === 'concat' ? concatShape(shapes) : addShape(shapes);
    if (shape === undefined) {
      const rule = op === 'concat' ? 'equal leading dimensions' : 'equal shapes';
      const hint =
        op === 'concat' && new Set(shapes.map((s) => s.length)).size > 1 ? 'flatten the larger sources first: -> flatten()' : undefined;
      this.report(
        diagnostic(
          Diagnostics.mergeMismatch,
          call.span,
          [`${op} needs ${rule}, got ${shapes.map(formatShape).join(' and ')}`],
          hint ? { hint } : {},
        ),
      );
      return undefined;
    }
    return {
      source: { kind: 'merge', op: op as 'concat' | 'add', parts: parts.map((p) => p.flow), shape },
      info: { shape, dtype: 'float' },
    };
  }

  private reference(call: Call, member: NamedMember, owner: string): void {
    const symbol = this.symbols.get(member);
    if (symbol) this.semantic.references.push({ span: call.callee.span, symbol });
    const reads = this.result.reads.get(owner) ?? new Set<string>();
    reads.add(member.name.text);
    this.result.reads.set(owner, reads);
  }

  private describe(member: NamedMember, shape: Shape, detail: string): void {
    const symbol = this.symbols.get(member);
    if (symbol) {
      symbol.shape = shape;
      symbol.detail = detail;
    }
  }
}

function isUnknownCallee(name: string, ctx: StageContext): boolean {
  return (
    !LAYERS.has(name) &&
    !ctx.blocks.has(name) &&
    !TASKS.has(name) &&
    !MERGES.has(name) &&
    !ctx.memberKinds.has(name) &&
    !GATES.has(name as GateKind)
  );
}

function infoOfInput(node: InputNode | undefined, asIds: boolean): TensorInfo | undefined {
  if (node === undefined) return undefined;
  if (asIds && node.category) return { shape: [1], dtype: 'int', vocab: node.category.count };
  return { shape: node.shape, dtype: node.dtype, ...(node.vocab !== undefined ? { vocab: node.vocab } : {}) };
}

function inputDetail(decl: InputDecl): string {
  const t = decl.type;
  if (t === undefined) return 'input';
  if (t.kind === 'CategoryType') return 'category input';
  return `${t.dtype} input${t.vocab ? ` (vocab ${t.vocab.value})` : ''}`;
}

function concatShape(shapes: readonly Shape[]): Shape | undefined {
  const first = shapes[0]!;
  for (const s of shapes) {
    if (s.length !== first.length || s.slice(0, -1).some((d, i) => d !== first[i])) return undefined;
  }
  return [...first.slice(0, -1), shapes.reduce((sum, s) => sum + s[s.length - 1]!, 0)];
}

function addShape(shapes: readonly Shape[]): Shape | undefined {
  const first = shapes[0]!;
  return shapes.every((s) => s.length === first.length && s.every((d, i) => d === first[i])) ? first : undefined;
}
