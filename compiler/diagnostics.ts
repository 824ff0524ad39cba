/**
 * The one catalogue of diagnostics. Every code the compiler can report is declared here with its
 * severity, its message, and the documentation that `mtlc explain` prints and docs/diagnostics.md is
 * generated from: a failing example (which the tests compile to prove it reports this code) and its fix.
 *
 * Each code belongs to the phase that reports it, and its number says which: MTL00xx syntax,
 * MTL01xx names, MTL02xx calls, MTL03xx shapes, MTL04xx heads, MTL05xx options, MTL09xx warnings.
 */
import {
  formatBytes,
  formatCount,
  LARGE_PARAMETERS,
  MAX_LAYERS,
  MAX_PARAMETERS,
  MAX_ROW_VALUES,
  TRAINING_BYTES_PER_PARAMETER,
} from './limits.js';
import type { Span } from './span.js';

export type Severity = 'error' | 'warning';

/** The phases of checking, in order, with the title docs/diagnostics.md gives each. */
export const PHASES = {
  syntax: 'Lexing and parsing',
  names: 'Names and scope',
  calls: 'Calls and arguments',
  shapes: 'Shapes',
  heads: 'Gates and heads',
  options: 'Weights, training and data options',
  warnings: 'Warnings',
} as const;

export type Phase = keyof typeof PHASES;

export interface RelatedInfo {
  readonly span: Span;
  readonly message: string;
  /** Set when the related place is in another file (an import). */
  readonly uri?: string;
}

/** A machine-applicable fix: replace the text of `span` by `newText`. */
export interface Suggestion {
  readonly span: Span;
  readonly newText: string;
}

export interface Diagnostic {
  readonly code: string;
  readonly severity: Severity;
  readonly message: string;
  readonly span: Span;
  readonly hint?: string;
  readonly related?: readonly RelatedInfo[];
  readonly suggestion?: Suggestion;
  /** Set when the diagnostic belongs to another file than the one compiled (an import). */
  readonly uri?: string;
}

export interface DiagnosticDoc {
  /** One paragraph: what is wrong and why it matters. */
  readonly explanation: string;
  /** A complete `.mtl` text that reports this code. */
  readonly example: string;
  /** The same text corrected, which reports nothing of this code. */
  readonly fixed: string;
}

export interface DiagnosticKind<A extends unknown[]> {
  readonly code: string;
  readonly phase: Phase;
  readonly severity: Severity;
  readonly title: string;
  readonly format: (...args: A) => string;
  readonly doc: DiagnosticDoc;
}

export interface DiagnosticExtras {
  readonly hint?: string;
  readonly related?: readonly RelatedInfo[];
  readonly suggestion?: Suggestion;
}

export function diagnostic<A extends unknown[]>(kind: DiagnosticKind<A>, span: Span, args: A, extras: DiagnosticExtras = {}): Diagnostic {
  return { code: kind.code, severity: kind.severity, message: kind.format(...args), span, ...extras };
}

function kind<A extends unknown[]>(
  code: string,
  phase: Phase,
  severity: Severity,
  title: string,
  format: (...args: A) => string,
  doc: DiagnosticDoc,
): DiagnosticKind<A> {
  return { code, phase, severity, title, format, doc };
}

const SEED = `model Seed {
  input x: float[100]
  trunk shared = x -> dense(64, relu)
  head task1 = shared -> classify(10)
  head task2 = shared -> classify(5)
}
`;

/** The seed model with a second input of `n` values read from two named columns. */
function withSizeInput(n: number): string {
  return SEED.replace('input x: float[100]\n', `input x: float[100]\n  input size: float[${n}] from ["length", "width"]\n`).replace(
    'x -> dense(64, relu)',
    'concat(x, size) -> dense(64, relu)',
  );
}
/** Blocks that double at each level, for the examples of size limits. */
const DOUBLING = Array.from({ length: 14 }, (_, i) => `block b${i + 1} = b${i} -> b${i}`).join('\n');
/** `b64`: a block of 64 layers. */
const GROWN = `block b1 = dense(8, relu)\n${Array.from({ length: 6 }, (_, i) => `block b${2 ** (i + 1)} = b${2 ** i} -> b${2 ** i}`).join('\n')}\n`;

