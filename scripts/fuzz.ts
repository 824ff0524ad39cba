/**
 * The seeded fuzz run of docs/security.md: mutants of the examples, spliced with the pieces that
 * once made mtl misbehave (a 20,000-character name, blocks that double, a million experts, 1e400),
 * go through the parser and checker, the formatter, and the language server's workspace (the
 * incremental compile it runs on every edit). Every case must finish within its time budget, keep
 * its diagnostics inside the text, and format idempotently. `npm run fuzz` runs 100,000 cases
 * (`-- --cases N --seed S` to choose); the test suite runs a few thousand of the same.
 */
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { TextDocument } from 'vscode-languageserver-textdocument';
import { compile, formatFile } from '../compiler/index.js';
import { mulberry32 } from '../runtime/data/random.js';
import { Workspace } from '../lsp/server/workspace.js';

/** Where the repository is, from this file in scripts/ or in dist/scripts/. */
function repositoryRoot(): string {
  let dir = path.dirname(fileURLToPath(import.meta.url));
  while (!readdirSync(dir).includes('examples')) dir = path.dirname(dir);
  return dir;
}

const examplesDir = path.join(repositoryRoot(), 'examples');
const EXAMPLES = readdirSync(examplesDir)
  .filter((f) => f.endsWith('.mtl'))
  .map((f) => readFileSync(path.join(examplesDir, f), 'utf8'));

const doubling = (depth: number) =>
  ['block b0 = dense(4)', ...Array.from({ length: depth }, (_, i) => `block b${i + 1} = b${i} -> b${i}`)].join('\n');

/** What random edits splice in: syntax, and the inputs each limit of docs/security.md is for. */
const FRAGMENTS = [
  '->',
  '(',
  ')',
  '{',
  '}',
  '[',
  ']',
  ',',
  ':',
  '=',
  '..',
  '"',
  '/*',
  '//',
  '\n',
  '-',
  '*',
  '/ 0',
  'dense(4)',
  'x',
  'shared',
  'head',
  'gate',
  'block',
  'model M {',
  'weights {',
  'train {',
  'import "a.mtl"',
  'mmoe(x, experts: 1000000, expert: dense(4))',
  'ple(x, levels: 100000, expert: dense(4))',
  'dense(100000000)',
  'float[100000, 100000]',
  'adam(lr: 1e400)',
  '1e39',
  '3e38 * 10',
  'b40',
  doubling(40),
  'q'.repeat(20_000),
  `${'x'.repeat(5_000)}(`,
  '('.repeat(2_000),
  '#'.repeat(1_000),
  '\u0000',
  '😀',
];

export interface FuzzFailure {
  readonly index: number;
  readonly problem: string;
  readonly text: string;
}

/** The text of case `index` of the run seeded `seed`: an example with one to four random edits. */
export function fuzzCase(seed: number, index: number): string {
  const random = mulberry32(seed * 1_000_003 + index);
  const pick = <T>(items: readonly T[]): T => items[Math.floor(random() * items.length)]!;
  let text = pick(EXAMPLES);
  const edits = 1 + Math.floor(random() * 4);
  for (let e = 0; e < edits; e++) {
    const at = Math.floor(random() * (text.length + 1));
    const remove = Math.floor(random() * 12);
    const insert =
      random() < 0.8 ? pick(FRAGMENTS) : String.fromCharCode(...Array.from({ length: 3 }, () => Math.floor(random() * 0x3000)));
    text = text.slice(0, at) + insert + text.slice(at + remove);
  }
  return text;
}

const host = { readFile: (file: string) => (file.endsWith('a.mtl') ? 'block tower(u: int) = dense(u)\n' : undefined) };

/**
 * Runs one case; returns what went wrong, if anything. `budgetMs` bounds each stage; without a
 * workspace the language server's stage is left out.
 */
export function runCase(
  text: string,
  workspace: Workspace | undefined,
  uri: string,
  version: number,
  budgetMs: number,
): string | undefined {
  const timed = <T>(stage: string, run: () => T): T => {
    const started = performance.now();
    const result = run();
    const took = performance.now() - started;
    if (took > budgetMs) throw new Error(`${stage} took ${took.toFixed(0)} ms (budget ${budgetMs} ms)`);
    return result;
  };
  try {
    const result = timed('check', () => compile('/project/m.mtl', text, host));
    for (const d of result.diagnostics) {
      if (!(d.span.start >= 0 && d.span.start <= d.span.end && d.span.end <= text.length))
        return `${d.code} has the range ${d.span.start}-${d.span.end}`;
    }
    const formatted = timed('fmt', () => formatFile(text));
    if (formatted !== undefined && formatFile(formatted) !== formatted) return 'formatting twice changes the text';
    if (workspace === undefined) return undefined;
    workspace.changed(TextDocument.create(uri, 'mtl', version, text));
    const analysis = timed('language server', () => workspace.analysis(uri));
    if (analysis?.result.text !== text) return 'the language server analysed another text';
    return undefined;
  } catch (error) {
    return error instanceof Error ? error.message : String(error);
  }
}

/** A workspace as the server has one, without a connection. */
export function fuzzWorkspace(): Workspace {
  return new Workspace({ readFile: host.readFile, publish: () => {}, clear: () => {}, log: () => {} });
}

/**
 * Runs `cases` cases of the run seeded `seed`, every `serverEvery`th also through the language
 * server's workspace; returns the failures and the rate.
 */
export function fuzz(seed: number, cases: number, budgetMs: number, serverEvery = 1): { failures: FuzzFailure[]; perSecond: number } {
  const workspace = fuzzWorkspace();
  const failures: FuzzFailure[] = [];
  const started = performance.now();
  for (let index = 0; index < cases; index++) {
    const text = fuzzCase(seed, index);
    const problem = runCase(text, index % serverEvery === 0 ? workspace : undefined, 'file:///project/m.mtl', index + 1, budgetMs);
    if (problem !== undefined) failures.push({ index, problem, text });
  }
  return { failures, perSecond: cases / ((performance.now() - started) / 1000) };
}

if (process.argv[1] !== undefined && fileURLToPath(import.meta.url) === path.resolve(process.argv[1])) {
  const option = (name: string, fallback: number): number => {
    const at = process.argv.indexOf(`--${name}`);
    return at >= 0 ? Number(process.argv[at + 1]) : fallback;
  };
  const seed = option('seed', 1);
  const cases = option('cases', 100_000);
  const { failures, perSecond } = fuzz(seed, cases, option('budget', 1000));
  console.log(`fuzz: ${cases} cases (seed ${seed}), ${perSecond.toFixed(0)} per second, ${failures.length} failures`);
  for (const f of failures.slice(0, 20)) console.log(`  case ${f.index}: ${f.problem}`);
  process.exitCode = failures.length > 0 ? 1 : 0;
}
