/**
 * Names that Keras, PyTorch and scikit-learn users write for mtl's options and arguments
 * (`learning_rate` for `lr`, `batch_size` for `batch`), too far from them in spelling for an
 * edit-distance suggestion: a did-you-mean looks here first.
 */
import type { Span } from './span.js';
import { didYouMean } from './suggest.js';

const SYNONYMS: ReadonlyMap<string, string> = new Map([
  ['learning_rate', 'lr'],
  ['learningrate', 'lr'],
  ['batchsize', 'batch'],
  ['batch_size', 'batch'],
  ['num_epochs', 'epochs'],
  ['n_epochs', 'epochs'],
  ['max_epochs', 'epochs'],
  ['patience', 'early_stop'],
  ['early_stopping', 'early_stop'],
  ['validation_split', 'validation'],
  ['val_split', 'validation'],
  ['random_seed', 'seed'],
  ['random_state', 'seed'],
  ['monitor', 'select'],
  ['weight_decay', 'decay'],
  ['num_experts', 'experts'],
  ['n_experts', 'experts'],
  ['num_levels', 'levels'],
  ['target', 'label'],
  ['train_file', 'train'],
]);

/** The hint and fix for an unknown name: a known synonym among the candidates, else the closest spelling. */
export function suggestName(span: Span, name: string, candidates: readonly string[]): ReturnType<typeof didYouMean> {
  const synonym = SYNONYMS.get(name.toLowerCase());
  if (synonym !== undefined && candidates.includes(synonym))
    return { hint: `did you mean "${synonym}"?`, suggestion: { span, newText: synonym } };
  return didYouMean(span, name, candidates);
}
