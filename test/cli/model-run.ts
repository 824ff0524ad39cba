/**
 * Runs the model commands (build, train, eval, predict) in process, as test/cli/run.ts does, with
 * two more handles on the process: whether stderr is a terminal, and a Ctrl-C the test can press
 * when stderr shows something (an epoch line, say).
 */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { main } from '../../cli/main.js';
import { root, type Run } from './run.js';

export interface ModelRunOptions {
  readonly cwd?: string;
  readonly stderrIsTTY?: boolean;
  /** Presses Ctrl-C (once) as soon as this is true of the stderr written so far. */
  readonly interruptWhen?: (stderr: string) => boolean;
}

export async function mtlc(argv: string[], options: ModelRunOptions = {}): Promise<Run & { readonly interrupted: boolean }> {
  let stdout = '';
  let stderr = '';
  let listener: (() => void) | undefined;
  let interrupted = false;
  const code = await main(argv, {
    stdout: (text) => void (stdout += text),
    stderr: (text) => {
      stderr += text;
      if (!interrupted && listener !== undefined && options.interruptWhen?.(stderr) === true) {
        interrupted = true;
        listener();
      }
    },
    isTTY: false,
    env: {},
    cwd: options.cwd ?? root,
    stderrIsTTY: options.stderrIsTTY ?? false,
    onInterrupt: (l) => {
      listener = l;
      return () => { listener = undefined; };
    },
  });
  return { code, stdout, stderr, interrupted };
}

/** A fresh working directory holding copies of the given repository files (paths kept). */
export function workspace(files: readonly string[] = []): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'mtlc-model-'));
  for (const file of files) {
    fs.mkdirSync(path.dirname(path.join(dir, file)), { recursive: true });
    fs.copyFileSync(path.join(root, file), path.join(dir, file));
  }
  return dir;
}

/** The lines of a JSON Lines text, parsed. */
export function jsonLines<T = Record<string, unknown>>(text: string): T[] {
  return text.split('\n').filter((line) => line !== '').map((line) => JSON.parse(line) as T);
}

/**
 * A module hook, as a data: URL, that makes importing any @tensorflow package fail (the same as
 * test/cli/bin.test.ts uses; importing it from there would run that file's tests here too).
 */
export const FORBID_TFJS =
  'data:text/javascript,import{register}from"node:module";register("data:text/javascript,export async function resolve(s,c,n){if(s.includes(\\"@tensorflow\\"))throw new Error(\\"TensorFlow.js loaded: \\"+s);return n(s,c)}");';
