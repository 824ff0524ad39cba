/** The HTML training report: the model's diagram, loss curves, metrics and task relatedness, as one self-contained page. */
export * from './html.js';
