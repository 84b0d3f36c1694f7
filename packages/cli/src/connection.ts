// Where client commands find the coordinator and their key: flags, then AITBC_URL /
// AITBC_API_KEY, then ./.aitbc/devnet.json (written by `aitbc devnet`).

import { Option, type Command } from 'commander';
import { AitbcClient } from '@aitbc/sdk';
import { readDevnetFile } from './devnet-file.ts';

export interface ConnectionFlags {
  url?: string;
  apiKey?: string;
  json?: boolean;
}

export function withConnection(command: Command): Command {
  return command
    .addOption(new Option('--url <url>', 'coordinator URL (default: ./.aitbc/devnet.json, then http://127.0.0.1:8080)').env('AITBC_URL'))
    .addOption(new Option('--api-key <key>', 'API key (default: the devnet key for this command)').env('AITBC_API_KEY'))
    .option('--json', 'print JSON for scripts');
}

/** A client for the command; `role` picks which devnet key fits (admin commands use the admin key). */
export function connect(flags: ConnectionFlags, role: 'client' | 'admin' | 'miner' = 'client'): AitbcClient {
  const devnet = readDevnetFile();
  const fromDevnet = role === 'admin' ? devnet?.admin_key : role === 'miner' ? devnet?.miner_key : devnet?.client_key;
  return new AitbcClient({ baseUrl: flags.url ?? devnet?.coordinator_url ?? 'http://127.0.0.1:8080', apiKey: flags.apiKey ?? fromDevnet });
}
