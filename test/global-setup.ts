/**
 * Builds dist/ (as `npm run build` does) once before the tests, so that tests can spawn the real `bin/mtlc.js`. Type errors
 * elsewhere in the tree (work in progress) do not stop the build from emitting; they are only shown.
 */
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';

export default function setup(): void {
  const root = path.resolve(__dirname, '..');
  const tsc = path.join(root, 'node_modules', 'typescript', 'bin', 'tsc');
  const result = spawnSync(process.execPath, [tsc, '-p', 'tsconfig.json'], { cwd: root, encoding: 'utf8' });
  const vendor = spawnSync(process.execPath, [path.join(root, 'scripts', 'vendor-chevrotain.mjs')], { cwd: root, encoding: 'utf8' });
  if (vendor.status !== 0) throw new Error(`scripts/vendor-chevrotain.mjs failed:\n${vendor.stderr}`);
  if (!fs.existsSync(path.join(root, 'dist', 'cli', 'main.js'))) {
    throw new Error(`the build did not produce dist/cli/main.js:\n${result.stdout}${result.stderr}`);
  }
  if (result.status !== 0) process.stderr.write(`global setup: tsc reported problems (dist/ was still written):\n${result.stdout}`);
}
