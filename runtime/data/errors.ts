/**
 * Problems found in a data file. Each names the file, the line and the column (CSV) or field
 * (JSONL), so the user can go straight to it: `penguins.csv:14: column "body_mass_kg": "abc" is not
 * a number`. Binding collects every problem and throws them together as one `DataErrors`.
 *
 * Line numbers are file line numbers, 1-based, for both formats: in a CSV file the header is line
 * 1 and the first data row is line 2; in a JSONL file the first record is line 1. Blank lines are
 * counted but hold no row.
 *
 * Problems are grouped by kind — the same words in the same column — so that a problem repeated in
 * every row is one line with its count and first lines, and distinct problems are not hidden behind it.
 */

import { closest } from '../../compiler/index.js';

/** A column of a CSV file or a field of a JSONL record. */
export interface DataLocation {
  readonly kind: 'column' | 'field';
  readonly name: string;
}

export class DataError extends Error {
  constructor(
    readonly file: string,
    /** The file line; undefined for problems of the whole file (it is empty, no rows were usable). */
    readonly line: number | undefined,
    readonly where: DataLocation | undefined,
    /** The problem alone, without file, line or column: `"abc" is not a number`. */
    readonly problem: string,
    /** What to do about it, when there is more to say than "fix the cell". */
    readonly fix?: string,
  ) {
    super(formatDataError(file, line, where, problem, fix));
    this.name = 'DataError';
  }
}

export function formatDataError(
  file: string,
  line: number | undefined,
  where: DataLocation | undefined,
  problem: string,
  fix?: string,
): string {
  const at = line === undefined ? file : `${file}:${line}`;
  const what = fix === undefined ? problem : `${problem}: ${fix}`;
  return where === undefined ? `${at}: ${what}` : `${at}: ${where.kind} "${where.name}": ${what}`;
}

/** How many kinds of problem a `DataErrors` message lists before it says "and N more". */
export const DEFAULT_PROBLEMS_SHOWN = 20;

/** How many lines of a repeated problem are named: `in 267 rows (lines 2, 3, 4, …)`. */
const LINES_SHOWN = 3;

/** One problem (the same words in the same column) and every row it occurred in. */
export interface ProblemGroup {
  /** Where it occurred first. */
  readonly first: DataError;
  /** How often it occurred. */
  readonly count: number;
  /** The first lines it occurred on. */
  readonly lines: readonly number[];
}

/** Every problem found in one pass over the data; the message gives one line to each kind of problem. */
export class DataErrors extends Error {
  constructor(
    /** The first occurrence of each kind of problem listed, at most the number shown. */
    readonly problems: readonly DataError[],
    /** How many problems there were in all, repeats counted. */
    readonly total: number = problems.length,
    /** The problems listed, with how often each occurred; by default each once. */
    readonly groups: readonly ProblemGroup[] = problems.map((first) => ({
      first,
      count: 1,
      lines: first.line === undefined ? [] : [first.line],
    })),
  ) {
    super(formatDataErrors(groups, total));
    this.name = 'DataErrors';
  }
}

function formatDataErrors(groups: readonly ProblemGroup[], total: number): string {
  const lines = [total === 1 ? '1 problem in the data:' : `${total} problems in the data:`];
  for (const group of groups) lines.push(`  ${describeGroup(group)}`);
  const listed = groups.reduce((sum, g) => sum + g.count, 0);
  if (total > listed) lines.push(`  and ${total - listed} more`);
  return lines.join('\n');
}

/** `bad.csv: column "y": class id 8 is out of range 0…4 in 267 rows (lines 2, 3, 4, …)`, or the one problem as it is. */
export function describeGroup({ first, count, lines }: ProblemGroup): string {
  if (count === 1) return first.message;
  const shown = lines.join(', ');
  const problem = `${first.problem} in ${count} rows (lines ${count > lines.length ? `${shown}, …` : shown})`;
  return formatDataError(first.file, undefined, first.where, problem, first.fix);
}

/** Groups problems by kind (the same words in the same column), keeping the first `limit` kinds and counting the rest. */
export class ProblemList {
  private readonly groups = new Map<string, { first: DataError; count: number; lines: number[] }>();
  total = 0;

  constructor(private readonly limit: number = DEFAULT_PROBLEMS_SHOWN) {}

  add(problem: DataError): void {
    this.total++;
    const key = `${problem.where?.kind}\u0000${problem.where?.name}\u0000${problem.problem}`;
    const group = this.groups.get(key);
    if (group !== undefined) {
      group.count++;
      if (problem.line !== undefined && group.lines.length < LINES_SHOWN) group.lines.push(problem.line);
    } else if (this.groups.size < this.limit) {
      this.groups.set(key, { first: problem, count: 1, lines: problem.line === undefined ? [] : [problem.line] });
    }
  }

  /** The first occurrence of each kind of problem kept. */
  get shown(): DataError[] {
    return this.grouped.map((g) => g.first);
  }

  get grouped(): ProblemGroup[] {
    return [...this.groups.values()];
  }

  get empty(): boolean {
    return this.total === 0;
  }

  /** Throws everything collected so far as one `DataErrors`, if there is anything. */
  throwIfAny(): void {
    if (this.total > 0) throw new DataErrors(this.shown, this.total, this.grouped);
  }
}

/**
 * `; did you mean "displacement"?` for a column the header lacks, when one of `candidates` is spelt
 * nearly so; not for names under four characters, which resemble too many others (`c` and `b`).
 */
export function didYouMeanColumn(name: string, candidates: readonly string[]): string {
  const match = name.length < 4 ? undefined : closest(name, candidates);
  return match === undefined ? '' : `; did you mean "${match}"?`;
}
