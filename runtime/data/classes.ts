/**
 * Class labels from the training data, as Ludwig builds its vocabularies: a `classify`, `binary`,
 * `multilabel` or `tag` head without `classes` whose labels are not already ids (`0 … n-1`; for
 * `binary`, 0/1 or true/false) takes as its classes the distinct labels of the training file, in
 * ascending numeric order when every one is a number, else in code-point order. Their count must
 * be the head's: `classify(5)` for the cylinders 3, 4, 5, 6 and 8. The classes then go into the
 * checked model, so that they are saved with it (mtl.json, checked.json) and read back by predict.
 */
import type { CheckedModel, HeadNode } from '../../compiler/index.js';
import { DataError, DataErrors } from './errors.js';
import { isPack, withPackClasses } from './pack.js';
import { type DataFormat, type DataSource, dataFormat, readRows, sourceName } from './read.js';
import { isMissing, parseList, showNames } from './values.js';

/** The heads that can take their classes from the data: discrete labels, no `classes` declared. */
function learnsClasses(head: HeadNode): boolean {
  return head.task.kind !== 'regress' && head.task.classes === undefined;
}

/** How many classes a head has: `units`, or two for `binary`. */
function classCount(head: HeadNode): number {
  return head.task.kind === 'binary' ? 2 : head.task.units;
}

/**
 * `model` with the classes of its heads that take them from `source` (of the `declared` format,
 * else the one its name says); the model itself when none does. A pack holds the classes it was
 * bound with.
 */
export async function withDataClasses(model: CheckedModel, source: DataSource, declared?: DataFormat): Promise<CheckedModel> {
  const heads = model.heads.filter(learnsClasses);
  if (heads.length === 0) return model;
  if (typeof source === 'string' && isPack(source)) return withPackClasses(model, source);
  const format = dataFormat(source, declared);
  const seen = new Map(heads.map((h) => [h.name, new Set<string>()]));
  let column: Map<string, number> | undefined;
  const collect = (head: HeadNode, value: unknown): void => {
    if (isMissing(value)) return;
    const values = head.task.kind === 'multilabel' || head.task.kind === 'tag' ? safeList(value) : [value];
    for (const v of values) if (!isMissing(v)) seen.get(head.name)!.add(String(v).trim());
  };
  await readRows(source, format, {
    header: (names) => {
      column = new Map(names.map((name, i) => [name, i]));
    },
    row: (row) => {
      for (const head of heads) {
        const at = column?.get(head.task.label);
        const value = row.format === 'jsonl' ? row.record[head.task.label] : at === undefined ? undefined : row.cells.value(at);
        collect(head, value);
      }
    },
    // The binder reports malformed lines; here they hold no label.
    malformed: () => {},
  });
  const problems: DataError[] = [];
  const learned = new Map<string, string[]>();
  for (const head of heads) {
    const values = [...seen.get(head.name)!];
    if (values.length === 0 || areIds(head, values)) continue;
    const classes = sortClasses(values);
    if (classes.length === classCount(head)) learned.set(head.name, classes);
    else problems.push(countMismatch(sourceName(source), head, classes));
  }
  if (problems.length > 0) throw new DataErrors(problems);
  if (learned.size === 0) return model;
  return {
    ...model,
    heads: model.heads.map((h) => (learned.has(h.name) ? { ...h, task: { ...h.task, classes: learned.get(h.name)! } } : h)),
  };
}

function safeList(value: unknown): readonly unknown[] {
  try {
    return parseList(value);
  } catch {
    return [];
  }
}

/** Labels that are already what the head reads without classes: ids in `[0, n)`, or 0/1/true/false. */
function areIds(head: HeadNode, values: readonly string[]): boolean {
  if (head.task.kind === 'binary') return values.every((v) => ['0', '1', 'true', 'false'].includes(v.toLowerCase()));
  return values.every((v) => /^\d+$/.test(v) && Number(v) < head.task.units);
}

/** Ascending numbers when every label is one (`"3" < "10"`), else code-point order. */
export function sortClasses(values: readonly string[]): string[] {
  const numeric = values.every((v) => v !== '' && Number.isFinite(Number(v)));
  return [...values].sort(numeric ? (a, b) => Number(a) - Number(b) : (a, b) => (a < b ? -1 : a > b ? 1 : 0));
}

function countMismatch(file: string, head: HeadNode, classes: readonly string[]): DataError {
  const task = head.task;
  const declared = task.kind === 'binary' ? 'binary()' : `${task.kind}(${task.units})`;
  const fix =
    task.kind === 'binary'
      ? 'use classify(n) for more than two classes'
      : `write ${task.kind}(${classes.length}), or list the classes it has: classes: [...]`;
  return new DataError(
    file,
    undefined,
    { kind: 'column', name: task.label },
    `head "${head.name}" is ${declared}, but the training data has ${classes.length} labels: ${showNames(classes)}: ${fix}`,
  );
}
