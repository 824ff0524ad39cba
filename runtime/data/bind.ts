/**
 * Binds the rows of a data file to a checked model's inputs and heads (LANGUAGE.md §6, §7),
 * writing straight into growing typed arrays as rows stream past. Every problem is collected
 * with its file, line and column; the run stops with the whole list, or, under `skipBadRows`,
 * leaves those rows out and counts them. Nothing is ever trained on a bad row silently.
 *
 * Default binding: an input `x: float[n]` reads the CSV columns `x_0 … x_{n-1}` or the JSONL
 * field `x` holding an array (nested arrays are flattened row-major); a scalar or size-1 input
 * reads the column `x` (else `x_0`) or a JSONL number (or one-element array). `from "a".."b"`
 * reads every column from `a` to `b` in header order (JSONL: in the key order of the first
 * record); `from ["a", "c"]` reads those columns or fields, one number each. Labels are read from
 * `label` (the head's name by default) the same way; `regress(n>1)` reads `label_0 …` in CSV.
 * A multilabel or tag label is one cell holding ids (or class names) separated by `;`, or by
 * blanks when the cell has no `;` (see `parseList`); in JSONL it is an array.
 */
import { openSync, read } from 'node:fs';
import type { CheckedModel, HeadNode, InputNode } from '../../compiler/index.js';
import { type BoundData, type LabelColumn, inputWidth, isIntInput, labelWidth, tagSteps } from './dataset.js';
import { DataError, DataErrors, type DataLocation, DEFAULT_PROBLEMS_SHOWN, didYouMeanColumn, ProblemList } from './errors.js';
import { type DataFormat, type DataSource, dataFormat, readRows, sourceName } from './read.js';
import { isPack, readPack } from './pack.js';
import {
  type Cells,
  COLUMN_GROUP,
  type ColumnPart,
  type ColumnSink,
  type NumberColumn,
  present,
  type Row,
  type RowBlock,
  type RowSink,
} from './rows.js';
import {
  CellProblem,
  classIndex,
  flatten,
  isMissing,
  parseBinary,
  parseClass,
  parseId,
  parseInteger,
  parseList,
  parseNumber,
  show,
  FLOAT32_MAX,
} from './values.js';
import { GrowableColumn } from './growable.js';
import { copyColumnsInto } from './transpose.js';

export interface BindOptions {
  /** Overrides the model's `data { format }` and the file extension. */
  readonly format?: DataFormat;
  /** Leave rows with problems out and count them, instead of failing (`--skip-bad-rows`). */
  readonly skipBadRows?: boolean;
  /**
   * Whether every head's label must be present (default true, for training data): a label column
   * absent from the CSV header, or a label missing in every row, is then an error. Set false for
   * files that are only predicted on.
   */
  readonly requireLabels?: boolean;
  /** Problems listed in the error before "and N more". */
  readonly problemsShown?: number;
}

/** Where a value comes from: a CSV cell index or a JSONL field name. */
type Key = number | string;

/** One value per key (CSV columns, JSONL fields given by `from`), or one JSONL field holding them all. */
type Source =
  | { readonly kind: 'slots'; readonly keys: readonly Key[]; readonly names: readonly string[] }
  | { readonly kind: 'vector'; readonly key: string }
  | { readonly kind: 'absent' };

interface InputPlan {
  readonly input: InputNode;
  readonly width: number;
  readonly source: Source;
  readonly column: GrowableColumn<Float32Array | Int32Array>;
  readonly names?: ReadonlyMap<string, number>;
}

interface LabelPlan {
  readonly head: HeadNode;
  readonly width: number;
  readonly source: Source;
  readonly values: GrowableColumn<Float32Array>;
  readonly mask: GrowableColumn<Uint8Array>;
  readonly classes?: ReadonlyMap<string, number>;
  labelled: number;
}

const NONE_COPIED: ReadonlySet<InputPlan> = new Set();

/** The class id a plain number is, as parseClass reads it for a head of `units` unnamed classes; -1 when it is none. */
function plainClassId(value: number, units: number): number {
  return Number.isInteger(value) && value >= 0 && value < units ? value : -1;
}

type Slots = Source & { readonly kind: 'slots' };

/** /dev/zero, opened once, for zeroAhead; null where there is none. */
let devZero: number | null | undefined;

