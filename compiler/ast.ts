/**
 * The abstract syntax tree of a `.mtl` file (LANGUAGE.md §3).
 *
 * Every node carries its span; names are nodes of their own so that a diagnostic can point at the
 * identifier. When the parser recovered from an error, a required name may be missing: it is then a
 * `Name` with `text === ''` and an empty span where it should have been, and checks skip it.
 */
import type { Span } from './span.js';

export interface Name {
  readonly kind: 'Name';
  readonly text: string;
  readonly span: Span;
}

export interface MtlFile {
  readonly kind: 'File';
  readonly imports: readonly ImportDecl[];
  readonly blocks: readonly BlockDecl[];
  readonly models: readonly ModelDecl[];
  /** Comments, in source order; kept for the formatter. */
  readonly comments: readonly Comment[];
  readonly span: Span;
}

export interface Comment {
  readonly kind: 'Comment';
  readonly text: string;
  readonly span: Span;
}

/** import = "import" STRING */
export interface ImportDecl {
  readonly kind: 'Import';
  readonly path: StringLit | undefined;
  readonly span: Span;
}

/** block = "block" ID [ "(" params ")" ] "=" pipeline */
export interface BlockDecl {
  readonly kind: 'Block';
  readonly name: Name;
  readonly params: readonly Param[];
  readonly body: Pipeline | undefined;
  readonly span: Span;
}

export type ParamType = 'int' | 'float' | 'bool' | 'string';

/** param = ID ":" ("int" | "float" | "bool" | "string") [ "=" expr ] */
export interface Param {
  readonly kind: 'Param';
  readonly name: Name;
  /** The written type name; checks report one that is not a ParamType. */
  readonly type: Name;
  readonly default: Expr | undefined;
  readonly span: Span;
}

/** model = "model" ID "{" { member } "}" */
export interface ModelDecl {
  readonly kind: 'Model';
  readonly name: Name;
  readonly members: readonly Member[];
  readonly span: Span;
}

export type Member = InputDecl | TrunkDecl | GateDecl | HeadDecl | WeightsDecl | WeightingDecl | TrainDecl | DataDecl;

/** The members that declare a name in the model's scope. */
export type NamedMember = InputDecl | TrunkDecl | GateDecl | HeadDecl;

/** input = "input" ID ":" tensorType { inputOption } */
export interface InputDecl {
  readonly kind: 'Input';
  readonly name: Name;
  readonly type: TensorType | undefined;
  readonly normalize: Span | undefined;
  readonly from: Columns | undefined;
  readonly span: Span;
}

/** tensorType = ("float" | "int") [ "[" dims "]" ] [ "vocab" INT ] */
export interface NumericType {
  readonly kind: 'NumericType';
  readonly dtype: 'float' | 'int';
  /** undefined: no brackets, a scalar of shape [1]. */
  readonly dims: readonly NumberLit[] | undefined;
  readonly vocab: NumberLit | undefined;
  readonly span: Span;
}

/** "category" "(" INT ")"  |  "category" "[" STRING { "," STRING } "]" */
export interface CategoryType {
  readonly kind: 'CategoryType';
  readonly count: NumberLit | undefined;
  readonly names: readonly StringLit[] | undefined;
  readonly span: Span;
}

export type TensorType = NumericType | CategoryType;

/** columns = STRING ".." STRING | "[" STRING { "," STRING } "]" */
export type Columns =
  | { readonly kind: 'ColumnRange'; readonly first: StringLit; readonly last: StringLit; readonly span: Span }
  | { readonly kind: 'ColumnList'; readonly names: readonly StringLit[]; readonly span: Span };

/** trunk = "trunk" ID "=" pipeline */
export interface TrunkDecl {
  readonly kind: 'Trunk';
  readonly name: Name;
  readonly pipeline: Pipeline | undefined;
  readonly span: Span;
}

/** gate = "gate" ID "=" call */
export interface GateDecl {
  readonly kind: 'Gate';
  readonly name: Name;
  readonly call: Call | undefined;
  readonly span: Span;
}

