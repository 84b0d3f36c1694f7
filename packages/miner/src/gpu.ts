// GPU facts for registration, from nvidia-smi when it is installed; none otherwise.

import { execFile } from 'node:child_process';

export interface GpuFacts {
  name: string;
  memory_gb: number;
}

/** The first GPU nvidia-smi reports, or null when there is no nvidia-smi or no GPU. */
export function detectGpu(run: typeof execFile = execFile): Promise<GpuFacts | null> {
  return new Promise((resolve) => {
    run('nvidia-smi', ['--query-gpu=name,memory.total', '--format=csv,noheader,nounits'], { timeout: 5_000 }, (error, stdout) => {
      if (error) return resolve(null);
      resolve(parseNvidiaSmi(String(stdout)));
    });
  });
}

/** `NVIDIA GeForce RTX 4090, 24564` (MiB) → { name, memory_gb: 24 }. */
export function parseNvidiaSmi(text: string): GpuFacts | null {
  const match = /^\s*(.+?),\s*(\d+)\s*$/m.exec(text);
  if (!match) return null;
  return { name: match[1]!, memory_gb: Math.round(Number(match[2]) / 1024) };
}
