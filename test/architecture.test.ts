import * as fs from 'node:fs';
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

/**
 * docs/architecture.md as a rule: every folder's section ends in an `Imports:` line listing the
 * folders and packages its files may import. Folders without that line (tests, benchmarks…) are free.
 */
const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const doc = fs.readFileSync(path.join(root, 'docs/architecture.md'), 'utf8');

interface Rule {
  readonly folder: string;
  readonly imports: readonly string[];
}

function rules(): Rule[] {
  const out: Rule[] = [];
  for (const section of doc.split(/^### /m).slice(1)) {
    const folders = [...section.split('\n')[0]!.matchAll(/`([^`]+)`/g)].map((m) => m[1]!);
    const line = section.split('\n').find((l) => l.startsWith('Imports:'));
    const imports = line === undefined ? undefined : [...line.matchAll(/`([^`]+)`/g)].map((m) => m[1]!);
    for (const folder of folders) if (imports !== undefined) out.push({ folder, imports });
  }
  return out;
}

/** The rule of the deepest folder holding `file`. */
function ruleOf(file: string, all: readonly Rule[]): Rule | undefined {
  return all.filter((r) => file.startsWith(r.folder)).sort((a, b) => b.folder.length - a.folder.length)[0];
}

function sourceFiles(dir: string): string[] {
  return fs.readdirSync(path.join(root, dir), { withFileTypes: true }).flatMap((entry) => {
    const relative = `${dir}/${entry.name}`;
    if (entry.isDirectory()) return sourceFiles(relative);
    return entry.name.endsWith('.ts') ? [relative] : [];
  });
}

/** Every module a file imports: static, dynamic and re-exports, as written. */
function specifiers(file: string): string[] {
  const text = fs.readFileSync(path.join(root, file), 'utf8');
  return [...text.matchAll(/(?:^|\s)(?:import|export)\b[^'"`;]*?from\s*'([^']+)'|import\(\s*'([^']+)'\s*\)|^import\s+'([^']+)'/gm)].map(
    (m) => (m[1] ?? m[2] ?? m[3])!,
  );
}

/** What an import reaches: `folder/file.ts` for the project's own files, the package name otherwise. */
function target(file: string, specifier: string): string {
  if (specifier.startsWith('.')) return path.posix.normalize(path.posix.join(path.posix.dirname(file), specifier)).replace(/\.js$/, '.ts');
  if (specifier.startsWith('node:')) return 'node:';
  const parts = specifier.split('/');
  return specifier.startsWith('@') ? parts.slice(0, 2).join('/') : parts[0]!;
}

/** Why `file` may not import `reached` under `rule`, or undefined when it may. */
function violation(reached: string, rule: Rule, all: readonly Rule[]): string | undefined {
  const isOwn = reached.endsWith('.ts');
  if (!isOwn) return rule.imports.includes(reached) ? undefined : `package ${reached} is not listed for ${rule.folder}`;
  if (reached.startsWith(rule.folder)) return undefined;
  const allowed = rule.imports.find((folder) => reached.startsWith(folder));
  if (allowed === undefined) return `${reached} is in a folder not listed for ${rule.folder}`;
  const room = ruleOf(reached, all);
  // The compiler and each runtime room are entered through their index.
  const entered = room !== undefined && (room.folder === 'compiler/' || room.folder.startsWith('runtime/'));
  if (entered && reached !== `${room!.folder}index.ts`) return `${reached} is inside ${room!.folder}: import ${room!.folder}index.ts`;
  return undefined;
}

describe('the architecture of docs/architecture.md', () => {
  const all = rules();

  it('has a rule for every source folder, and every folder it names exists', () => {
    const sourceFolders = new Set(
      ['grammar', 'compiler', 'lsp/server', 'cli', 'runtime'].flatMap((d) => sourceFiles(d)).map((f) => `${path.posix.dirname(f)}/`),
    );
    const uncovered = [...sourceFolders].filter((folder) => ruleOf(folder, all) === undefined);
    expect(uncovered).toEqual([]);
    const runtimeRooms = fs
      .readdirSync(path.join(root, 'runtime'), { withFileTypes: true })
      .filter((e) => e.isDirectory())
      .map((e) => `runtime/${e.name}/`);
    expect(runtimeRooms.filter((room) => !all.some((r) => r.folder === room))).toEqual([]);
    expect(all.filter((r) => !fs.existsSync(path.join(root, r.folder))).map((r) => r.folder)).toEqual([]);
  });

  it('keeps nothing at the root of runtime/ but its index, and gives every room an index', () => {
    const loose = fs
      .readdirSync(path.join(root, 'runtime'), { withFileTypes: true })
      .filter((e) => e.isFile())
      .map((e) => e.name);
    expect(loose).toEqual(['index.ts']);
    const rooms = all.filter((r) => r.folder.startsWith('runtime/') && r.folder !== 'runtime/');
    expect(rooms.filter((r) => !fs.existsSync(path.join(root, r.folder, 'index.ts'))).map((r) => r.folder)).toEqual([]);
  });

  it("finds every import of every source file allowed by its folder's rule", () => {
    const problems: string[] = [];
    for (const file of ['grammar', 'compiler', 'lsp/server', 'cli', 'runtime'].flatMap((d) => sourceFiles(d))) {
      const rule = ruleOf(file, all)!;
      for (const specifier of specifiers(file)) {
        const problem = violation(target(file, specifier), rule, all);
        if (problem !== undefined) problems.push(`${file} imports '${specifier}': ${problem}`);
      }
    }
    expect(problems).toEqual([]);
  });

  it('would refuse a compiler file that loads TensorFlow.js, and files that reach inside a room', () => {
    const verdict = (file: string, specifier: string) => violation(target(file, specifier), ruleOf(file, all)!, all);
    expect(verdict('compiler/check.ts', '@tensorflow/tfjs')).toBe('package @tensorflow/tfjs is not listed for compiler/');
    expect(verdict('cli/commands/train.ts', '../../runtime/train/loop.js')).toBe(
      'runtime/train/loop.ts is inside runtime/train/: import runtime/train/index.ts',
    );
    expect(verdict('lsp/server/hover.ts', '../../compiler/check.js')).toBe(
      'compiler/check.ts is inside compiler/: import compiler/index.ts',
    );
    expect(verdict('runtime/data/bind.ts', '../train/index.js')).toBe('runtime/train/index.ts is in a folder not listed for runtime/data/');
  });
});