/**
 * Reads zeros into elements `from…to` of `array`, fresh memory no row has been written to: the
 * kernel takes the first-touch page faults of that memory, most of binding's time on this VM
 * (docs/performance.md), on a thread of libuv's pool beside the main thread, which then finds it
 * mapped. Resolves, never rejects, when done (at once where there is no /dev/zero).
 */
function zeroAhead(array: Float32Array | Int32Array | Uint8Array, from: number, to: number): Promise<void> {
  if (devZero === undefined) {
    try {
      devZero = openSync('/dev/zero', 'r');
    } catch {
      devZero = null;
    }
  }
  const fd = devZero;
  if (fd === null || to <= from) return Promise.resolve();
  const bytes = new Uint8Array(array.buffer, array.byteOffset + from * array.BYTES_PER_ELEMENT, (to - from) * array.BYTES_PER_ELEMENT);
  return new Promise((resolve) => {
    read(fd, bytes, 0, bytes.length, null, () => resolve());
  });
}

/** Whether `plan` reads only plain numbers, which whole columns of numbers can be copied into. */
function copiesWhole(plan: InputPlan): plan is InputPlan & { readonly source: Slots } {
  return plan.source.kind === 'slots' && plan.input.dtype !== 'int' && plan.input.category === undefined;
}

/** Whether `plan` is a classify head's label of unnamed classes, whose ids whole columns of numbers can be copied into. */
function copiesClassIds(plan: LabelPlan): plan is LabelPlan & { readonly source: Slots } {
  return plan.head.task.kind === 'classify' && plan.classes === undefined && plan.source.kind === 'slots';
}

/**
 * Copies `columns` into slots `slot…` of `plan`'s input at rows `first…first + rows`, and marks in
 * `redo` the rows whose cells need the row path: a NULL's slot holds any value, and its row is
 * bound again (and reported) by the row path, as a row with a value beyond float32 is.
 */
function copyInput(plan: InputPlan, slot: number, columns: readonly NumberColumn[], first: number, rows: number, redo: Uint8Array): void {
  plan.column.at(first + rows - 1);
  copyColumnsInto(
    columns.map((column) => column.items),
    plan.column.data,
    first * plan.width + slot,
    plan.width,
    rows,
    redo,
  );
  for (const column of columns) {
    if (column.valid === undefined) continue;
    for (let r = 0; r < rows; r++) if (!present(column, r)) redo[r] = 1;
  }
}

/**
 * Sets the labels of `plan`, a classify head, from the class ids of `column` at rows
 * `first…first + rows`, as readLabel reads them (NULL: unlabelled). A row whose id is not a class
 * id is marked in `redo`, for the row path to report.
 */
function copyClassIds(plan: LabelPlan, column: NumberColumn, first: number, rows: number, redo: Uint8Array): void {
  const { units } = plan.head.task;
  const { width } = plan;
  plan.values.at(first + rows - 1);
  plan.mask.at(first + rows - 1);
  const out = plan.values.data;
  const mask = plan.mask.data;
  out.fill(0, first * width, (first + rows) * width);
  for (let r = 0, at = first; r < rows; r++, at++) {
    mask[at] = 0;
    if (!present(column, r)) continue;
    const id = plainClassId(column.items[r]!, units);
    if (id >= 0) {
      out[at * width + id] = 1;
      mask[at] = 1;
    } else redo[r] = 1;
  }
}

/** Reads `source` and binds every row to `model`; throws `DataErrors` listing all problems. */
export async function loadDataset(model: CheckedModel, source: DataSource, options: BindOptions = {}): Promise<BoundData> {
  // A pack holds the data already bound (pack.ts).
  if (typeof source === 'string' && isPack(source)) return readPack(model, source);
  const format = dataFormat(source, options.format ?? model.data.format);
  return bindRows(model, sourceName(source), format, options, (sink) => readRows(source, format, sink));
}

/** Binds the rows that `read` streams into its sink (a reader of another format, or a benchmark's). */
export async function bindRows(
  model: CheckedModel,
  file: string,
  format: DataFormat,
  options: BindOptions,
  read: (sink: RowSink) => Promise<void>,
): Promise<BoundData> {
  const binder = new Binder(model, file, format, options);
  await read(binder);
  return binder.finish();
}

