/**
 * The Neovim configuration of docs/editors.md ("Neovim 0.7 and later"), as written there, run in a
 * headless Neovim against `mtlc lsp`: the buffer gets the server's diagnostics and hover answers.
 * Skipped, with the reason printed, when `nvim` is not installed (Debian: apt-get install neovim).
 */
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { expect, test } from 'vitest';
import { ROOT } from './helpers.js';

const nvim = spawnSync('nvim', ['--version'], { encoding: 'utf8' });
const available = nvim.status === 0;
if (!available) console.log('skipping the Neovim check: nvim is not installed (apt-get install neovim)');

/** The lua of the first code block under the given heading of docs/editors.md. */
function documentedConfig(heading: string): string {
  const doc = fs.readFileSync(path.join(ROOT, 'docs/editors.md'), 'utf8');
  const section = doc.slice(doc.indexOf(heading));
  const match = /```lua\n([\s\S]*?)```/.exec(section);
  if (match === null) throw new Error(`no lua block under "${heading}" in docs/editors.md`);
  return match[1]!;
}

const CHECK = `
dofile(_G.mtl_config)
vim.cmd('edit ' .. _G.mtl_file)
local buf = vim.api.nvim_get_current_buf()
local function finish(result)
  local f = io.open(_G.mtl_out, 'w'); f:write(vim.fn.json_encode(result)); f:close()
  vim.cmd('qall!')
end
if not vim.wait(20000, function() return #vim.diagnostic.get(buf) > 0 end, 50) then
  return finish({ error = 'no diagnostics', filetype = vim.bo.filetype })
end
local diagnostics = {}
for _, d in ipairs(vim.diagnostic.get(buf)) do
  table.insert(diagnostics, { lnum = d.lnum, col = d.col, code = d.code, message = d.message })
end
local params = { textDocument = { uri = vim.uri_from_bufnr(buf) }, position = { line = 5, character = 17 } }
local hover = nil
for _, response in pairs(vim.lsp.buf_request_sync(buf, 'textDocument/hover', params, 10000) or {}) do
  if response.result then hover = response.result.contents.value end
end
finish({ filetype = vim.bo.filetype, diagnostics = diagnostics, hover = hover })
`;

test.skipIf(!available)(
  'the documented Neovim configuration gets diagnostics and hover from mtlc lsp',
  () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'mtl-nvim-'));
    try {
      // `mtlc` on the PATH, as the configuration expects.
      fs.writeFileSync(path.join(dir, 'mtlc'), `#!/bin/sh\nexec "${process.execPath}" "${path.join(ROOT, 'bin/mtlc.js')}" "$@"\n`, {
        mode: 0o755,
      });
      fs.writeFileSync(path.join(dir, 'config.lua'), documentedConfig('### Neovim 0.7 and later'));
      fs.writeFileSync(path.join(dir, 'check.lua'), CHECK);
      fs.writeFileSync(
        path.join(dir, 'seed.mtl'),
        'model Seed {\n  input x: float[100]\n\n  trunk shared = x -> dense(64, relu)\n\n  head task1 = shared -> classify(10)\n  head task2 = shard -> classify(5)\n}\n',
      );
      const globals = `lua _G.mtl_config='${dir}/config.lua'; _G.mtl_file='${dir}/seed.mtl'; _G.mtl_out='${dir}/out.json'`;
      const run = spawnSync('nvim', ['--headless', '--clean', '-c', globals, '-c', `luafile ${dir}/check.lua`], {
        cwd: dir,
        env: { ...process.env, PATH: `${dir}${path.delimiter}${process.env['PATH'] ?? ''}` },
        timeout: 60_000,
        encoding: 'utf8',
      });
      expect(run.status, run.stderr).toBe(0);
      expect(JSON.parse(fs.readFileSync(path.join(dir, 'out.json'), 'utf8'))).toEqual({
        filetype: 'mtl',
        diagnostics: [{ lnum: 6, col: 15, code: 'MTL0101', message: 'unknown name "shard"\ndid you mean "shared"?' }],
        hover: '```mtl\n(trunk) shared: [64]\n```\n\nIn model `Seed`',
      });
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  },
  90_000,
);
