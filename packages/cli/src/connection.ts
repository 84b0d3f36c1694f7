// Where client commands find the coordinator and their key: flags, then AITBC_URL /
// AITBC_API_KEY, then ./.aitbc/devnet.json (written by `aitbc devnet`). Wallet commands find the
// chain node the same way: --node-url, then AITBC_NODE_URL, then the devnet file's chain_url.

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

/** The default chain node: a node started by `aitbc node` or `aitbc devnet` on this machine. */
export const DEFAULT_NODE_URL = 'http://127.0.0.1:8545';

/** `--node-url <url>` (commander fills it from AITBC_NODE_URL when the flag is absent). */
export function nodeUrlOption(): Option {
  return new Option('--node-url <url>', `chain node RPC (default: ./.aitbc/devnet.json's chain_url, then ${DEFAULT_NODE_URL})`).env('AITBC_NODE_URL');
}

/** The chain node: the flag or AITBC_NODE_URL, then the devnet's chain, then the default port. */
export function nodeUrl(flag: string | undefined): string {
  // An empty AITBC_NODE_URL counts as unset: shells and CI systems export empty values.
  return flag || readDevnetFile()?.chain_url || DEFAULT_NODE_URL;
}
