/** Whether this machine can run the PyTorch tests: Debian's torch under /usr/bin/python3 (docs/scale.md). */
import { spawnSync } from 'node:child_process';

export const PYTHON = process.env.MTL_PYTHON ?? '/usr/bin/python3';

/** Why the PyTorch tests skip here, or undefined when torch imports. Printed once per file that asks. */
export function torchMissing(): string | undefined {
  const probe = spawnSync(PYTHON, ['-c', 'import torch, numpy'], { encoding: 'utf8' });
  if (probe.status === 0) return undefined;
  const why = probe.error !== undefined ? probe.error.message : (probe.stderr.trim().split('\n').pop() ?? `exit ${probe.status}`);
  const reason = `PyTorch tests skipped: ${PYTHON} -c 'import torch' failed (${why}); install it with apt-get install -y python3-torch`;
  console.warn(reason);
  return reason;
}
