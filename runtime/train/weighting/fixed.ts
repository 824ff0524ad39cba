/** `weighting fixed` (the default): λ as written in `weights {}`, never changed. */
import type { CheckedModel } from '../../../compiler/index.js';
import type { WeightingStrategy } from './strategy.js';

/** λ as written in `weights {}`; a `search(…)` space trains with its first value until tuned. */
export function fixedLambdas(model: CheckedModel): Record<string, number> {
  const out: Record<string, number> = {};
  for (const head of model.heads) {
    const spec = model.weights[head.name];
    out[head.name] = spec === undefined ? 1 : spec.kind === 'fixed' ? spec.value : (spec.values[0] ?? 1);
  }
  return out;
}

/** `weighting fixed`: λ never changes. */
export class FixedWeighting implements WeightingStrategy {
  readonly method = 'fixed' as const;
  private readonly values: Record<string, number>;

  constructor(lambdas: Readonly<Record<string, number>>) {
    this.values = { ...lambdas };
  }

  lambdas(): Record<string, number> {
    return { ...this.values };
  }
}
