/**
 * The PyTorch back end: a checked model as a self-contained Python package (torch + numpy only),
 * `model.py` following the same layer plan as the TensorFlow.js lowering, `mtl_layers.py`, the
 * layers, masked losses and weight layouts it uses, `mtl_weighting.py`, the task weighting,
 * `mtl_metrics.py`, validation metrics and the best epoch, and `train.py`, its distributed trainer. Pure: file names and their text; the CLI writes them.
 */
import type { CheckedModel } from '../ir.js';
import { emitModelPy, type SourceText } from './emit-model.js';
import { MTL_LAYERS_PY } from './python-layers.js';
import { METRICS_PY } from './python-metrics.js';
import { TRAIN_PY } from './python-train.js';
import { WEIGHTING_PY } from './python-weighting.js';

export type { SourceText } from './emit-model.js';

/** One emitted file: its name inside the package and its text. */
export interface EmittedFile {
  readonly name: string;
  readonly text: string;
}

export function emitPyTorch(model: CheckedModel, source: SourceText): readonly EmittedFile[] {
  return [
    { name: 'model.py', text: emitModelPy(model, source) },
    { name: 'mtl_layers.py', text: MTL_LAYERS_PY },
    { name: 'mtl_metrics.py', text: METRICS_PY },
    { name: 'mtl_weighting.py', text: WEIGHTING_PY },
    { name: 'train.py', text: TRAIN_PY },
  ];
}
