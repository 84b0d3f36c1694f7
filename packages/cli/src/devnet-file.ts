// ./.aitbc/devnet.json: what `aitbc devnet` started (URLs and keys), so other commands and
// people can find it. Written with owner-only permissions: it holds keys.

import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';

export interface DevnetFile {
  coordinator_url: string;
  /** RPC of the devnet's chain node. */
  chain_url: string;
  /** Where deposits go (memo = account name). */
  clearing_address: string;
  admin_key: string;
  client_key: string;
  client_account: string;
  /** The demo client's wallet address on chain (key in `.aitbc/demo-wallet-key.json`). */
  client_wallet: string;
  miner_key: string;
  miner_id: string;
}

export const DEFAULT_DATA_DIR = './.aitbc';

export function devnetFilePath(dataDir = DEFAULT_DATA_DIR): string {
  return resolve(join(dataDir, 'devnet.json'));
}

export function readDevnetFile(dataDir = DEFAULT_DATA_DIR): DevnetFile | null {
  const path = devnetFilePath(dataDir);
  return existsSync(path) ? (JSON.parse(readFileSync(path, 'utf8')) as DevnetFile) : null;
}

export function writeDevnetFile(dataDir: string, file: DevnetFile): string {
  const path = devnetFilePath(dataDir);
  mkdirSync(dirname(path), { recursive: true });
  writeFileSync(path, JSON.stringify(file, null, 2) + '\n', { mode: 0o600 });
  return path;
}
