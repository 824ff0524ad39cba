/** Gates, loss-weighting methods, optimizers and losses: the calls that are not layers. */
import type { GateKind } from '../ir.js';
import { MAX_EXPERTS, MAX_LEVELS } from '../limits.js';
import type { ArgType, Signature } from './signature.js';

/** A count of experts, bounded so that a gate's copies stay buildable (limits.ts). */
const expertCount: ArgType = { kind: 'int', min: 1, max: MAX_EXPERTS };

const expertParam = { name: 'expert', type: { kind: 'layers' }, doc: 'the layers of one expert' } as const;
const sourceParam = { name: 'source', type: { kind: 'source' }, doc: 'what the experts read' } as const;

export const GATES: ReadonlyMap<GateKind, Signature> = new Map<GateKind, Signature>([
  [
    'mmoe',
    {
      name: 'mmoe',
      doc: 'Multi-gate mixture of experts: shared experts, one softmax gate per reading head.',
      paper: 'Ma et al., 2018. Modeling Task Relationships in Multi-task Learning with Multi-gate Mixture-of-Experts. KDD.',
      params: [sourceParam, { name: 'experts', type: expertCount, default: 4, doc: 'number of shared experts' }, expertParam],
    },
  ],
  [
    'cgc',
    {
      name: 'cgc',
      doc: 'Customized gate control: shared experts plus experts specific to each reading head.',
      paper:
        'Tang et al., 2020. Progressive Layered Extraction (PLE): A Novel Multi-Task Learning Model for Personalized Recommendations. RecSys.',
      params: [
        sourceParam,
        { name: 'shared', type: expertCount, default: 2, doc: 'number of shared experts' },
        { name: 'specific', type: expertCount, default: 1, doc: 'experts per reading head' },
        expertParam,
      ],
    },
  ],
  [
    'ple',
    {
      name: 'ple',
      doc: 'Progressive layered extraction: stacked CGC levels, inner levels with a shared gate.',
      paper:
        'Tang et al., 2020. Progressive Layered Extraction (PLE): A Novel Multi-Task Learning Model for Personalized Recommendations. RecSys.',
      params: [
        sourceParam,
        { name: 'levels', type: { kind: 'int', min: 1, max: MAX_LEVELS }, default: 2, doc: 'number of stacked CGC levels' },
        { name: 'shared', type: expertCount, default: 2, doc: 'shared experts per level' },
        { name: 'specific', type: expertCount, default: 1, doc: 'experts per reading head per level' },
        expertParam,
      ],
    },
  ],
]);

const positiveFloat = { kind: 'float', min: 0, exclusiveMin: true } as const;

export const WEIGHTINGS: ReadonlyMap<string, Signature> = new Map<string, Signature>([
  ['fixed', { name: 'fixed', params: [], doc: 'λ stays as written in weights {} (the default).' }],
  [
    'uncertainty',
    {
      name: 'uncertainty',
      params: [],
      doc: 'Learns a log-variance s_i per task: L = Σ L_i / (2·exp(s_i)) + s_i / 2.',
      paper: 'Kendall, Gal & Cipolla, 2018. Multi-Task Learning Using Uncertainty to Weigh Losses for Scene Geometry and Semantics. CVPR.',
    },
  ],
  [
    'gradnorm',
    {
      name: 'gradnorm',
      params: [{ name: 'alpha', type: positiveFloat, default: 1.5, doc: 'strength of the pull toward equal training rates' }],
      doc: 'Learns λ so that task gradient norms on the shared layers follow relative inverse training rates.',
      paper: 'Chen et al., 2018. GradNorm: Gradient Normalization for Adaptive Loss Balancing in Deep Multitask Networks. ICML.',
    },
  ],
  [
    'dwa',
    {
      name: 'dwa',
      params: [{ name: 'temperature', type: positiveFloat, default: 2.0, doc: 'softness of the weights' }],
      doc: 'Dynamic weight average: λ from the ratio of each task’s last two epoch losses.',
      paper: 'Liu, Johns & Davison, 2019. End-to-End Multi-Task Learning with Attention. CVPR.',
    },
  ],
  [
    'pcgrad',
    {
      name: 'pcgrad',
      params: [],
      doc: 'Projects away the conflicting component of task gradients.',
      paper: 'Yu et al., 2020. Gradient Surgery for Multi-Task Learning. NeurIPS.',
    },
  ],
  [
    'mgda',
    {
      name: 'mgda',
      params: [],
      doc: 'Min-norm point of the task gradients (Frank–Wolfe): a common descent direction.',
      paper: 'Sener & Koltun, 2018. Multi-Task Learning as Multi-Objective Optimization. NeurIPS.',
    },
  ],
]);

const lr = (value: number) => ({ name: 'lr', type: positiveFloat, default: value, doc: 'learning rate' });
const unit = { kind: 'float', min: 0, max: 1, exclusiveMax: true } as const;

export const OPTIMIZERS: ReadonlyMap<string, Signature> = new Map<string, Signature>([
  [
    'adam',
    {
      name: 'adam',
      doc: 'Adam.',
      params: [
        lr(0.001),
        { name: 'beta1', type: unit, default: 0.9, doc: 'first-moment decay' },
        { name: 'beta2', type: unit, default: 0.999, doc: 'second-moment decay' },
      ],
    },
  ],
  [
    'adamw',
    {
      name: 'adamw',
      doc: 'Adam with decoupled weight decay.',
      params: [lr(0.001), { name: 'decay', type: { kind: 'float', min: 0 }, default: 0.01, doc: 'weight decay' }],
    },
  ],
  [
    'sgd',
    { name: 'sgd', doc: 'Stochastic gradient descent.', params: [lr(0.01), { name: 'momentum', type: unit, default: 0, doc: 'momentum' }] },
  ],
  ['rmsprop', { name: 'rmsprop', doc: 'RMSprop.', params: [lr(0.001)] }],
]);

export const LOSSES: ReadonlyMap<string, Signature> = new Map<string, Signature>([
  ['categorical_crossentropy', { name: 'categorical_crossentropy', params: [], doc: 'Cross-entropy over softmax classes.' }],
  ['binary_crossentropy', { name: 'binary_crossentropy', params: [], doc: 'Cross-entropy of sigmoid outputs.' }],
  ['mse', { name: 'mse', params: [], doc: 'Mean squared error.' }],
  ['mae', { name: 'mae', params: [], doc: 'Mean absolute error.' }],
  [
    'huber',
    {
      name: 'huber',
      params: [{ name: 'delta', type: positiveFloat, default: 1.0, doc: 'where the loss turns linear' }],
      doc: 'Huber loss: squared near zero, linear beyond delta.',
    },
  ],
]);

export const METRICS = ['accuracy', 'auc', 'precision', 'recall', 'f1', 'mse', 'mae', 'rmse', 'r2'] as const;

/** A weight search space: `search(0.1, 0.5, 1.0)`. */
export const SEARCH: Signature = { name: 'search', params: [], doc: 'Candidate values of a task weight, tried by `mtlc tune`.' };