class Binder implements RowSink {
  private readonly problems: ProblemList;
  private readonly problemsShown: number;
  private readonly skippedList = new ProblemList();
  private readonly skip: boolean;
  private readonly requireLabels: boolean;
  private inputs: InputPlan[] | undefined;
  private labels: LabelPlan[] | undefined;
  private n = 0;
  private skipped = 0;
  /** The problems of the row being bound (emptied for each row). */
  private readonly rowProblems: DataError[] = [];
  /** The row being bound, and a value of it by key (made once, not a closure a row). */
  private current: Row | undefined;
  private readonly getJson = (k: Key): unknown => (this.current as Row & { format: 'jsonl' }).record[k as string];
  private readonly getCell = (k: Key): unknown =>
    (this.current as Row & { format: 'csv' | 'parquet' }).cells.value(typeof k === 'number' ? k : this.columnIndex.get(k)!);
  /** At least the rows the file holds, when known: the columns are allocated for them at once. */
  private expected = 0;
  /** Each column's index by its name: a Parquet list column is read by name, as a JSONL field holding an array. */
  private readonly columnIndex = new Map<string, number>();
  /** The current row's cells, when it is a CSV or Parquet row. */
  private get cells(): Cells | undefined {
    const row = this.current!;
    return row.format === 'jsonl' ? undefined : row.cells;
  }
  private readonly where: DataLocation['kind'];

  constructor(
    private readonly model: CheckedModel,
    private readonly file: string,
    readonly format: DataFormat,
    options: BindOptions,
  ) {
    this.problemsShown = options.problemsShown ?? DEFAULT_PROBLEMS_SHOWN;
    this.problems = new ProblemList(this.problemsShown);
    this.skip = options.skipBadRows === true;
    this.requireLabels = options.requireLabels !== false;
    this.where = format === 'jsonl' ? 'field' : 'column';
  }

  // ---- RowSink ----

  expectRows(rows: number): void {
    this.expected = rows;
  }

  private get rowsToAllocate(): number {
    return this.expected > 0 ? this.expected : 1024;
  }

  header(names: readonly string[], line: number | undefined): void {
    const headerProblems = new ProblemList(this.problemsShown);
    names.forEach((name, i) => this.columnIndex.set(name, i));
    const fail = (name: string | undefined, problem: string): void =>
      headerProblems.add(new DataError(this.file, line, name === undefined ? undefined : { kind: 'column', name }, problem));
    const positions = new Map<string, number[]>();
    names.forEach((name, i) => positions.set(name, [...(positions.get(name) ?? []), i]));
    // Columns the model reads; a missing one is suggested only among the others, once all are known.
    const read = new Set<string>();
    const missing: Array<[name: string, reader: string]> = [];
    const columnIndex = (name: string, reader: string): number | undefined => {
      const at = positions.get(name);
      read.add(name);
      if (at === undefined) missing.push([name, reader]);
      else if (at.length > 1) fail(name, `appears ${at.length} times in the header (columns ${at.map((i) => i + 1).join(', ')})`);
      return at?.length === 1 ? at[0] : undefined;
    };
    const has = (name: string): boolean => positions.has(name);
    this.plan(
      (input, width) => this.csvInputSource(input, width, names, positions, columnIndex, fail, has),
      (head, width) => this.csvLabelSource(head, width, columnIndex, has),
    );
    const unread = names.filter((name) => !read.has(name));
    for (const [name, reader] of missing) fail(name, `not in the header (${reader})${didYouMeanColumn(name, unread)}`);
    headerProblems.throwIfAny();
  }

  row(row: Row): void {
    if (this.inputs === undefined) {
      if (row.format !== 'jsonl') throw new Error('bug: a row before its header');
      this.planJson(row.record, row.line);
    }
    this.bindRow(row, NONE_COPIED);
  }

  block(block: RowBlock): void {
    const first = this.n;
    const { copied, redo } = this.copyColumns(block, first);
    const labelled = this.copyLabels(block, first, redo);
    // Every input and label in place already: a row that needs no second look is bound.
    const whole = this.inputs!.every((plan) => copied.has(plan)) && this.labels!.every((plan) => labelled.has(plan));
    const cells = block.cells;
    for (let r = 0; r < block.rows; r++) {
      if (whole && redo[r] === 0 && this.n === first + r) {
        this.keepRow();
        continue;
      }
      cells.row = r;
      const done = redo[r] === 1 ? NONE_COPIED : copied;
      // After a row left out (--skip-bad-rows), each row's copied values move up to its place.
      if (this.n !== first + r) {
        for (const plan of done) plan.column.data.copyWithin(this.n * plan.width, (first + r) * plan.width, (first + r + 1) * plan.width);
      }
      this.bindRow({ format: block.format, line: block.line + r, cells }, done);
    }
  }

