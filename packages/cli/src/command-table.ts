// Every top-level command: its name, the line `aitbc --help` shows, and how to load it. Only the
// command a line names is loaded (a server's command pulls in Fastify and the databases; `aitbc
// --help` and `aitbc job list` should not wait for that).

import type { Command } from 'commander';

export interface CommandEntry {
  name: string;
  summary: string;
  load: () => Promise<Command>;
}

export const COMMANDS: readonly CommandEntry[] = [
  { name: 'devnet', summary: 'Start a local AITBC network: a chain, a coordinator, one miner and a funded demo client', load: async () => (await import('./commands/devnet.ts')).devnetCommand() },
  { name: 'coordinator', summary: 'Run the coordinator: the job marketplace HTTP API', load: async () => (await import('./commands/coordinator.ts')).coordinatorCommand() },
  { name: 'miner', summary: 'Run a miner: take jobs from a coordinator and run them on a model server', load: async () => (await import('./commands/miner.ts')).minerCommand() },
  { name: 'node', summary: 'Run a chain node (an authority if its data dir holds an authority key of the genesis); `aitbc node init` writes a genesis, `aitbc node key` an authority key', load: async () => (await import('./commands/node.ts')).nodeCommand() },
  { name: 'job', summary: 'submit and follow jobs', load: async () => (await import('./commands/job.ts')).jobCommand() },
  { name: 'chat', summary: 'talk with a model: answers stream as they are written, the conversation is kept for the session (piped stdin: one message, one answer)', load: async () => (await import('./commands/chat.ts')).chatCommand() },
  { name: 'models', summary: 'models on the market: price per token (lowest–highest among online miners), capabilities, miners online, jobs queued', load: async () => (await import('./commands/models.ts')).modelsCommand() },
  { name: 'miners', summary: 'registered miners, online first then by score: models and prices per token, GPU, score, jobs done', load: async () => (await import('./commands/miners.ts')).minersCommand() },
  { name: 'earnings', summary: "a miner's earnings per day and per model, and its held, claimable, pending and settled totals (needs the miner's owner key)", load: async () => (await import('./commands/earnings.ts')).earningsCommand() },
  { name: 'receipt', summary: 'show and verify receipts', load: async () => (await import('./commands/receipt.ts')).receiptCommand() },
  { name: 'account', summary: "your account's available and escrowed AITBC; `account withdraw` sends some to an address on chain", load: async () => (await import('./commands/account.ts')).accountCommand() },
  { name: 'keys', summary: 'create and revoke API keys (needs the admin key)', load: async () => (await import('./commands/account.ts')).keysCommand() },
  { name: 'wallet', summary: 'encrypted keys and transfers on the AITBC chain', load: async () => (await import('./commands/wallet.ts')).walletCommand() },
];
