// How long `aitbc` takes to start, as a person waits on it: the compiled command (what `npx aitbc`
// runs) for `--help` and for `job list` against a running coordinator, and, in the same run, the
// same `--help` from the TypeScript sources through tsx (how the command ran before it was built).
// Each a median of 20 runs, one after another.

import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { jsonClient, spawnServer } from './load.ts';

const RUNS = 20;
const CLI = fileURLToPath(new URL('../packages/cli/bin/aitbc.js', import.meta.url));
const SOURCES = fileURLToPath(new URL('../packages/cli/src/main.ts', import.meta.url));

function startupMs(args: string[]): { median: number; p90: number } {
  const times: number[] = [];
  for (let run = 0; run < RUNS; run++) {
    const started = performance.now();
    const result = spawnSync(process.execPath, args, { encoding: 'utf8' });
    times.push(performance.now() - started);
    if (result.status !== 0) throw new Error(`node ${args.join(' ')} exited ${result.status}: ${result.stderr}`);
  }
  times.sort((a, b) => a - b);
  return { median: times[Math.floor(RUNS / 2)]!, p90: times[Math.floor(RUNS * 0.9)]! };
}

const line = (label: string, { median, p90 }: { median: number; p90: number }) => `${label}: median ${median.toFixed(0)} ms, p90 ${p90.toFixed(0)} ms`;

export async function benchCliStartup(): Promise<void> {
  const dir = mkdtempSync(join(tmpdir(), 'aitbc-bench-cli-'));
  const admin = 'bench-admin';
  const { url, child } = await spawnServer([CLI, 'coordinator', '--port', '0', '--db', join(dir, 'c.db'), '--admin-key', admin, '--log-level', 'silent']);
  try {
    const call = jsonClient(url, 1);
    const key = (await call('POST', '/v1/admin/keys', { scopes: ['client'], account: 'bench' }, { 'x-api-key': admin })).body.key as string;
    const help = startupMs([CLI, '--help']);
    const list = startupMs([CLI, 'job', 'list', '--url', url, '--api-key', key]);
    const fromSources = startupMs(['--conditions=@aitbc/source', '--import', 'tsx', SOURCES, '--help']);
    const bare = startupMs(['-e', '0']);
    console.log(`cli     start-up (${RUNS} runs each): ${line('aitbc --help', help)}; ${line('aitbc job list', list)}; ${line('--help from the sources through tsx', fromSources)}; ${line('node -e 0', bare)}`);
  } finally {
    child.kill();
    rmSync(dir, { recursive: true, force: true });
  }
}

// Run alone: node --conditions=@aitbc/source --import tsx bench/cli.bench.ts
if (import.meta.url === `file://${process.argv[1]}`) await benchCliStartup();