  /**
   * Copies whole columns of `block` into the inputs that read only plain numbers from number
   * columns, at rows `first…`; returns those inputs, and the rows whose cells need the row path
   * (NULL, or beyond float32) to be bound and reported.
   */
  private copyColumns(block: RowBlock, first: number): { copied: ReadonlySet<InputPlan>; redo: Uint8Array } {
    const redo = new Uint8Array(block.rows);
    const copied = new Set<InputPlan>();
    for (const plan of this.inputs!) {
      if (!copiesWhole(plan)) continue;
      const columns = plan.source.keys.map((k) => block.numbers(k as number));
      if (!columns.every((column) => column !== undefined)) continue;
      copyInput(plan, 0, columns as NumberColumn[], first, block.rows, redo);
      copied.add(plan);
    }
    return { copied, redo };
  }

  /**
   * Sets the labels of classify heads whose class ids come from number columns of `block`, at rows
   * `first…`; returns those heads.
   */
  private copyLabels(block: RowBlock, first: number, redo: Uint8Array): ReadonlySet<LabelPlan> {
    const done = new Set<LabelPlan>();
    for (const plan of this.labels!) {
      if (!copiesClassIds(plan)) continue;
      const column = block.numbers(plan.source.keys[0] as number);
      if (column === undefined) continue;
      copyClassIds(plan, column, first, block.rows, redo);
      done.add(plan);
    }
    return done;
  }

  /**
   * A column-major reader's way in (rows.ts, ColumnSink), when every input and label is copied
   * from number columns whole: the columns in groups of at most COLUMN_GROUP (an input's slots in
   * runs of that many, as copyColumnsInto copies them best), so that the reader holds a group's
   * pages only.
   */
  columnar(numbers: (k: number) => boolean): ColumnSink | undefined {
    const inputs = this.inputs!.filter(copiesWhole);
    const labels = this.labels!.filter(copiesClassIds);
    if (inputs.length < this.inputs!.length || labels.length < this.labels!.length) return undefined;
    if (![...inputs, ...labels].every((plan) => plan.source.keys.every((k) => numbers(k as number)))) return undefined;
    type Copy = (part: ColumnPart, first: number, redo: Uint8Array) => void;
    const copies: { keys: readonly number[]; copy: Copy }[] = [];
    for (const plan of inputs) {
      const keys = plan.source.keys as readonly number[];
      for (let slot = 0; slot < keys.length; slot += COLUMN_GROUP) {
        const slots = keys.slice(slot, slot + COLUMN_GROUP);
        copies.push({ keys: slots, copy: (part, first, redo) => copyInput(plan, slot, slots.map(part.numbers), first, part.rows, redo) });
      }
    }
    for (const plan of labels) {
      const key = plan.source.keys[0] as number;
      copies.push({ keys: [key], copy: (part, first, redo) => copyClassIds(plan, part.numbers(key), first, part.rows, redo) });
    }
    // Copies packed into groups in order, a group's columns each read once.
    const groups: { keys: Set<number>; copies: Copy[] }[] = [];
    for (const { keys, copy } of copies) {
      let group = groups.at(-1);
      if (group === undefined || new Set([...group.keys, ...keys]).size > COLUMN_GROUP) {
        group = { keys: new Set(), copies: [] };
        groups.push(group);
      }
      for (const k of keys) group.keys.add(k);
      group.copies.push(copy);
    }
    // Rows of the pass whose cells need the row path (NULL, beyond float32, not a class id).
    const redo = new GrowableColumn(Uint8Array, 1, 0);
    return {
      groups: groups.map((group) => [...group.keys]),
      columns: (part) => {
        redo.at(part.from + part.rows - 1);
        const rows = redo.data.subarray(part.from, part.from + part.rows);
        for (const copy of groups[part.group]!.copies) copy(part, this.n + part.from, rows);
      },
      // Rows of a later pass lie beyond every row this pass writes (a skipped row only moves the
      // rows after it up), so no value is zeroed; a short read leaves pages for the copy to fault.
      prepare: (from, rows) => {
        const first = this.n + from;
        const arrays = [
          ...inputs.map((plan) => [plan.column, plan.width] as const),
          ...labels.flatMap((plan) => [[plan.values, plan.width] as const, [plan.mask, 1] as const]),
        ];
        return Promise.all(
          arrays.map(([column, width]) => {
            column.at(first + rows - 1);
            return zeroAhead(column.data, first * width, (first + rows) * width);
          }),
        ).then(() => undefined);
      },
      pass: (rows) => {
        const clean = !redo.data.subarray(0, rows).includes(1);
        redo.data.fill(0);
        if (clean) for (let r = 0; r < rows; r++) this.keepRow();
        return clean;
      },
    };
  }

