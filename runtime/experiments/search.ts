/**
 * The search space of `weights { t: search(0.1, 0.5, 1.0) }` and the tuned file: every head whose
 * weight is a `search(…)` contributes its candidates; a setting picks one candidate per such head.
 * The grid is every combination, in the order the candidates are written (the last head varies
 * fastest); random search draws distinct settings from that grid. The tuned file is the source
 * text with each `search(…)` replaced by the chosen candidate, as written, edited by span so that
 * comments and layout stay as they were. No TensorFlow.js here.
 */
import type { Expr, ModelDecl, WeightsDecl, CheckedModel } from '../../compiler/index.js';
import { mulberry32, shuffleInPlace } from '../data/index.js';

/** One λ per searched head. */
export type Setting = Readonly<Record<string, number>>;

export interface SearchSpace {
  /** The heads with a `search(…)` weight, in head order. */
  readonly heads: readonly string[];
  /** Their candidates, as written. */
  readonly candidates: readonly (readonly number[])[];
}

export function searchSpace(model: CheckedModel): SearchSpace {
  const heads: string[] = [];
  const candidates: number[][] = [];
  for (const head of model.heads) {
    const spec = model.weights[head.name];
    if (spec?.kind !== 'search') continue;
    heads.push(head.name);
    candidates.push([...spec.values]);
  }
  return { heads, candidates };
}

export function gridSize(space: SearchSpace): number {
  return space.candidates.reduce((n, c) => n * c.length, 1);
}

/** The setting at position `index` of the grid (mixed-radix, last head fastest). */
function settingAt(space: SearchSpace, index: number): Setting {
  const setting: Record<string, number> = {};
  let rest = index;
  for (let h = space.heads.length - 1; h >= 0; h--) {
    const values = space.candidates[h]!;
    setting[space.heads[h]!] = values[rest % values.length]!;
    rest = Math.floor(rest / values.length);
  }
  return Object.fromEntries(space.heads.map((h) => [h, setting[h]!]));
}

/** Every combination of candidates. */
export function gridSettings(space: SearchSpace): Setting[] {
  return Array.from({ length: gridSize(space) }, (_, i) => settingAt(space, i));
}

/** `trials` distinct settings of the grid drawn at random (seeded), in grid order; the whole grid when it is no larger. */
export function randomSettings(space: SearchSpace, trials: number, seed: number): Setting[] {
  const size = gridSize(space);
  if (trials >= size) return gridSettings(space);
  const order = Int32Array.from({ length: size }, (_, i) => i);
  shuffleInPlace(order, mulberry32(seed));
  return [...order.slice(0, trials)].sort((a, b) => a - b).map((i) => settingAt(space, i));
}

/** The model with the setting's λ in place of its `search(…)` weights. */
export function withSetting(model: CheckedModel, setting: Setting): CheckedModel {
  const weights = { ...model.weights };
  for (const [head, value] of Object.entries(setting)) weights[head] = { kind: 'fixed', value };
  return { ...model, weights };
}

/** The number as the user wrote it among the candidates, else as JavaScript prints it. */
function writtenAs(args: readonly { readonly value: Expr | undefined }[], index: number, value: number): string {
  const arg = args[index]?.value;
  return arg?.kind === 'Number' ? arg.raw : String(value);
}

/**
 * `text` with every `search(…)` weight of `model` (its syntax tree) replaced by the setting's value;
 * `space` holds the candidates as the checker evaluated them, to find which argument was chosen.
 */
export function tunedSource(text: string, model: ModelDecl, space: SearchSpace, setting: Setting): string {
  const edits: { start: number; end: number; text: string }[] = [];
  const weights = model.members.filter((m): m is WeightsDecl => m.kind === 'Weights');
  for (const decl of weights) {
    for (const entry of decl.entries) {
      const h = space.heads.indexOf(entry.name.text);
      const value = entry.value;
      if (h < 0 || value?.kind !== 'Pipeline' || value.steps.length !== 1) continue;
      const call = value.steps[0]!;
      if (call.callee.text !== 'search' || call.args === undefined) continue;
      const chosen = setting[entry.name.text]!;
      const index = space.candidates[h]!.indexOf(chosen);
      edits.push({ start: value.span.start, end: value.span.end, text: writtenAs(call.args, index, chosen) });
    }
  }
  let out = text;
  for (const edit of edits.sort((a, b) => b.start - a.start)) out = out.slice(0, edit.start) + edit.text + out.slice(edit.end);
  return out;
}
