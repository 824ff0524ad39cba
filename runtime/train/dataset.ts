/**
 * The data the training loop reads: the columnar `Dataset` of runtime/data (one typed array per
 * input and per head, with a label mask), and its batching.
 */
export type { Dataset, LabelColumn } from '../data/dataset.js';
export { Batches, type Batch } from '../data/split.js';
