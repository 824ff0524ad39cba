// The WebAssembly training kernels (runtime/accel/kernels/train-kernels.c). The build copies the
// committed .wasm next to the compiled code; `--compile` first rebuilds it from the C source,
// which needs clang and wasm-ld (Debian: apt-get install clang-14 lld-14), and checks that the
// module has no data and never touches the C stack: it runs on TensorFlow.js' memory, where
// either would overwrite the backend's heap.
import { execFileSync } from 'node:child_process';
import { copyFileSync, mkdirSync, readFileSync } from 'node:fs';
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';

const root = path.dirname(path.dirname(fileURLToPath(import.meta.url)));
const source = path.join(root, 'runtime', 'accel', 'kernels', 'train-kernels.c');
const wasm = path.join(root, 'runtime', 'accel', 'kernels', 'train-kernels.wasm');

/** The first of `names` on the PATH. */
function tool(...names) {
  for (const name of names) {
    try {
      execFileSync(name, ['--version'], { stdio: 'ignore' });
      return name;
    } catch {
      // not this one
    }
  }
  throw new Error(`none of ${names.join(', ')} is installed (Debian: apt-get install clang-14 lld-14)`);
}

export function compileKernels(out) {
  const clang = tool('clang-14', 'clang');
  execFileSync(
    clang,
    [
      '--target=wasm32',
      '-O3',
      '-msimd128',
      '-ffp-contract=off',
      '-fno-builtin',
      '-nostdlib',
      '-Wl,--no-entry',
      '-Wl,--import-memory',
      '-Wl,--strip-all',
      '-o',
      out,
      source,
    ],
    { stdio: 'inherit' },
  );
  const module = new WebAssembly.Module(readFileSync(out));
  const imports = WebAssembly.Module.imports(module).map((i) => `${i.module}.${i.name}`);
  if (imports.join() !== 'env.memory') throw new Error(`train-kernels.wasm imports ${imports.join(', ')}; only env.memory is allowed`);
  const objdump = tool('llvm-objdump-14', 'llvm-objdump');
  const listing = execFileSync(objdump, ['-d', '-h', out], { encoding: 'utf8' });
  if (/\bDATA\b/.test(listing)) throw new Error('train-kernels.wasm has a data section');
  if (/global\.(get|set)/.test(listing)) throw new Error('train-kernels.wasm uses the C stack (global.get/set of the stack pointer)');
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  if (process.argv.includes('--compile')) compileKernels(wasm);
  const target = path.join(root, 'dist', 'runtime', 'accel', 'kernels', 'train-kernels.wasm');
  mkdirSync(path.dirname(target), { recursive: true });
  copyFileSync(wasm, target);
}
