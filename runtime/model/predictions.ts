/**
 * Predictions as `mtlc predict` writes them: one record per data row, one field per head, in the
 * words of the data. `classify` and `binary` heads give the class name when the head lists
 * `classes` (else the class id), `multilabel` the labels at or above 0.5, `tag` one class per step,
 * `regress` the number (an array for `regress(n > 1)`). With probabilities, each classifying head
 * adds `<head>_probabilities`. Numbers are printed in the fewest digits that read back as the same
 * float32, so written predictions equal the model's outputs exactly. No TensorFlow.js here.
 */
import Papa from 'papaparse';
import type { HeadNode } from '../../compiler/index.js';

export type PredictionValue =
  | string
  | number
  | readonly (string | number)[]
  | Readonly<Record<string, number>>
  | readonly (readonly number[])[];
export type PredictionRecord = Readonly<Record<string, PredictionValue>>;

/** The shortest decimal that reads back as the same float32 (`0.9`, not `0.8999999761581421`). */
export function float32Number(value: number): number {
  if (!Number.isFinite(value)) return value;
  for (let digits = 1; digits < 9; digits++) {
    const candidate = Number(value.toPrecision(digits));
    if (Math.fround(candidate) === value) return candidate;
  }
  return Number(value.toPrecision(9));
}

function className(head: HeadNode, id: number): string | number {
  return head.task.classes?.[id] ?? id;
}

function argmax(values: Float32Array, from: number, count: number): number {
  let best = 0;
  for (let k = 1; k < count; k++) if (values[from + k]! > values[from + best]!) best = k;
  return best;
}

function probabilityMap(head: HeadNode, values: ArrayLike<number>): Record<string, number> {
  const out: Record<string, number> = {};
  for (let k = 0; k < values.length; k++) out[String(className(head, k))] = float32Number(values[k]!);
  return out;
}

/**
 * One record per row of `n`, from each head's row-major outputs (`predict` in
 * runtime/train/evaluate.ts), in the order of `heads`.
 */
export function predictionRecords(
  heads: readonly HeadNode[],
  outputs: Readonly<Record<string, Float32Array>>,
  n: number,
  options: { readonly probabilities?: boolean } = {},
): PredictionRecord[] {
  const layouts = heads.map((head) => ({ head, out: outputs[head.name]!, width: head.task.outShape.reduce((a, b) => a * b, 1) }));
  const records: PredictionRecord[] = [];
  for (let i = 0; i < n; i++) {
    const record: Record<string, PredictionValue> = {};
    for (const { head, out, width } of layouts) {
      const task = head.task;
      const units = task.units;
      const row = out.subarray(i * width, (i + 1) * width);
      switch (task.kind) {
        case 'classify':
          record[head.name] = className(head, argmax(out, i * width, units));
          if (options.probabilities) record[`${head.name}_probabilities`] = probabilityMap(head, row);
          break;
        case 'binary':
          record[head.name] = className(head, row[0]! >= 0.5 ? 1 : 0);
          if (options.probabilities) record[`${head.name}_probabilities`] = probabilityMap(head, [1 - row[0]!, row[0]!].map(Math.fround));
          break;
        case 'multilabel': {
          const on: (string | number)[] = [];
          for (let k = 0; k < units; k++) if (row[k]! >= 0.5) on.push(className(head, k));
          record[head.name] = on;
          if (options.probabilities) record[`${head.name}_probabilities`] = probabilityMap(head, row);
          break;
        }
        case 'regress':
          record[head.name] = units === 1 ? float32Number(row[0]!) : Array.from(row, float32Number);
          break;
        case 'tag': {
          const steps = width / units;
          const tags: (string | number)[] = [];
          const probabilities: number[][] = [];
          for (let t = 0; t < steps; t++) {
            tags.push(className(head, argmax(row, t * units, units)));
            if (options.probabilities) probabilities.push(Array.from(row.subarray(t * units, (t + 1) * units), float32Number));
          }
          record[head.name] = tags;
          if (options.probabilities) record[`${head.name}_probabilities`] = probabilities;
          break;
        }
      }
    }
    records.push(record);
  }
  return records;
}

/** JSON Lines: one object per line. */
export function predictionsJsonl(records: readonly PredictionRecord[]): string {
  return records.map((r) => `${JSON.stringify(r)}\n`).join('');
}

/**
 * CSV with a header. Lists are one cell, `;`-separated (as labels are read); `regress(n > 1)` is
 * `<head>_0 …`; probabilities are `<head>_probabilities.<class>` columns; a tag's probabilities are
 * one cell of JSON.
 */
export function predictionsCsv(heads: readonly HeadNode[], records: readonly PredictionRecord[]): string {
  const kinds = new Map(heads.map((h) => [h.name, h.task.kind]));
  const rows = records.map((record) => {
    const flat: Record<string, string | number> = {};
    for (const [key, value] of Object.entries(record)) {
      if (Array.isArray(value) && kinds.get(key) === 'regress')
        value.forEach((v, k) => {
          flat[`${key}_${k}`] = v as number;
        });
      else if (Array.isArray(value) && Array.isArray(value[0])) flat[key] = JSON.stringify(value);
      else if (Array.isArray(value)) flat[key] = value.join(';');
      else if (typeof value === 'object') for (const [k, p] of Object.entries(value as Record<string, number>)) flat[`${key}.${k}`] = p;
      else flat[key] = value as string | number;
    }
    return flat;
  });
  const columns = rows.length > 0 ? Object.keys(rows[0]!) : heads.map((h) => h.name);
  return `${Papa.unparse({ fields: columns, data: rows.map((r) => columns.map((c) => r[c] ?? '')) }, { newline: '\n' })}\n`;
}
