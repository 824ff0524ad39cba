/**
 * Problems found in a data file. Each names the file, the line and the column (CSV) or field
 * (JSONL), so the user can go straight to it: `penguins.csv:14: column "body_mass_kg": "abc" is not
 * a number`. Binding collects every problem and throws them together as one `DataErrors`.
 *
 * Line numbers are file line numbers, 1-based, for both formats: in a CSV file the header is line
 * 1 and the first data row is line 2; in a JSONL file the first record is line 1. Blank lines are
 * counted but hold no row.
 */

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
  ) {
    super(formatDataError(file, line, where, problem));
    this.name = 'DataError';
  }
}

export function formatDataError(file: string, line: number | undefined, where: DataLocation | undefined, problem: string): string {
  const at = line === undefined ? file : `${file}:${line}`;
  return where === undefined ? `${at}: ${problem}` : `${at}: ${where.kind} "${where.name}": ${problem}`;
}

/** How many problems a `DataErrors` message lists before it says "and N more". */
export const DEFAULT_PROBLEMS_SHOWN = 20;

/** Every problem found in one pass over the data; the message lists the first few. */
export class DataErrors extends Error {
  constructor(
    /** The first problems found, at most the number shown. */
    readonly problems: readonly DataError[],
    /** How many problems there were in all. */
    readonly total: number = problems.length,
  ) {
    super(formatDataErrors(problems, total));
    this.name = 'DataErrors';
  }
}

function formatDataErrors(problems: readonly DataError[], total: number): string {
  const lines = [total === 1 ? '1 problem in the data:' : `${total} problems in the data:`];
  for (const p of problems) lines.push(`  ${p.message}`);
  if (total > problems.length) lines.push(`  and ${total - problems.length} more`);
  return lines.join('\n');
}

/** Keeps the first `shown` problems and counts the rest. */
export class ProblemList {
  readonly shown: DataError[] = [];
  total = 0;

  constructor(private readonly limit: number = DEFAULT_PROBLEMS_SHOWN) {}

  add(problem: DataError): void {
    this.total++;
    if (this.shown.length < this.limit) this.shown.push(problem);
  }

  get empty(): boolean {
    return this.total === 0;
  }

  /** Throws everything collected so far as one `DataErrors`, if there is anything. */
  throwIfAny(): void {
    if (this.total > 0) throw new DataErrors(this.shown, this.total);
  }
}
