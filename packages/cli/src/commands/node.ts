// `aitbc node init` writes a genesis file and this node's authority key; `aitbc node` runs the
// chain node: it produces a block every interval while there is work and serves the RPC.

import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { Command, Option } from 'commander';
import { addressFromPublicKey, base64urlEncode, isCanonicalAmount, isValidAddress } from '@aitbc/protocol';
import { loadOrCreateKeyFile, useNodeCrypto } from '@aitbc/protocol/node';
import { ChainNode, ChainStore, buildRpc, validateGenesis, type Genesis } from '@aitbc/chain';
import { integerIn } from '../options.ts';

const collectAllocation = (text: string, previous: { address: string; amount: string }[] = []) => {
  const [address, amount] = text.split('=');
  if (!address || !isValidAddress(address) || !amount || !isCanonicalAmount(amount)) throw new Error(`--allocate takes ait1…address=amount (e.g. ait1…=1000), got '${text}'`);
  return [...previous, { address, amount }];
};

interface NodeFlags {
  dataDir: string;
  port: number;
  chainId: string;
  blockInterval: number;
  allocate: { address: string; amount: string }[];
}

export function nodeCommand(): Command {
  return new Command('node')
    .description('Run a chain node (one authority for now; peers come next); `aitbc node init` writes its genesis')
    .argument('[task]', "'init': write genesis.json and this node's authority key instead of running")
    .addOption(new Option('--data-dir <dir>', 'genesis, keys and the chain database').default('./.aitbc/chain'))
    .addOption(new Option('--port <port>', 'RPC port').env('AITBC_NODE_PORT').default(8545).argParser(integerIn(0, 65535)))
    .option('--chain-id <id>', 'init: the chain id', 'aitbc-devnet')
    .addOption(new Option('--block-interval <ms>', 'init: milliseconds between blocks while there is work').default(1000).argParser(integerIn(50, 600_000)))
    .option('--allocate <address=amount>', 'init: an initial balance (repeatable)', collectAllocation, [])
    .action(async (task: string | undefined, flags: NodeFlags, command: Command) => {
      useNodeCrypto();
      const dir = resolve(flags.dataDir);
      if (task === 'init') return init(dir, flags, command);
      if (task !== undefined) command.error(`error: unknown task '${task}'; the only task is init`);
      const genesisPath = join(dir, 'genesis.json');
      if (!existsSync(genesisPath)) command.error(`error: no genesis at ${genesisPath}; run: aitbc node init --data-dir ${flags.dataDir}`);
      const genesis = validateGenesis(JSON.parse(readFileSync(genesisPath, 'utf8')));
      const keyPath = join(dir, 'authority-key.json');
      const authority = existsSync(keyPath) ? loadOrCreateKeyFile(keyPath) : null;
      const store = new ChainStore(join(dir, 'chain.db'));
      const chain = new ChainNode(store, genesis, authority);
      const rpc = await buildRpc(chain);
      try {
        await rpc.listen({ port: flags.port, host: '127.0.0.1' });
      } catch (error) {
        if ((error as NodeJS.ErrnoException).code === 'EADDRINUSE') command.error(`error: port ${flags.port} is in use; pass --port to pick another`);
        throw error;
      }
      chain.start((block) => process.stderr.write(JSON.stringify({ at: new Date().toISOString(), event: 'block', height: block.header.height, hash: block.hash, txs: block.txs.length }) + '\n'));
      const port = (rpc.server.address() as { port: number }).port;
      process.stderr.write(`AITBC node for ${genesis.chain_id} at height ${chain.head().header.height}; RPC on http://127.0.0.1:${port}/rpc/head${authority ? ' (authority)' : ''}\n`);
      const stop = () => {
        chain.stop();
        void rpc.close().then(() => {
          store.close();
          process.exit(0);
        });
      };
      process.once('SIGINT', stop);
      process.once('SIGTERM', stop);
    });
}

function init(dir: string, flags: NodeFlags, command: Command): void {
  const genesisPath = join(dir, 'genesis.json');
  if (existsSync(genesisPath)) command.error(`error: ${genesisPath} exists; a genesis is written once (move it away to start a new chain)`);
  mkdirSync(dir, { recursive: true });
  const authority = loadOrCreateKeyFile(join(dir, 'authority-key.json'));
  const genesis: Genesis = validateGenesis({
    chain_id: flags.chainId,
    genesis_time: Date.now(),
    block_interval_ms: flags.blockInterval,
    authorities: [base64urlEncode(authority.publicKey)],
    coordinators: [],
    allocations: flags.allocate,
  });
  writeFileSync(genesisPath, JSON.stringify(genesis, null, 2) + '\n');
  process.stdout.write(`wrote ${genesisPath}\nauthority ${addressFromPublicKey(authority.publicKey)} (key in ${join(dir, 'authority-key.json')})\n`);
}