  /** Counts the row at `n`, bound without a problem, as bound. */
  private keepRow(): void {
    for (const plan of this.labels!) plan.labelled += plan.mask.data[this.n]!;
    this.n++;
  }

  /** Binds one row, but for the inputs in `copied`, whose values are in place already. */
  private bindRow(row: Row, copied: ReadonlySet<InputPlan>): void {
    this.rowProblems.length = 0;
    this.current = row;
    const get = row.format === 'jsonl' ? this.getJson : this.getCell;
    for (const plan of this.inputs!) if (!copied.has(plan)) this.readInput(plan, get);
    for (const plan of this.labels!) this.readLabel(plan, get);
    if (this.rowProblems.length === 0) this.keepRow();
    else if (this.skip) {
      this.skipped++;
      for (const p of this.rowProblems) this.skippedList.add(p);
    } else {
      for (const p of this.rowProblems) this.problems.add(p);
    }
  }

  malformed(problem: DataError): void {
    if (this.skip) {
      this.skipped++;
      this.skippedList.add(problem);
    } else {
      this.problems.add(problem);
    }
  }

  // ---- planning ----

  private plan(inputSource: (input: InputNode, width: number) => Source, labelSource: (head: HeadNode, width: number) => Source): void {
    this.inputs = this.model.inputs.map((input) => {
      const width = inputWidth(input);
      const names = input.category?.names === undefined ? undefined : classIndex(input.category.names);
      return {
        input,
        width,
        source: inputSource(input, width),
        column: isIntInput(input)
          ? new GrowableColumn(Int32Array, width, this.rowsToAllocate)
          : new GrowableColumn(Float32Array, width, this.rowsToAllocate),
        ...(names !== undefined ? { names } : {}),
      };
    });
    this.labels = this.model.heads.map((head) => {
      const width = labelWidth(head.task);
      const classes = classIndex(head.task.classes);
      return {
        head,
        width,
        source: labelSource(head, width),
        labelled: 0,
        values: new GrowableColumn(Float32Array, width, this.rowsToAllocate),
        mask: new GrowableColumn(Uint8Array, 1, this.rowsToAllocate),
        ...(classes !== undefined ? { classes } : {}),
      };
    });
  }

  private csvInputSource(
    input: InputNode,
    width: number,
    header: readonly string[],
    _positions: ReadonlyMap<string, number[]>,
    columnIndex: (name: string, reader: string) => number | undefined,
    fail: (name: string | undefined, problem: string) => void,
    has: (name: string) => boolean,
  ): Source {
    const reader = `input "${input.name}"`;
    let names: string[];
    const columns = input.columns;
    if (columns?.kind === 'range') {
      const first = columnIndex(columns.first, `${reader} reads "${columns.first}".."${columns.last}"`);
      const last = columnIndex(columns.last, `${reader} reads "${columns.first}".."${columns.last}"`);
      if (first === undefined || last === undefined) return { kind: 'absent' };
      if (first > last) {
        fail(undefined, `columns "${columns.first}".."${columns.last}": "${columns.first}" comes after "${columns.last}" in the header`);
        return { kind: 'absent' };
      }
      names = header.slice(first, last + 1);
      if (names.length !== width) {
        fail(undefined, `columns "${columns.first}".."${columns.last}" are ${names.length} columns, ${reader} needs ${width}`);
        return { kind: 'absent' };
      }
    } else if (columns?.kind === 'list') {
      // The checker has matched the list's length to the input (MTL0304).
      names = [...columns.names];
    } else if (this.format === 'parquet' && width > 1 && has(input.name) && !has(`${input.name}_0`)) {
      return { kind: 'vector', key: input.name };
    } else if (input.category !== undefined || width === 1) {
      names = [input.category === undefined && !has(input.name) && has(`${input.name}_0`) ? `${input.name}_0` : input.name];
    } else {
      names = Array.from({ length: width }, (_, i) => `${input.name}_${i}`);
    }
    if (input.category !== undefined && names.length !== 1) {
      fail(undefined, `${reader} is a category and reads one column, not ${names.length}`);
      return { kind: 'absent' };
    }
    const reads =
      columns?.kind === 'range'
        ? `${reader} reads "${columns.first}".."${columns.last}"`
        : names.length > 1
          ? `${reader} reads "${names[0]}".."${names[names.length - 1]}"`
          : reader;
    const keys = names.map((name) => columnIndex(name, reads));
    return keys.every((k) => k !== undefined) ? { kind: 'slots', keys: keys as number[], names } : { kind: 'absent' };
  }

