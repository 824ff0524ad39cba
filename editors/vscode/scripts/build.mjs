// Bundles the extension and the language server into single CommonJS files with esbuild:
//   out/extension.js  — the client (vscode-languageclient inside; `vscode` provided by the editor)
//   server/mtl-lsp.js — lsp/server/stdio.ts with the compiler, chevrotain and vscode-languageserver
// so the .vsix needs no node_modules and works offline.
import * as esbuild from 'esbuild';
import { fileURLToPath } from 'node:url';
import * as path from 'node:path';

const here = path.dirname(fileURLToPath(import.meta.url));
const extension = path.resolve(here, '..');
const root = path.resolve(extension, '../..');

const common = {
  bundle: true,
  platform: 'node',
  target: 'node18',
  format: 'cjs',
  sourcemap: false,
  logLevel: 'warning',
  legalComments: 'none',
};

await esbuild.build({
  ...common,
  entryPoints: [path.join(extension, 'src/extension.ts')],
  outfile: path.join(extension, 'out/extension.js'),
  external: ['vscode'],
});

await esbuild.build({
  ...common,
  entryPoints: [path.join(root, 'lsp/server/stdio.ts')],
  outfile: path.join(extension, 'server/mtl-lsp.js'),
  // The server's own dependencies resolve from the repository's node_modules.
  nodePaths: [path.join(root, 'node_modules')],
});
console.log('built out/extension.js and server/mtl-lsp.js');
