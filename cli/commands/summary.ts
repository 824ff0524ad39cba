/**
 * `mtlc summary FILE`: the model's layers as Keras' `model.summary()` prints them (layer, output
 * shape, parameters, what each reads, totals), then one line per head: its task, what it reads,
 * its own gate when it reads a mixture of experts, and the parameters only it owns. Computed from
 * the layer plan (compiler/plan.ts): no TensorFlow.js is loaded and nothing is trained.
 */
import type { Command } from 'commander';
import {
  describeTask,
  formatSummary,
  planModel,
  summarize,
  type CheckedModel,
  type Flow,
  type HeadNode,
  type ModelPlan,
} from '../../compiler/index.js';
import { formatTable } from '../metrics-table.js';
import { checkedModel } from '../model-file.js';
import type { CliContext, CommandModule } from './command.js';

export const summaryCommand: CommandModule = {
  name: 'summary',
  register(program: Command, ctx: CliContext): void {
    program
      .command('summary')
      .description('print the layers and parameter counts of a model, Keras-style')
      .argument('<file>', 'the .mtl file')
      .option('--model <name>', 'the model to summarize, when the file declares several')
      .action((file: string, options: { model?: string }, command: Command) => {
        const chosen = checkedModel(ctx, file, options, command);
        if (chosen === undefined) return;
        ctx.out(`${formatSummary(summarize(chosen.model))}\n\n${formatHeads(chosen.model)}`);
      });
  },
};

/** The heads table under the summary. */
function formatHeads(model: CheckedModel): string {
  const plan = planModel(model);
  const rows = model.heads.map((head) => [
    head.name,
    describeTask(head.task),
    reads(head.flow),
    gateOf(model, plan, head),
    count(ownParams(plan, head)),
  ]);
  return `Heads:\n${formatTable(['head', 'task', 'reads', 'gate', 'own params'], rows, (column) => column === 4)}`;
}

function reads(flow: Flow): string {
  const source = flow.source;
  switch (source.kind) {
    case 'input':
      return `input ${source.name}`;
    case 'trunk':
      return `trunk ${source.name}`;
    case 'gate':
      return `gate ${source.name}`;
    case 'merge':
      return `${source.op}(${source.parts.map((p) => (p.layers.length > 0 ? `${reads(p)} -> …` : reads(p))).join(', ')})`;
  }
}

/** The softmax gates the head owns inside the gate it reads: one for MMoE and CGC, one per level for PLE. */
function gateOf(model: CheckedModel, plan: ModelPlan, head: HeadNode): string {
  const source = head.flow.source;
  if (source.kind !== 'gate') return '—';
  const gate = model.gates.find((g) => g.name === source.name);
  const gates = plan.steps.filter((s) => s.group === `gate ${source.name}` && s.name.endsWith(`/${head.name}/gate`));
  if (gate === undefined || gates.length === 0) return source.name;
  const experts =
    gate.kind === 'mmoe'
      ? `${gate.experts} experts`
      : `${gate.shared + gate.specific} experts (${gate.shared} shared + ${gate.specific} own)`;
  const params = gates.reduce((sum, s) => sum + s.trainable, 0);
  const levels = gates.length > 1 ? ` at each of ${gates.length} levels` : '';
  return `${gate.kind}: softmax over ${experts}${levels}, ${count(params)} params`;
}

/** Parameters of the head's own layers: its tower and its task layer. */
function ownParams(plan: ModelPlan, head: HeadNode): number {
  return plan.steps.filter((s) => s.group === `head ${head.name}`).reduce((sum, s) => sum + s.trainable + s.nonTrainable, 0);
}

function count(n: number): string {
  return n.toLocaleString('en-US');
}
