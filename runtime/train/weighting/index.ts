/** The weighting strategies (LANGUAGE.md §4 `weighting`): the interface, `fixed`, and every adaptive method, one per file. */
import type { CheckedModel } from '../../../compiler/index.js';
import { DwaWeighting } from './dwa.js';
import { fixedLambdas, FixedWeighting } from './fixed.js';
import { GradNormWeighting } from './gradnorm.js';
import { MgdaWeighting } from './mgda.js';
import { PcGradWeighting } from './pcgrad.js';
import type { WeightingStrategy } from './strategy.js';
import { UncertaintyWeighting } from './uncertainty.js';

export { fixedLambdas, FixedWeighting } from './fixed.js';
export { taskGradients } from './gradients.js';
export type { StepContext, WeightingStrategy } from './strategy.js';
export { weightedSum } from './strategy.js';

/** The strategy a model's `weighting` names; the defaults of its arguments are the compiler's (LANGUAGE.md §4). */
export function createStrategy(model: CheckedModel): WeightingStrategy {
  const spec = model.weighting;
  const heads = model.heads.map((h) => h.name);
  const base = fixedLambdas(model);
  switch (spec.method) {
    case 'fixed':
      return new FixedWeighting(base);
    case 'uncertainty':
      return new UncertaintyWeighting(heads, base);
    case 'gradnorm':
      return new GradNormWeighting(heads, base, { alpha: spec.alpha ?? 1.5 });
    case 'dwa':
      return new DwaWeighting(heads, base, { temperature: spec.temperature ?? 2 });
    case 'pcgrad':
      return new PcGradWeighting(heads, base, { seed: model.train.seed });
    case 'mgda':
      return new MgdaWeighting(heads, base);
  }
}