  private csvLabelSource(
    head: HeadNode,
    width: number,
    columnIndex: (name: string, reader: string) => number | undefined,
    has: (name: string) => boolean,
  ): Source {
    const label = head.task.label;
    const reader = `the label of head "${head.name}"`;
    if (this.format === 'parquet' && head.task.kind === 'regress' && width > 1 && has(label) && !has(`${label}_0`)) {
      return { kind: 'vector', key: label };
    }
    const names =
      head.task.kind === 'regress' && width > 1
        ? Array.from({ length: width }, (_, i) => `${label}_${i}`)
        : [head.task.kind === 'regress' && !has(label) && has(`${label}_0`) ? `${label}_0` : label];
    if (!this.requireLabels && !names.every(has)) return { kind: 'absent' };
    const keys = names.map((name) => columnIndex(name, reader));
    return keys.every((k) => k !== undefined) ? { kind: 'slots', keys: keys as number[], names } : { kind: 'absent' };
  }

  /** JSONL has no header: plan from the model, resolving `from "a".."b"` on the first record's keys. */
  private planJson(first: Readonly<Record<string, unknown>>, line: number): void {
    const problems = new ProblemList(this.problemsShown);
    const keys = Object.keys(first);
    this.plan(
      (input, width) => {
        const columns = input.columns;
        if (columns === undefined) {
          return input.category !== undefined
            ? { kind: 'slots', keys: [input.name], names: [input.name] }
            : { kind: 'vector', key: input.name };
        }
        let names: string[];
        if (columns.kind === 'list') {
          names = [...columns.names];
        } else {
          const a = keys.indexOf(columns.first);
          const b = keys.indexOf(columns.last);
          for (const [name, at] of [
            [columns.first, a],
            [columns.last, b],
          ] as const) {
            if (at < 0)
              problems.add(
                new DataError(
                  this.file,
                  line,
                  { kind: 'field', name },
                  `not in the first record (input "${input.name}" reads "${columns.first}".."${columns.last}")`,
                ),
              );
          }
          if (a < 0 || b < 0) return { kind: 'absent' };
          names = keys.slice(Math.min(a, b), Math.max(a, b) + 1);
        }
        const needed = input.category !== undefined ? 1 : width;
        if (names.length !== needed) {
          problems.add(new DataError(this.file, line, undefined, `input "${input.name}" reads ${names.length} fields, it needs ${needed}`));
          return { kind: 'absent' };
        }
        return { kind: 'slots', keys: names, names };
      },
      (head) =>
        head.task.kind === 'regress'
          ? { kind: 'vector', key: head.task.label }
          : { kind: 'slots', keys: [head.task.label], names: [head.task.label] },
    );
    problems.throwIfAny();
  }

  // ---- reading one row ----

  private report(name: string, problem: string, fix?: string): void {
    this.rowProblems.push(new DataError(this.file, this.current!.line, { kind: this.where, name }, problem, fix));
  }

  /** Runs `read`, turning a `CellProblem` into a row problem at `name`; false when it failed. */
  private attempt(name: string, read: () => void): boolean {
    try {
      read();
      return true;
    } catch (error) {
      if (!(error instanceof CellProblem)) throw error;
      this.report(name, error.problem, error.fix);
      return false;
    }
  }

