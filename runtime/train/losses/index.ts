/** Per-task masked losses (LANGUAGE.md §6): rows without a label count for nothing. */
export { fusedKind, type LossTask, type MaskedLoss, maskedLoss, rowLoss } from './masked.js';