/** The catalogue, keyed by a name the code uses; codes are what users see. */
export const Diagnostics = {
  // ── MTL00xx: lexing and parsing ────────────────────────────────────────────────────────────
  unexpectedCharacter: kind('MTL0001', 'syntax', 'error', 'unexpected character', (ch: string) => `unexpected character ${ch}`, {
    explanation: 'The text contains a character that is not part of the language, outside a string or comment.',
    example: SEED.replace('dense(64, relu)', 'dense(64, relu) #'),
    fixed: SEED,
  }),
  unterminatedString: kind(
    'MTL0002',
    'syntax',
    'error',
    'unterminated string',
    () => 'unterminated string: a string must close with " on the same line',
    {
      explanation: 'A double-quoted string runs to the end of its line without a closing quote.',
      example: SEED.replace('classify(10)', 'classify(10) { label: "task1 }'),
      fixed: SEED.replace('classify(10)', 'classify(10) { label: "task1" }'),
    },
  ),
  unterminatedComment: kind('MTL0003', 'syntax', 'error', 'unterminated comment', () => 'unterminated comment: /* is never closed by */', {
    explanation: 'A block comment opened with /* runs to the end of the file.',
    example: `/* the seed model\n${SEED}`,
    fixed: `/* the seed model */\n${SEED}`,
  }),
  syntaxError: kind('MTL0010', 'syntax', 'error', 'syntax error', (message: string) => message, {
    explanation:
      'The parser expected something else at this point. The message says what it expected and after what; the parser then skips ahead and keeps reading, so later errors are reported too.',
    example: SEED.replace('dense(64, relu)', 'dense(64, relu) dense(32)'),
    fixed: SEED.replace('dense(64, relu)', 'dense(64, relu) -> dense(32)'),
  }),
  reservedWord: kind(
    'MTL0011',
    'syntax',
    'error',
    'keyword used as a name',
    (word: string) => `"${word}" is a keyword and cannot be used as a name`,
    {
      explanation:
        'Keywords (model block input trunk gate head weights weighting train data import true false) are reserved; pick another name.',
      example: SEED.replace('trunk shared', 'trunk train').replace(/= shared/g, '= train'),
      fixed: SEED,
    },
  ),
  nestingTooDeep: kind(
    'MTL0012',
    'syntax',
    'error',
    'nesting too deep',
    (limit: number) => `expression nested more than ${limit} levels deep`,
    {
      explanation:
        'Parentheses or lists are nested deeper than the parser follows. No real model needs this; the rest of the file is still checked.',
      example: SEED.replace('dense(64, relu)', `dense(${'('.repeat(300)}64${')'.repeat(300)}, relu)`),
      fixed: SEED,
    },
  ),

  // ── MTL01xx: names and scope ───────────────────────────────────────────────────────────────
  unknownName: kind('MTL0101', 'names', 'error', 'unknown name', (name: string) => `unknown name "${name}"`, {
    explanation: 'A pipeline reads a name that no input, trunk or gate of the model declares.',
    example: SEED.replace('head task2 = shared', 'head task2 = shard'),
    fixed: SEED,
  }),
  duplicateName: kind(
    'MTL0102',
    'names',
    'error',
    'duplicate name',
    (what: string, name: string) => `${what} "${name}" is declared more than once`,
    {
      explanation:
        'Names are unique within a model (inputs, trunks, gates and heads share one namespace), blocks are unique across a file and its imports, and parameters within a block. Each copy after the first is reported once, pointing at the first.',
      example: SEED.replace('head task2', 'head task1'),
      fixed: SEED,
    },
  ),
  unknownCallee: kind('MTL0103', 'names', 'error', 'unknown layer or block', (name: string) => `unknown layer or block "${name}"`, {
    explanation: 'A pipeline stage calls something that is neither a layer of the language, a task layer, nor a block in scope.',
    example: SEED.replace('dense(64, relu)', 'dens(64, relu)'),
    fixed: SEED,
  }),
  cycle: kind('MTL0104', 'names', 'error', 'cycle', (path: string) => `cycle: ${path}`, {
    explanation: 'A model is a directed acyclic graph: no trunk or gate may read itself, directly or through others.',
    example: SEED.replace(
      'trunk shared = x -> dense(64, relu)',
      'trunk shared = again -> dense(64, relu)\n  trunk again = shared -> dense(64)',
    ),
    fixed: SEED,
  }),
  importNotFound: kind('MTL0105', 'names', 'error', 'import not found', (path: string) => `cannot read imported file "${path}"`, {
    explanation: 'An import names a file (relative to the importing file) that does not exist or cannot be read.',
    example: `import "no-such-blocks.mtl"\n${SEED}`,
    fixed: SEED,
  }),
  recursiveBlock: kind('MTL0106', 'names', 'error', 'recursive block', (path: string) => `block calls itself: ${path}`, {
    explanation: 'A block is inlined where it is called, so it cannot call itself, directly or through other blocks.',
    example: `block mlp(units: int) = dense(units, relu) -> mlp(units)\n${SEED.replace('dense(64, relu)', 'mlp(64)')}`,
    fixed: `block mlp(units: int) = dense(units, relu) -> dense(units, relu)\n${SEED.replace('dense(64, relu)', 'mlp(64)')}`,
  }),
  blockTooLarge: kind(
    'MTL0180',
    'names',
    'error',
    'block expands too far',
    (block: string, layers: number) =>
      `inlining block "${block}" here makes ${formatCount(layers)} layers; a model holds at most ${formatCount(MAX_LAYERS)}`,
    {
      explanation: `Blocks are inlined where they are called, so a block that calls another twice doubles in size at each level: 40 such levels are a trillion layers. A model holds at most ${formatCount(MAX_LAYERS)} layers once its blocks are inlined; the count is checked before any block is expanded.`,
      example: `block b0 = dense(8, relu)\n${DOUBLING}\n${SEED.replace('dense(64, relu)', 'b14')}`,
      fixed: `block b0 = dense(8, relu)\n${DOUBLING.split('\n').slice(0, 3).join('\n')}\n${SEED.replace('dense(64, relu)', 'b3')}`,
    },
  ),
  unknownParamType: kind(
    'MTL0107',
    'names',
    'error',
    'unknown parameter type',
    (type: string) => `unknown parameter type "${type}": use int, float, bool or string`,
    {
      explanation: 'Block parameters are typed with int, float, bool or string.',
      example: `block tower(units: integer) = dense(units, relu)\n${SEED.replace('dense(64, relu)', 'tower(64)')}`,
      fixed: `block tower(units: int) = dense(units, relu)\n${SEED.replace('dense(64, relu)', 'tower(64)')}`,
    },
  ),
  wrongKindOfName: kind(
    'MTL0108',
    'names',
    'error',
    'name of the wrong kind',
    (name: string, was: string, expected: string) => `"${name}" is ${was}; expected ${expected}`,
    {
      explanation:
        'A name is used where something else is needed: a head cannot be read by another pipeline (it is a task output), and a gate can be read only directly by a head.',
      example: SEED.replace('head task2 = shared', 'head task2 = task1'),
      fixed: SEED,
    },
  ),

  // ── MTL02xx: calls and arguments ───────────────────────────────────────────────────────────
  unknownArgument: kind(
    'MTL0201',
    'calls',
    'error',
    'unknown argument',
    (callee: string, arg: string) => `${callee} has no argument "${arg}"`,
    {
      explanation:
        'A named argument is not one of the parameters of the layer, block or method called. `mtlc explain` and hover list the parameters.',
      example: SEED.replace('dense(64, relu)', 'dense(64, activaton: relu)'),
      fixed: SEED.replace('dense(64, relu)', 'dense(64, activation: relu)'),
    },
  ),
  tooManyArguments: kind(
    'MTL0202',
    'calls',
    'error',
    'too many arguments',
    (callee: string, max: number, got: number) => `${callee} takes at most ${max} argument${max === 1 ? '' : 's'}, got ${got}`,
    {
      explanation: 'A call passes more positional arguments than its parameters.',
      example: SEED.replace('dense(64, relu)', 'dense(64, relu, 0.5)'),
      fixed: SEED,
    },
  ),
  missingArgument: kind(
    'MTL0203',
    'calls',
    'error',
    'missing argument',
    (callee: string, arg: string) => `${callee} needs the argument "${arg}"`,
    {
      explanation: 'A required parameter (one without a default) is not given.',
      example: SEED.replace('dense(64, relu)', 'dense(activation: relu)'),
      fixed: SEED,
    },
  ),
  unknownEnumValue: kind('MTL0204', 'calls', 'error', 'unknown value', (what: string, value: string) => `unknown ${what} "${value}"`, {
    explanation:
      'An argument takes one of a fixed set of names, such as an activation (linear relu relu6 elu selu gelu swish sigmoid tanh softplus softmax leaky_relu) or a padding (same valid).',
    example: SEED.replace('dense(64, relu)', 'dense(64, rleu)'),
    fixed: SEED,
  }),
  positionalAfterNamed: kind(
    'MTL0205',
    'calls',
    'error',
    'positional argument after a named one',
    () => 'positional arguments come before named ones',
    {
      explanation: 'As in Python, every positional argument must come before the first named argument.',
      example: SEED.replace('dense(64, relu)', 'dense(units: 64, relu)'),
      fixed: SEED.replace('dense(64, relu)', 'dense(64, activation: relu)'),
    },
  ),
  duplicateArgument: kind(
    'MTL0206',
    'calls',
    'error',
    'argument given twice',
    (arg: string) => `argument "${arg}" is given more than once`,
    {
      explanation: 'Each parameter takes one value, either by position or by name.',
      example: SEED.replace('dense(64, relu)', 'dense(64, units: 32)'),
      fixed: SEED,
    },
  ),
  wrongArgumentType: kind(
    'MTL0207',
    'calls',
    'error',
    'wrong argument value',
    (callee: string, arg: string, expected: string, got: string) => `${callee} argument "${arg}" must be ${expected}, got ${got}`,
    {
      explanation: 'An argument value has the wrong type or lies outside its allowed range.',
      example: SEED.replace('dense(64, relu)', 'dense(0, relu)'),
      fixed: SEED,
    },
  ),
  notANumber: kind('MTL0208', 'calls', 'error', 'arithmetic on a non-number', (op: string) => `"${op}" needs numbers on both sides`, {
    explanation: 'Argument expressions may compute with + - * / on numbers (and number parameters of a block) only.',
    example: `block tower(units: int) = dense(units * "2", relu)\n${SEED.replace('dense(64, relu)', 'tower(64)')}`,
    fixed: `block tower(units: int) = dense(units * 2, relu)\n${SEED.replace('dense(64, relu)', 'tower(64)')}`,
  }),
  notASource: kind(
    'MTL0209',
    'calls',
    'error',
    'pipeline must start from a name',
    (callee: string) => `a pipeline starts from an input, trunk or gate, or from concat(...)/add(...), not from a call to "${callee}"`,
    {
      explanation:
        'A trunk or head pipeline starts with what it reads, then applies layers: `x -> dense(64)`, not `dense(64)` alone. Only blocks are pure layer pipelines.',
      example: SEED.replace('trunk shared = x -> dense(64, relu)', 'trunk shared = dense(64, relu)'),
      fixed: SEED,
    },
  ),
  divisionByZero: kind('MTL0210', 'calls', 'error', 'division by zero', () => 'division by zero', {
    explanation: 'An argument expression divides by zero.',
    example: SEED.replace('dense(64, relu)', 'dense(64 / 0, relu)'),
    fixed: SEED,
  }),
  numberOutOfRange: kind(
    'MTL0280',
    'calls',
    'error',
    'number out of range',
    (value: string) => `${value} is out of range: numbers must be finite 32-bit floats (at most about ±3.4e38)`,
    {
      explanation:
        'Models train in 32-bit floating point. A number beyond its range (such as 1e400, or 1e39) would become infinite there, and training would turn every weight into NaN.',
      example: `${SEED.slice(0, -2)}\n  train { optimizer: adam(lr: 1e400) }\n}\n`,
      fixed: `${SEED.slice(0, -2)}\n  train { optimizer: adam(lr: 0.001) }\n}\n`,
    },
  ),

  // ── MTL03xx: shapes ────────────────────────────────────────────────────────────────────────
  shapeMismatch: kind('MTL0301', 'shapes', 'error', 'layer does not fit the shape', (message: string) => message, {
    explanation:
      'Every layer has a shape rule (docs/language.md, "Layers and their shape rules"); the shape flowing into this layer does not satisfy it. The message shows the shape the layer received; the hint, when there is one, shows the usual fix.',
    example: SEED.replace('dense(64, relu)', 'dense(64, relu) -> lstm(32)'),
    fixed: SEED,
  }),
  mergeMismatch: kind('MTL0302', 'shapes', 'error', 'sources do not merge', (message: string) => message, {
    explanation: 'concat needs all leading dimensions equal (last dimensions add); add needs all shapes equal.',
    example: SEED.replace('input x: float[100]', 'input x: float[100]\n  input img: float[8, 8, 1]').replace(
      'trunk shared = x -> dense(64, relu)',
      'trunk shared = concat(x, img) -> dense(64, relu)',
    ),
    fixed: SEED.replace('input x: float[100]', 'input x: float[100]\n  input img: float[8, 8, 1]').replace(
      'trunk shared = x -> dense(64, relu)',
      'trunk shared = concat(x, img -> flatten()) -> dense(64, relu)',
    ),
  }),
  badDimension: kind('MTL0303', 'shapes', 'error', 'bad dimension', (what: string) => `${what} must be a positive integer`, {
    explanation: 'Tensor dimensions, vocabulary sizes and category counts are whole numbers of at least 1.',
    example: SEED.replace('float[100]', 'float[0]'),
    fixed: SEED,
  }),
  columnCountMismatch: kind(
    'MTL0304',
    'shapes',
    'error',
    'columns do not match the input',
    (input: string, listed: number, width: number) =>
      `input "${input}" lists ${listed} ${listed === 1 ? 'column' : 'columns'} but holds ${width} ${width === 1 ? 'value' : 'values'}`,
    {
      explanation:
        'from ["a", "b", …] names exactly the columns an input reads, one value each, in order: as many as its type holds (one for a scalar or a category).',
      example: withSizeInput(3),
      fixed: withSizeInput(2),
    },
  ),
  tooManyLayers: kind(
    'MTL0380',
    'shapes',
    'error',
    'too many layers',
    (model: string, layers: number) =>
      `model "${model}" has ${formatCount(layers)} layers once blocks and experts are expanded; at most ${formatCount(MAX_LAYERS)}`,
    {
      explanation: `Every expert of a gate is a copy of its layers, for every level and every reading head of cgc and ple. A model holds at most ${formatCount(MAX_LAYERS)} layers in all, counted before any is built.`,
      example: `${GROWN}${SEED.replace('trunk shared = x -> dense(64, relu)', 'gate shared = mmoe(x, experts: 200, expert: b64)')}`,
      fixed: `${GROWN}${SEED.replace('trunk shared = x -> dense(64, relu)', 'gate shared = mmoe(x, experts: 8, expert: b64)')}`,
    },
  ),
  rowTooLarge: kind(
    'MTL0381',
    'shapes',
    'error',
    'tensor too large',
    (what: string, values: number) =>
      `${what} holds ${formatCount(values)} values per row; at most ${formatCount(MAX_ROW_VALUES)} (${formatBytes(MAX_ROW_VALUES * 4)} of float32)`,
    {
      explanation: `One row of any tensor — an input, or a layer's output — holds at most ${formatCount(MAX_ROW_VALUES)} values, so that a batch of rows can be held in memory.`,
      example: SEED.replace('float[100]', 'float[5000, 4000]').replace('x -> dense', 'x -> globalpool() -> dense'),
      fixed: SEED.replace('float[100]', 'float[500, 4000]').replace('x -> dense', 'x -> globalpool() -> dense'),
    },
  ),
  tooManyParameters: kind(
    'MTL0382',
    'shapes',
    'error',
    'too many parameters',
    (model: string, parameters: number) =>
      `model "${model}" has ${formatCount(parameters)} parameters (${formatBytes(parameters * 4)} of float32 weights); mtlc builds at most ${formatCount(MAX_PARAMETERS)} (${formatBytes(MAX_PARAMETERS * 4)})`,
    {
      explanation:
        'The weights of a model are saved as one weights.bin file, which Node.js reads in one piece of at most 2 GiB, and trained in the 4 GiB address space of the WebAssembly backend. A model over this size is refused before anything is allocated.',
      example: SEED.replace('float[100]', 'float[100000]').replace('dense(64, relu)', 'dense(10000, relu)'),
      fixed: SEED.replace('float[100]', 'float[100000]'),
    },
  ),

  // ── MTL04xx: gates and heads ───────────────────────────────────────────────────────────────
  noHeads: kind(
    'MTL0401',
    'heads',
    'error',
    'model without heads',
    (model: string) => `model "${model}" has no head: declare at least one task`,
    {
      explanation: 'A model learns one task per head; a model without heads has nothing to train.',
      example: 'model Empty {\n  input x: float[4]\n}\n',
      fixed: 'model Empty {\n  input x: float[4]\n  head y = x -> regress(1)\n}\n',
    },
  ),
  headWithoutTask: kind(
    'MTL0402',
    'heads',
    'error',
    'head must end in a task layer',
    (head: string) => `head "${head}" must end in a task layer (classify, binary, multilabel, regress or tag)`,
    {
      explanation: 'The last call of every head is its task layer: it fixes the output, activation, loss and label format.',
      example: SEED.replace('head task2 = shared -> classify(5)', 'head task2 = shared -> dense(5)'),
      fixed: SEED,
    },
  ),
  misplacedTask: kind(
    'MTL0403',
    'heads',
    'error',
    'task layer not at the end of a head',
    (task: string) => `${task} is a task layer: it may only end a head`,
    {
      explanation:
        'Task layers (classify, binary, multilabel, regress, tag) produce a head’s output; they cannot appear in trunks, blocks, experts or the middle of a pipeline.',
      example: SEED.replace('trunk shared = x -> dense(64, relu)', 'trunk shared = x -> classify(64)'),
      fixed: SEED,
    },
  ),
  unknownGate: kind(
    'MTL0404',
    'heads',
    'error',
    'unknown gate kind',
    (name: string) => `unknown gate kind "${name}": use mmoe, cgc or ple`,
    {
      explanation: 'A gate is declared with one of the mixture-of-experts kinds: mmoe (Ma et al., 2018), cgc or ple (Tang et al., 2020).',
      example: SEED.replace('trunk shared = x -> dense(64, relu)', 'gate shared = moe(x, experts: 2, expert: dense(16, relu))'),
      fixed: SEED.replace('trunk shared = x -> dense(64, relu)', 'gate shared = mmoe(x, experts: 2, expert: dense(16, relu))'),
    },
  ),
  classCountMismatch: kind(
    'MTL0405',
    'heads',
    'error',
    'classes do not match the task',
    (listed: number, n: number) => `${listed} classes listed for a task with ${n} outputs`,
    {
      explanation: 'The classes option names every class of a classify head, in id order, so it has exactly n names.',
      example: SEED.replace('classify(5)', 'classify(2) { classes: ["yes", "no", "maybe"] }'),
      fixed: SEED.replace('classify(5)', 'classify(3) { classes: ["yes", "no", "maybe"] }'),
    },
  ),

  // ── MTL05xx: weights, training and data options ────────────────────────────────────────────
  unknownOption: kind(
    'MTL0501',
    'options',
    'error',
    'unknown option',
    (section: string, name: string) => `unknown ${section} option "${name}"`,
    {
      explanation:
        'Each section takes a fixed set of options: train {optimizer epochs batch validation early_stop seed shuffle select}, data {train validation test format}, head {label loss metrics classes normalize}.',
      example: `${SEED.slice(0, -2)}\n  train { epoch: 10 }\n}\n`,
      fixed: `${SEED.slice(0, -2)}\n  train { epochs: 10 }\n}\n`,
    },
  ),
  duplicateOption: kind('MTL0502', 'options', 'error', 'option given twice', (name: string) => `option "${name}" is given more than once`, {
    explanation: 'Each option, and each head in weights {}, appears at most once.',
    example: `${SEED.slice(0, -2)}\n  train { epochs: 10, epochs: 20 }\n}\n`,
    fixed: `${SEED.slice(0, -2)}\n  train { epochs: 20 }\n}\n`,
  }),
  wrongOptionValue: kind(
    'MTL0503',
    'options',
    'error',
    'wrong option value',
    (name: string, expected: string, got: string) => `option "${name}" must be ${expected}, got ${got}`,
    {
      explanation: 'An option value has the wrong type or lies outside its range.',
      example: `${SEED.slice(0, -2)}\n  train { epochs: 0 }\n}\n`,
      fixed: `${SEED.slice(0, -2)}\n  train { epochs: 10 }\n}\n`,
    },
  ),
  unknownWeight: kind(
    'MTL0504',
    'options',
    'error',
    'weight for an unknown head',
    (name: string) => `weights names "${name}", which is not a head`,
    {
      explanation: 'weights {} gives the λ of each head in L = Σ λ_i L_i; every entry must name a head of the model.',
      example: `${SEED.slice(0, -2)}\n  weights { task1: 1.0, taks2: 0.5 }\n}\n`,
      fixed: `${SEED.slice(0, -2)}\n  weights { task1: 1.0, task2: 0.5 }\n}\n`,
    },
  ),
  negativeWeight: kind('MTL0505', 'options', 'error', 'negative weight', (name: string) => `the weight of "${name}" is negative`, {
    explanation: 'A task weight λ scales a loss; a negative one would make training maximise that loss.',
    example: `${SEED.slice(0, -2)}\n  weights { task1: 1.0, task2: -0.5 }\n}\n`,
    fixed: `${SEED.slice(0, -2)}\n  weights { task1: 1.0, task2: 0.5 }\n}\n`,
  }),
  unknownMethod: kind('MTL0506', 'options', 'error', 'unknown method', (what: string, name: string) => `unknown ${what} "${name}"`, {
    explanation:
      'weighting takes fixed, uncertainty, gradnorm, dwa, pcgrad or mgda; optimizer takes adam, adamw, sgd or rmsprop; loss takes categorical_crossentropy, binary_crossentropy, mse, mae or huber.',
    example: `${SEED.slice(0, -2)}\n  weighting uncertainity\n}\n`,
    fixed: `${SEED.slice(0, -2)}\n  weighting uncertainty\n}\n`,
  }),
  wrongLoss: kind(
    'MTL0507',
    'options',
    'error',
    'loss does not fit the task',
    (loss: string, task: string, allowed: string) => `loss "${loss}" does not fit a ${task} head: use ${allowed}`,
    {
      explanation:
        'Each task layer fixes its output activation, so only some losses make sense: regress takes mse, mae or huber; the classification tasks take their cross-entropy.',
      example: SEED.replace('classify(5)', 'classify(5) { loss: mse }'),
      fixed: SEED,
    },
  ),
  wrongMetric: kind(
    'MTL0508',
    'options',
    'error',
    'metric does not fit the task',
    (metric: string, task: string, allowed: string) => `metric "${metric}" does not fit a ${task} head: use ${allowed}`,
    {
      explanation: 'Classification heads report accuracy, auc, precision, recall, f1; regression heads mse, mae, rmse, r2.',
      example: SEED.replace('classify(5)', 'classify(5) { metrics: [accuracy, r2] }'),
      fixed: SEED.replace('classify(5)', 'classify(5) { metrics: [accuracy, f1] }'),
    },
  ),
  duplicateSection: kind(
    'MTL0509',
    'options',
    'error',
    'section declared twice',
    (section: string) => `the model has more than one ${section} section`,
    {
      explanation: 'A model has at most one weights {}, weighting, train {} and data {}.',
      example: `${SEED.slice(0, -2)}\n  train { epochs: 5 }\n  train { batch: 64 }\n}\n`,
      fixed: `${SEED.slice(0, -2)}\n  train { epochs: 5, batch: 64 }\n}\n`,
    },
  ),
  badSearch: kind('MTL0510', 'options', 'error', 'bad search space', (problem: string) => `search(...) ${problem}`, {
    explanation: 'search(a, b, …) lists the candidate weights that `mtlc tune` tries: at least one number, none negative.',
    example: `${SEED.slice(0, -2)}\n  weights { task1: 1.0, task2: search() }\n}\n`,
    fixed: `${SEED.slice(0, -2)}\n  weights { task1: 1.0, task2: search(0.1, 0.5, 1.0) }\n}\n`,
  }),
  allWeightsZero: kind(
    'MTL0511',
    'options',
    'error',
    'every weight is zero',
    () => 'every task weight is 0: the total loss is 0 and nothing would be trained',
    {
      explanation:
        'The model minimises L = Σ λ_i L_i. With every λ at 0 (or every candidate of every search at 0) L is 0 whatever the weights of the network, so training would change nothing. Give at least one head a positive weight.',
      example: `${SEED.slice(0, -2)}\n  weights { task1: 0, task2: 0 }\n}\n`,
      fixed: `${SEED.slice(0, -2)}\n  weights { task1: 1.0, task2: 0 }\n}\n`,
    },
  ),

  // ── MTL09xx: warnings ──────────────────────────────────────────────────────────────────────
  unusedDeclaration: kind(
    'MTL0901',
    'warnings',
    'warning',
    'unused declaration',
    (what: string, name: string) => `${what} "${name}" is never read by a head`,
    {
      explanation:
        'An input, trunk or gate that no head reads (directly or through others) adds nothing to the model. Inputs are still read from the data, so an unused one is probably a mistake.',
      example: SEED.replace('input x: float[100]', 'input x: float[100]\n  input extra: float[3]'),
      fixed: SEED,
    },
  ),
  gateWithOneReader: kind(
    'MTL0902',
    'warnings',
    'warning',
    'gate read by one head',
    (gate: string, head: string) => `gate "${gate}" is read only by "${head}": a mixture of experts shares experts between tasks`,
    {
      explanation:
        'A gate gives each reading head its own mixture of shared experts. With one reader it is just a single-task mixture of experts; read it from every head that should share the experts.',
      example: SEED.replace(
        'trunk shared = x -> dense(64, relu)',
        'trunk shared = x -> dense(64, relu)\n  gate moe = mmoe(x, experts: 2, expert: dense(16, relu))',
      ).replace('head task1 = shared', 'head task1 = moe'),
      fixed: SEED.replace('trunk shared = x -> dense(64, relu)', 'gate moe = mmoe(x, experts: 2, expert: dense(16, relu))').replace(
        /= shared/g,
        '= moe',
      ),
    },
  ),
  unweightedHead: kind(
    'MTL0903',
    'warnings',
    'warning',
    'head missing from weights',
    (head: string) => `head "${head}" is not in weights {}, so it gets weight 1.0`,
    {
      explanation: 'When weights {} lists some heads, a head left out silently gets λ = 1.0; list it to make the choice visible.',
      example: `${SEED.slice(0, -2)}\n  weights { task1: 0.5 }\n}\n`,
      fixed: `${SEED.slice(0, -2)}\n  weights { task1: 0.5, task2: 1.0 }\n}\n`,
    },
  ),
  selectWithoutValidation: kind(
    'MTL0904',
    'warnings',
    'warning',
    'selection without validation data',
    (option: string, instead: string) => `"${option}" has no validation data to watch: ${instead}`,
    {
      explanation:
        'train { select } picks the best epoch, and early_stop stops the run, by how the model does on validation rows. Without train { validation } or data { validation } (and without --validation on the command line) there are none: select picks nothing and the model keeps its last epoch, and early_stop watches the training loss, which keeps falling as the model overfits.',
      example: `${SEED.slice(0, -2)}\n  train { select: "task1.accuracy" }\n}\n`,
      fixed: `${SEED.slice(0, -2)}\n  train { select: "task1.accuracy", validation: 0.2 }\n}\n`,
    },
  ),
  singleCandidate: kind(
    'MTL0905',
    'warnings',
    'warning',
    'search with one candidate',
    (value: number) => `search(...) has one candidate, ${value}: mtlc tune has nothing to choose`,
    {
      explanation:
        'search(a, b, …) lists the weights mtlc tune compares by cross-validation. With one distinct value there is nothing to compare; write the number itself, or add the other candidates.',
      example: `${SEED.slice(0, -2)}\n  weights { task1: 1.0, task2: search(0.5) }\n}\n`,
      fixed: `${SEED.slice(0, -2)}\n  weights { task1: 1.0, task2: search(0.5, 1.0) }\n}\n`,
    },
  ),
  largeModel: kind(
    'MTL0980',
    'warnings',
    'warning',
    'large model',
    (model: string, parameters: number) =>
      `model "${model}" has ${formatCount(parameters)} parameters: ${formatBytes(parameters * 4)} of weights, about ${formatBytes(parameters * TRAINING_BYTES_PER_PARAMETER)} of memory to train`,
    {
      explanation: `A model over ${formatCount(LARGE_PARAMETERS)} parameters is legal but heavy: training holds each parameter four times (the weight, its gradient and the optimizer's two slots), in 32-bit floats. The warning says how much memory that is, before a run runs out of it.`,
      example: SEED.replace('float[100]', 'float[100000]').replace('dense(64, relu)', 'dense(1000, relu)'),
      fixed: SEED.replace('float[100]', 'float[100000]'),
    },
  ),
} as const;

export function allDiagnosticKinds(): DiagnosticKind<never[]>[] {
  return Object.values(Diagnostics) as unknown as DiagnosticKind<never[]>[];
}

const PHASE_OF = new Map(allDiagnosticKinds().map((k) => [k.code, k.phase]));

/** The phase that reports a diagnostic. */
export function phaseOf(d: Diagnostic): Phase | undefined {
  return PHASE_OF.get(d.code);
}

export function compareDiagnostics(a: Diagnostic, b: Diagnostic): number {
  return a.span.start - b.span.start || a.span.end - b.span.end || a.code.localeCompare(b.code);
}
