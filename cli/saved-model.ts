/**
 * What `mtlc eval` and `mtlc predict` share: open a model directory and bind a data file to it
 * the way its training data was bound (same columns, saved normalization statistics).
 */
import * as path from 'node:path';
import type { BoundData } from '../runtime/data/index.js';
import type { LoadedModel } from '../runtime/model/index.js';
import type { CliContext } from './commands/command.js';
import type { Colors } from './frame.js';
import { refuseUnreadable } from './model-file.js';
import { reportRuntimeError, startBackend, type BackendChoice } from './runtime-errors.js';

export interface SavedModelOptions {
  readonly data: string;
  readonly backend?: BackendChoice;
}

/** The model and the data bound to it, or undefined after the error was reported. */
export async function openWithData(
  ctx: CliContext,
  dir: string,
  options: SavedModelOptions,
  labels: 'required' | 'optional' | 'ignored',
  c: Colors,
): Promise<{ saved: LoadedModel; bound: BoundData } | undefined> {
  const data = path.resolve(ctx.io.cwd, options.data);
  refuseUnreadable(ctx, data);
  await startBackend(options.backend);
  const { openModelDir } = await import('../runtime/model/index.js');
  const { prepareInferenceData } = await import('../runtime/data/index.js');
  let saved: Awaited<ReturnType<typeof openModelDir>>;
  try {
    saved = await openModelDir(path.resolve(ctx.io.cwd, dir));
  } catch (error) {
    reportRuntimeError(ctx, error);
    return undefined;
  }
  if (saved.history === undefined && saved.checkpointEpoch === undefined) {
    ctx.err(
      `${c.yellow('warning')}: "${dir}" holds an untrained model (written by mtlc build): its outputs come from its initial weights; train it with mtlc train\n`,
    );
  } else if (saved.checkpointEpoch !== undefined) {
    ctx.err(
      `${c.yellow('note')}: "${dir}" has no final model (its training never finished): using its checkpoint of epoch ${saved.checkpointEpoch}\n`,
    );
  }
  try {
    const bound = await prepareInferenceData(saved.checked, saved.sidecar, data, { labels });
    return { saved, bound };
  } catch (error) {
    saved.model.dispose();
    reportRuntimeError(ctx, error);
    return undefined;
  }
}
