// `aitbc miner doctor`: checks, in plain words, what a miner needs — the coordinator, the key,
// the model server and its models, the GPU — and says what to do about anything wrong.

import { AitbcClient, AitbcError } from '@aitbc/sdk';
import { BackendError, type Backend } from './backends/backend.ts';
import type { GpuFacts } from './gpu.ts';

export interface DoctorCheck {
  name: string;
  ok: boolean;
  detail: string;
}

export async function runDoctor(input: { coordinatorUrl: string; apiKey: string | undefined; backend: Backend; models: string[] | undefined; gpu: () => Promise<GpuFacts | null> }): Promise<DoctorCheck[]> {
  const checks: DoctorCheck[] = [];
  const client = new AitbcClient({ baseUrl: input.coordinatorUrl, apiKey: input.apiKey, retry: { maxAttempts: 1 } });
  try {
    const health = await client.health();
    checks.push({ name: 'coordinator', ok: true, detail: `${input.coordinatorUrl} answers (version ${health.version})` });
  } catch (error) {
    checks.push({ name: 'coordinator', ok: false, detail: `${input.coordinatorUrl} does not answer (${describe(error)}); start it (npx aitbc devnet) or pass --coordinator-url` });
  }
  if (!input.apiKey) {
    checks.push({ name: 'key', ok: false, detail: 'no API key: pass --api-key or set AITBC_API_KEY to a key with scope miner' });
  } else {
    try {
      await client.account.get();
      checks.push({ name: 'key', ok: true, detail: 'the coordinator accepts the API key' });
    } catch (error) {
      checks.push({ name: 'key', ok: false, detail: `the coordinator refuses the key (${describe(error)}); ask its operator for a key with scope miner` });
    }
  }
  let offered: string[] = [];
  try {
    offered = await input.backend.listModels();
    checks.push({ name: 'backend', ok: offered.length > 0, detail: offered.length > 0 ? `${input.backend.name} offers ${offered.join(', ')}` : `${input.backend.name} answers but has no models; pull or load one` });
  } catch (error) {
    checks.push({ name: 'backend', ok: false, detail: `the ${input.backend.name} server does not answer (${describe(error)}); start it, or pass --backend-url` });
  }
  for (const model of input.models ?? []) {
    const ok = offered.includes(model);
    checks.push({ name: `model ${model}`, ok, detail: ok ? 'available' : `not on the ${input.backend.name} server${input.backend.name === 'ollama' ? `; run: ollama pull ${model}` : ''}` });
  }
  const gpu = await input.gpu();
  checks.push({ name: 'gpu', ok: true, detail: gpu ? `${gpu.name}, ${gpu.memory_gb} GB` : 'no NVIDIA GPU found (nvidia-smi missing or silent); the miner registers without GPU facts' });
  return checks;
}

function describe(error: unknown): string {
  if (error instanceof AitbcError) return `${error.errorCode}: ${error.detail}`;
  if (error instanceof BackendError) return error.detail;
  return error instanceof Error ? error.message : String(error);
}