  private readInput(plan: InputPlan, get: (k: Key) => unknown): void {
    const { input, width, source } = plan;
    const at = plan.column.at(this.n);
    const out = plan.column.data;
    if (source.kind === 'absent') return;
    if (input.category !== undefined) {
      const name = source.kind === 'slots' ? source.names[0]! : source.key;
      const value = get(source.kind === 'slots' ? source.keys[0]! : source.key);
      if (isMissing(value)) {
        this.report(name, 'missing value');
        return;
      }
      this.attempt(name, () => {
        const id = categoryId(value, input.category!.count, plan.names);
        if (input.categoryAsIds === true) out[at] = id;
        else {
          out.fill(0, at, at + width);
          out[at + id] = 1;
        }
      });
      return;
    }
    const cells = this.cells;
    if (cells !== undefined && source.kind === 'slots' && input.dtype !== 'int') {
      // The hot loop of binding: plain numbers read without a string (csv.ts, parquet.ts); any
      // other cell, and values float32 cannot hold, through the general path and its checks.
      for (let i = 0; i < width; i++) {
        const key = source.keys[i] as number;
        const value = cells.number(key);
        if (value >= -FLOAT32_MAX && value <= FLOAT32_MAX) out[at + i] = value;
        else this.readNumber(out, at + i, cells.value(key), source.names[i]!, input);
      }
      return;
    }
    const [values, names] = this.gather(source, width, get, 'numbers');
    if (values === undefined) return;
    // The hot loop of binding: no closure per cell.
    for (let i = 0; i < width; i++) this.readNumber(out, at + i, values[i], names(i), input);
  }

  /** One number of an input into `out[i]`, or a problem at `name`. */
  private readNumber(out: Float32Array | Int32Array, i: number, value: unknown, name: string, input: InputNode): void {
    if (isMissing(value)) {
      this.report(name, 'missing value');
      return;
    }
    try {
      const vocab = input.vocab;
      out[i] =
        input.dtype !== 'int' ? parseNumber(value) : vocab !== undefined ? parseId(value, vocab, 'id') : parseInteger(value, 'an integer');
    } catch (error) {
      if (!(error instanceof CellProblem)) throw error;
      this.report(name, error.problem, error.fix);
    }
  }

  /**
   * The `width` raw values of a slots or vector source, and the name of each for messages; for a
   * vector field, a wrong shape is reported here and nothing is returned.
   */
  private gather(
    source: Source,
    width: number,
    get: (k: Key) => unknown,
    what: string,
  ): [readonly unknown[] | undefined, (i: number) => string] {
    if (source.kind === 'slots') return [source.keys.map(get), (i) => source.names[i]!];
    if (source.kind === 'absent') return [undefined, () => ''];
    const key = source.key;
    const value = get(key);
    const at = (i: number): string => `${key}[${i}]`;
    if (isMissing(value)) {
      this.report(key, 'missing value');
      return [undefined, at];
    }
    if (!Array.isArray(value)) {
      if (width === 1) return [[value], () => key];
      this.report(key, `expected an array of ${width} ${what}, got ${show(value)}`);
      return [undefined, at];
    }
    const flat = flatten(value);
    if (flat.length !== width) {
      this.report(key, `expected ${width} ${what}, got ${flat.length}`);
      return [undefined, at];
    }
    return [flat, at];
  }

