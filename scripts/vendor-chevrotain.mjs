// Copies Chevrotain's single-file ES module build next to the compiled code, where the package's
// "#chevrotain" import points. Chevrotain's package entry loads several hundred lodash-es modules
// (about 350 ms at every `mtlc` start); its bundled build loads in about 30 ms. The package's
// "exports" hides the bundle, so it is copied at build time rather than imported by path. The
// bundle's source map is not published, so its sourceMappingURL line is dropped.
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';

const root = path.dirname(path.dirname(fileURLToPath(import.meta.url)));
const entry = createRequire(import.meta.url).resolve('chevrotain'); // …/chevrotain/lib/src/api.js
const bundle = readFileSync(path.join(path.dirname(entry), '..', 'chevrotain.mjs'), 'utf8');
const target = path.join(root, 'dist', 'vendor', 'chevrotain.mjs');
mkdirSync(path.dirname(target), { recursive: true });
writeFileSync(target, bundle.replace(/\n\/\/# sourceMappingURL=\S*\s*$/, '\n'));
