/**
 * Experiments around training: cross-validated tuning of `search(…)` task weights, task
 * relatedness (label agreement and gradient cosine), and the MMoE paper's synthetic benchmark data.
 */
export * from './folds.js';
export * from './gradients.js';
export * from './labels.js';
export * from './search.js';
export * from './synthetic.js';
export * from './tune.js';