  private readLabel(plan: LabelPlan, get: (k: Key) => unknown): void {
    const { head, width, source } = plan;
    const task = head.task;
    const at = plan.values.at(this.n);
    const out = plan.values.data;
    out.fill(0, at, at + width);
    const mask = plan.mask.data;
    const n = plan.mask.at(this.n);
    mask[n] = 0;
    if (source.kind === 'absent') return;
    const name = source.kind === 'slots' ? source.names[0]! : source.key;
    if (task.kind === 'regress') {
      const whole = source.kind === 'vector' ? get(source.key) : undefined;
      const raw = source.kind === 'slots' ? source.keys.map(get) : Array.isArray(whole) ? flatten(whole) : [whole];
      if (raw.length > 0 && raw.every(isMissing)) return; // unlabelled row
      const [values, names] = this.gather(source, width, get, 'numbers');
      if (values === undefined) return;
      let ok = true;
      for (let i = 0; i < width; i++) {
        if (isMissing(values[i])) {
          this.report(names(i), 'missing value (the rest of this label is present)');
          ok = false;
          continue;
        }
        ok =
          this.attempt(names(i), () => {
            out[at + i] = parseNumber(values[i]);
          }) && ok;
      }
      if (ok) mask[n] = 1;
      return;
    }
    if (task.kind === 'classify' && plan.classes === undefined && this.cells !== undefined && source.kind === 'slots') {
      // The hot path of class ids in CSV and Parquet: a plain number in range, as parseClass would read it.
      const id = plainClassId(this.cells.number(source.keys[0] as number), task.units);
      if (id >= 0) {
        out[at + id] = 1;
        mask[n] = 1;
        return;
      }
    }
    const value = get(source.kind === 'slots' ? source.keys[0]! : source.key);
    if (isMissing(value)) return;
    const ok = this.attempt(name, () => {
      switch (task.kind) {
        case 'classify':
          out[at + parseClass(value, task.units, plan.classes, head.name)] = 1;
          break;
        case 'binary':
          out[at] = parseBinary(value, plan.classes);
          break;
        case 'multilabel':
          for (const id of parseList(value)) out[at + parseClass(id, task.units, plan.classes, head.name)] = 1;
          break;
        case 'tag': {
          const ids = parseList(value);
          const steps = tagSteps(task);
          if (ids.length !== steps) throw new CellProblem(`expected ${steps} ids, got ${ids.length}`);
          ids.forEach((id, t) => {
            out[at + t * task.units + parseClass(id, task.units, plan.classes, head.name)] = 1;
          });
          break;
        }
      }
    });
    if (ok) mask[n] = 1;
  }

  // ---- result ----

  finish(): BoundData {
    this.problems.throwIfAny();
    if (this.inputs === undefined || this.labels === undefined) {
      throw new DataErrors([new DataError(this.file, undefined, undefined, 'no data rows')]);
    }
    if (this.n === 0) {
      if (this.skipped > 0) {
        const all = new DataError(this.file, undefined, undefined, `every row has a problem (${this.skipped} skipped)`);
        throw new DataErrors([all, ...this.skippedList.shown], this.skippedList.total + 1, [
          { first: all, count: 1, lines: [] },
          ...this.skippedList.grouped,
        ]);
      }
      throw new DataErrors([new DataError(this.file, undefined, undefined, 'no data rows')]);
    }
    if (this.requireLabels) {
      const unlabelled = this.labels.filter((p) => p.source.kind !== 'absent' && p.labelled === 0);
      if (unlabelled.length > 0) {
        throw new DataErrors(
          unlabelled.map(
            (p) =>
              new DataError(
                this.file,
                undefined,
                {
                  kind: this.where,
                  name: p.source.kind === 'slots' ? p.source.names[0]! : p.head.task.label,
                },
                `no row has this label (head "${p.head.name}")`,
              ),
          ),
        );
      }
    }
    const n = this.n;
    const inputs: Record<string, Float32Array | Int32Array> = {};
    const columns: Record<string, readonly string[]> = {};
    for (const plan of this.inputs) {
      inputs[plan.input.name] = plan.column.finish(n);
      if (plan.source.kind === 'slots') columns[plan.input.name] = plan.source.names;
      else if (plan.source.kind === 'vector') columns[plan.input.name] = [plan.source.key];
    }
    const labels: Record<string, LabelColumn> = {};
    for (const plan of this.labels) labels[plan.head.name] = { values: plan.values.finish(n), mask: plan.mask.finish(n) };
    return {
      dataset: { n, inputs, labels },
      file: this.file,
      format: this.format,
      skipped: this.skipped,
      skippedProblems: this.skippedList.grouped,
      skippedProblemCount: this.skippedList.total,
      columns,
    };
  }
}

function categoryId(value: unknown, count: number, names: ReadonlyMap<string, number> | undefined): number {
  if (names === undefined) return parseId(value, count, 'category id');
  const id = typeof value === 'string' ? names.get(value.trim()) : undefined;
  if (id === undefined) {
    const listed = [...names.keys()].map((n) => JSON.stringify(n)).join(', ');
    throw new CellProblem(`${show(value)} is not one of ${listed}`, 'add it to the category[...] list of the input, or fix the cell');
  }
  return id;
}
