/**
 * Buffers that once made the language server block for seconds or grow by gigabytes (issue 14), for
 * `npm run bench:lsp` and test/lsp/limits.test.ts: each a document's text, with the files it imports
 * (by absolute path under /project/); and every request the server answers about a document.
 */

/** A small model, the shape of LANGUAGE.md's seed. */
const MODEL = `model Seed {
  input x: float[100]
  trunk shared = x -> dense(64, relu)
  head task1 = shared -> classify(10)
  head task2 = shared -> classify(5)
}
`;

/** Copies of a small model, each under its own name, to about `bytes` bytes. */
export const models = (bytes: number) =>
  Array.from({ length: Math.ceil(bytes / (MODEL.length + 4)) }, (_, i) => MODEL.replace('model Seed', `model Seed${i}`)).join('');

/** Blocks that each call the one below twice, `depth` levels deep, used by a model. */
function nestedBlocks(depth: number): string {
  const blocks = ['block b0(u: int) = dense(u)'];
  for (let i = 1; i <= depth; i++) blocks.push(`block b${i}(u: int) = b${i - 1}(u) -> b${i - 1}(u)`);
  return `${blocks.join('\n')}\n${MODEL.replace('dense(64, relu)', `b${depth}(64)`)}`;
}

/** A line of the language's punctuation, names and numbers, in a fixed pseudo-random order. */
const garbageLine = (length: number) => Array.from({ length }, (_, i) => '{}()->,:;=#"ab1 x['[(i * 7919) % 18]).join('');

/** A model that imports `n` files, lib/f0.mtl … */
export const manyImports = (n: number) => `${Array.from({ length: n }, (_, i) => `import "lib/f${i}.mtl"`).join('\n')}\n${MODEL}`;

/** The files `manyImports(n)` imports, one block each. */
export const importedFiles = (n: number): Record<string, string> =>
  Object.fromEntries(Array.from({ length: n }, (_, i) => [`/project/lib/f${i}.mtl`, `block k${i}(u: int) = dense(u)\n`]));

export interface AdversarialInput {
  readonly name: string;
  readonly text: string;
  readonly files: Record<string, string>;
}

export const ADVERSARIAL: readonly AdversarialInput[] = [
  { name: 'a 5 MB document', text: models(5e6), files: {} },
  { name: 'a 1 MB document of models', text: models(1e6), files: {} },
  { name: 'an 83 KB line of garbage', text: garbageLine(83_000), files: {} },
  { name: '40 levels of blocks that call the one below twice', text: nestedBlocks(40), files: {} },
  { name: '1,000 imports', text: manyImports(1_000), files: importedFiles(1_000) },
  { name: 'an import of a 4 MB file', text: `import "big.mtl"\n${MODEL}`, files: { '/project/big.mtl': models(4e6) } },
];

/** Every request the server answers about a document, as [method, params], at a position inside it. */
export function requestsAbout(uri: string): [string, unknown][] {
  const textDocument = { uri };
  const position = { line: 2, character: 10 };
  const range = { start: { line: 0, character: 0 }, end: { line: 100_000, character: 0 } };
  return [
    ['textDocument/hover', { textDocument, position }],
    ['textDocument/completion', { textDocument, position }],
    ['textDocument/signatureHelp', { textDocument, position }],
    ['textDocument/definition', { textDocument, position }],
    ['textDocument/references', { textDocument, position, context: { includeDeclaration: true } }],
    ['textDocument/prepareRename', { textDocument, position }],
    ['textDocument/rename', { textDocument, position, newName: 'renamed' }],
    ['textDocument/documentSymbol', { textDocument }],
    ['textDocument/formatting', { textDocument, options: { tabSize: 2, insertSpaces: true } }],
    ['textDocument/semanticTokens/full', { textDocument }],
    ['textDocument/inlayHint', { textDocument, range }],
    ['textDocument/codeAction', { textDocument, range, context: { diagnostics: [] } }],
    ['textDocument/foldingRange', { textDocument }],
  ];
}
