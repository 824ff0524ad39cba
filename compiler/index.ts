/**
 * The mtl compiler: it gives an `.mtl` file its meaning. `compile` parses the text (grammar/),
 * builds the syntax tree, resolves names and imported blocks, runs the checks in their staged order
 * and returns the checked models (the IR: inputs, trunks, gates and heads with every shape inferred),
 * the semantic facts an editor needs, and every problem as a diagnostic from one catalogue. From a
 * checked model it derives the layer plan, its Keras-style summary and the graph; it also formats
 * source text. It is pure — files come in through a host, and it never loads TensorFlow.js — so the
 * CLI, the language server and the training runtime all use it through this module alone.
 */

// Compiling
export { compile, type CompileHost, type CompileResult } from './compile.js';
export { parse } from './parse.js';
export type * from './ast.js';
export type * from './ir.js';
export type { CallInfo, SymbolInfo } from './semantic.js';

// Diagnostics
export { allDiagnosticKinds, PHASES, type Diagnostic, type DiagnosticKind, type Phase } from './diagnostics.js';
export { closest } from './suggest.js';

// Positions
export { contains, LineIndex, type Span } from './span.js';
export { nodePathAt, paramReferences, walk } from './locate.js';

// What a checked model lowers to
export { layerHeads, planModel, type ModelPlan, type PlanStep, type PlanValue } from './plan.js';
export { formatSummary, summarize } from './summary-table.js';
export { buildGraph, describeTask, graphDot, graphMermaid, type GraphNode, type NodeKind } from './graph.js';
export { formatFile } from './format.js';
export { emitPyTorch, type EmittedFile, type SourceText } from './pytorch/index.js';

// The library: what the language provides by name
export { formatShape, LAYERS, MERGES } from './library/layers.js';
export { GATES, LOSSES, METRICS, OPTIMIZERS, SEARCH, WEIGHTINGS } from './library/methods.js';
export { ACTIVATIONS, describeType, formatSignature, type ArgType, type ParamSpec, type Signature } from './library/signature.js';
export { TASKS } from './library/tasks.js';
export { DATA_OPTIONS, HEAD_OPTIONS, TRAIN_OPTIONS } from './library/options.js';
export { DATA_FORMATS, type DataFormat, formatOfExtension } from './library/data-formats.js';
