/**
 * Runs the model commands (build, train, eval, predict) in process, as test/cli/run.ts does, with
 * two more handles on the process: whether stderr is a terminal, and a Ctrl-C the test can press
 * when stderr shows something (an epoch line, say).
 */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { main } from '../../cli/main.js';
import { mulberry32 } from '../../runtime/data/random.js';
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
      return () => {
        listener = undefined;
      };
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

/**
 * `rows` CSV rows for a two-task model: inputs x_0…x_2 in [-1, 1], a = x_0 − x_1, b = [x_2 > 0].
 */
export function pairCsv(rows: number): string {
  const random = mulberry32(4);
  const lines = ['x_0,x_1,x_2,a,b'];
  for (let k = 0; k < rows; k++) {
    const x = [0, 1, 2].map(() => Number((random() * 2 - 1).toFixed(3)));
    lines.push([...x, (x[0]! - x[1]!).toFixed(3), x[2]! > 0 ? 1 : 0].join(','));
  }
  return `${lines.join('\n')}\n`;
}

/** The species of examples/penguins.mtl, in its order. */
export const PENGUIN_CLASSES = ['Adelie', 'Chinstrap', 'Gentoo'];

/** One record of `mtlc predict --probabilities` for examples/penguins.mtl. */
export interface PenguinPrediction {
  species: string;
  species_probabilities: Record<string, number>;
  sex: string;
  sex_probabilities: Record<string, number>;
  mass: number;
}

/** The lines of a JSON Lines text, parsed. */
export function jsonLines<T = Record<string, unknown>>(text: string): T[] {
  return text
    .split('\n')
    .filter((line) => line !== '')
    .map((line) => JSON.parse(line) as T);
}
