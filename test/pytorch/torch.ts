/** Whether this machine can run the PyTorch tests: Debian's torch under /usr/bin/python3 (docs/scale.md); the package they run. */
import { writePyTorchPackage } from '../../cli/pytorch-package.js';
import { compile } from '../../compiler/compile.js';
import type { CheckedModel } from '../../compiler/index.js';
import { DEFAULT_PYTHON, INSTALL_TORCH, pythonProblem } from '../../runtime/pytorch/index.js';

export const PYTHON = process.env.MTL_PYTHON ?? DEFAULT_PYTHON;

/** Why the PyTorch tests skip here, or undefined when torch imports. Printed once per file that asks. */
export function torchMissing(): string | undefined {
  const problem = pythonProblem(PYTHON);
  if (problem === undefined) return undefined;
  const reason = `PyTorch tests skipped: ${problem}; install it with ${INSTALL_TORCH}`;
  console.warn(reason);
  return reason;
}

/** The model of `text` (the file `file`), its PyTorch package written into `dir` as `mtlc build --target pytorch` writes it. */
export async function writePackage(dir: string, file: string, text: string): Promise<CheckedModel> {
  const model = compile(file, text).models[0]!;
  await writePyTorchPackage(dir, dir, model, { file, text }, true);
  return model;
}
