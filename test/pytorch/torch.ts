/** Whether this machine can run the PyTorch tests: Debian's torch under /usr/bin/python3 (docs/scale.md). */
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