/** head = "head" ID "=" pipeline [ "{" { option } "}" ] */
export interface HeadDecl {
  readonly kind: 'Head';
  readonly name: Name;
  readonly pipeline: Pipeline | undefined;
  readonly options: readonly OptionEntry[];
  readonly span: Span;
}

/** weights = "weights" "{" { ID ":" expr [","] } "}" */
export interface WeightsDecl {
  readonly kind: 'Weights';
  readonly entries: readonly OptionEntry[];
  readonly span: Span;
}

/** weighting = "weighting" call */
export interface WeightingDecl {
  readonly kind: 'Weighting';
  readonly call: Call | undefined;
  readonly span: Span;
}

/** train = "train" "{" { option } "}" */
export interface TrainDecl {
  readonly kind: 'Train';
  readonly options: readonly OptionEntry[];
  readonly span: Span;
}

/** data = "data" "{" { option } "}" */
export interface DataDecl {
  readonly kind: 'Data';
  readonly options: readonly OptionEntry[];
  readonly span: Span;
}

/** option = ID ":" expr [","] */
export interface OptionEntry {
  readonly kind: 'Option';
  readonly name: Name;
  readonly value: Expr | undefined;
  readonly span: Span;
}

/**
 * pipeline = source { "->" call }  and  chain = call { "->" call }.
 * The first step is the source: a bare name (a `Call` without parentheses) or a call such as
 * `concat(a, b)`; every later step is a layer or block call.
 */
export interface Pipeline {
  readonly kind: 'Pipeline';
  readonly steps: readonly Call[];
  readonly span: Span;
}

/** call = ID [ "(" [ args ] ")" ] */
export interface Call {
  readonly kind: 'Call';
  readonly callee: Name;
  /** undefined when written without parentheses (`relu`, `x`, `uncertainty`). */
  readonly args: readonly Arg[] | undefined;
  readonly span: Span;
}

/** arg = [ ID ":" ] expr */
export interface Arg {
  readonly kind: 'Arg';
  readonly name: Name | undefined;
  readonly value: Expr | undefined;
  readonly span: Span;
}

export interface NumberLit {
  readonly kind: 'Number';
  readonly value: number;
  /** As written, so that `1e-3` and `0.001` both print back as the user wrote them. */
  readonly raw: string;
  /** True when written without a fraction or exponent (`12`, not `12.0`). */
  readonly isInteger: boolean;
  readonly span: Span;
}

export interface StringLit {
  readonly kind: 'String';
  readonly value: string;
  readonly raw: string;
  readonly span: Span;
}

export interface BoolLit {
  readonly kind: 'Bool';
  readonly value: boolean;
  readonly span: Span;
}

export interface ListExpr {
  readonly kind: 'List';
  readonly items: readonly Expr[];
  readonly span: Span;
}

export interface BinaryExpr {
  readonly kind: 'Binary';
  readonly op: '+' | '-' | '*' | '/';
  readonly left: Expr;
  readonly right: Expr | undefined;
  readonly span: Span;
}

export interface NegateExpr {
  readonly kind: 'Negate';
  readonly operand: Expr | undefined;
  readonly span: Span;
}

export interface ParenExpr {
  readonly kind: 'Paren';
  readonly inner: Expr | undefined;
  readonly span: Span;
}

/** A `chain` in an expression is a Pipeline: a bare name, a call, or layers joined by `->`. */
export type Expr = NumberLit | StringLit | BoolLit | ListExpr | BinaryExpr | NegateExpr | ParenExpr | Pipeline;

export type Node =
  | MtlFile
  | ImportDecl
  | BlockDecl
  | Param
  | ModelDecl
  | Member
  | TensorType
  | Columns
  | OptionEntry
  | Pipeline
  | Call
  | Arg
  | Expr
  | Name;

/** A pipeline that is a single bare name, as `x` in `head h = x -> …` or `source: x`. */
export function bareName(expr: Expr | undefined): Name | undefined {
  if (expr?.kind !== 'Pipeline' || expr.steps.length !== 1) return undefined;
  const only = expr.steps[0]!;
  return only.args === undefined ? only.callee : undefined;
}

export function isMissing(name: Name | undefined): boolean {
  return name === undefined || name.text === '';
}
