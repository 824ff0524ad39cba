/** "Did you mean" suggestions: the closest known name by edit distance, if close enough. */
import type { Suggestion } from './diagnostics.js';
import type { Span } from './span.js';

export function editDistance(a: string, b: string): number {
  if (a === b) return 0;
  const m = a.length;
  const n = b.length;
  let prev = Array.from({ length: n + 1 }, (_, j) => j);
  for (let i = 1; i <= m; i++) {
    const row = [i];
    for (let j = 1; j <= n; j++) {
      const cost = a[i - 1] === b[j - 1] ? 0 : 1;
      row[j] = Math.min(prev[j]! + 1, row[j - 1]! + 1, prev[j - 1]! + cost);
    }
    prev = row;
  }
  return prev[n]!;
}

/** The candidate nearest to `name`, when it is within a third of the name's length (at least 1, at most 3 edits). */
export function closest(name: string, candidates: Iterable<string>): string | undefined {
  const limit = Math.max(1, Math.min(3, Math.floor(name.length / 3)));
  let best: string | undefined;
  let bestDistance = Infinity;
  const lower = name.toLowerCase();
  for (const candidate of candidates) {
    if (candidate === name) continue;
    const d = candidate.toLowerCase() === lower ? 0.5 : editDistance(lower, candidate.toLowerCase());
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
