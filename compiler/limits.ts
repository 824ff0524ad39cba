/**
 * The compiler's limits, so that no file, however small, makes checking, building or training do
 * unbounded work (docs/security.md lists them). A model within them is checked in time linear in
 * its text and builds in memory its parameter count foretells.
 */

/** Layers in one model once blocks are inlined and every expert of every gate is counted. */
export const MAX_LAYERS = 10_000;

/** Experts of one kind in a gate (`mmoe(experts)`, `cgc`/`ple` `shared` and `specific`). */
export const MAX_EXPERTS = 256;

/** Stacked levels of a `ple` gate. */
export const MAX_LEVELS = 16;

/** Values in one row of any tensor (2^24, the integers float32 holds exactly): 64 MB per row. */
export const MAX_ROW_VALUES = 2 ** 24;

/**
 * Parameters of one model: its float32 weights fill at most 2 GiB, the largest file Node.js reads
 * in one piece (weights.bin) and half the 4 GiB address space of the WebAssembly backend.
 */
export const MAX_PARAMETERS = 2 ** 29;

/** Over this many parameters (200 MB of weights) a model is reported with what it needs. */
export const LARGE_PARAMETERS = 50_000_000;

/** Bytes to train one parameter: the weight, its gradient and Adam's two slots, float32 each. */
export const TRAINING_BYTES_PER_PARAMETER = 16;

/** `1.2 GB`, `340 MB`: a size as a user reads it. */
export function formatBytes(bytes: number): string {
  if (bytes >= 1e9) return `${(bytes / 1e9).toFixed(1)} GB`;
  if (bytes >= 1e6) return `${Math.round(bytes / 1e6)} MB`;
  return `${Math.round(bytes / 1e3)} kB`;
}

/** `1,234,567`. */
export function formatCount(n: number): string {
  return Number.isFinite(n) ? n.toLocaleString('en-US') : 'more than 10^308';
}
