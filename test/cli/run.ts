/** Runs `mtlc` in process with captured output. */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { main } from '../../cli/main.js';

export const root = path.resolve(__dirname, '../..');

export interface Run {
  readonly code: number;
  readonly stdout: string;
  readonly stderr: string;
}

export async function run(argv: string[], options: { cwd?: string; isTTY?: boolean; env?: Record<string, string> } = {}): Promise<Run> {
  let stdout = '';
  let stderr = '';
  const code = await main(argv, {
    stdout: (text) => void (stdout += text),
    stderr: (text) => void (stderr += text),
    isTTY: options.isTTY ?? false,
    env: options.env ?? {},
    cwd: options.cwd ?? root,
  });
  return { code, stdout, stderr };
}

/** A module hook, as a data: URL, that makes importing any @tensorflow package fail. */
export const FORBID_TFJS =
  'data:text/javascript,import{register}from"node:module";register("data:text/javascript,export async function resolve(s,c,n){if(s.includes(\\"@tensorflow\\"))throw new Error(\\"TensorFlow.js loaded: \\"+s);return n(s,c)}");';

/** A fresh directory holding the given files. */
export function tempDir(files: Record<string, string>): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'mtlc-test-'));
  for (const [name, text] of Object.entries(files)) fs.writeFileSync(path.join(dir, name), text);
  return dir;
}
