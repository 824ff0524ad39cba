/** "Did you mean" suggestions: the closest known name by edit distance, if close enough. */
import type { Suggestion } from './diagnostics.js';
import type { Span } from './span.js';

/**
 * Edit distance counting insertions, deletions, substitutions and swaps of neighbours (optimal
 * string alignment). With `max`, only the band of cells within `max` of the diagonal is computed
 * (Ukkonen's cut-off), in O((max + 1) · length) time and memory, and any distance over `max` comes
 * back as `max + 1`: a did-you-mean never needs more, and a name of 100,000 characters costs no
 * more than reading it.
 */
export function editDistance(a: string, b: string, max: number = Math.max(a.length, b.length)): number {
  if (a === b) return 0;
  if (Math.abs(a.length - b.length) > max) return max + 1;
  const over = max + 1;
  const width = b.length + 1;
  // Three rows suffice: the swap looks two rows back.
  let before = new Array<number>(width).fill(over);
  let previous = Array.from({ length: width }, (_, j) => (j <= max ? j : over));
  let current = new Array<number>(width).fill(over);
  for (let i = 1; i <= a.length; i++) {
    const from = Math.max(1, i - max);
    const to = Math.min(b.length, i + max);
    // Cells outside the band keep whatever an earlier row left there: reset the two the band reads.
    current[0] = i <= max ? i : over;
    if (from > 1) current[from - 1] = over;
    if (to < b.length) current[to + 1] = over;
    let rowBest = current[0]!;
    for (let j = from; j <= to; j++) {
      const cost = a[i - 1] === b[j - 1] ? 0 : 1;
      let d = Math.min(previous[j]! + 1, current[j - 1]! + 1, previous[j - 1]! + cost);
      if (i > 1 && j > 1 && a[i - 1] === b[j - 2] && a[i - 2] === b[j - 1]) d = Math.min(d, before[j - 2]! + 1);
      current[j] = Math.min(d, over);
      if (d < rowBest) rowBest = d;
    }
    if (rowBest > max) return over;
    [before, previous, current] = [previous, current, before];
  }
  return Math.min(previous[b.length]!, over);
}

/** The candidate nearest to `name`, when it is within a third of the name's length (at least 1, at most 3 edits). */
export function closest(name: string, candidates: Iterable<string>): string | undefined {
  const limit = Math.max(1, Math.min(3, Math.floor(name.length / 3)));
  let best: string | undefined;
  let bestDistance = Infinity;
  const lower = name.toLowerCase();
  for (const candidate of candidates) {
    if (candidate === name) continue;
    const other = candidate.toLowerCase();
    const d = other === lower ? 0.5 : editDistance(lower, other, limit);
    if (d < bestDistance) {
      best = candidate;
      bestDistance = d;
    }
  }
  return bestDistance <= limit ? best : undefined;
}

/** The hint and the machine-applicable fix for a misspelt name, when a candidate is close enough. */
export function didYouMean(span: Span, name: string, candidates: Iterable<string>): { hint?: string; suggestion?: Suggestion } {
  const match = closest(name, candidates);
  if (match === undefined) return {};
  return { hint: `did you mean "${match}"?`, suggestion: { span, newText: match } };
}
