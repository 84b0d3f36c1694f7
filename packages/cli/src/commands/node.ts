// `aitbc node init` writes a genesis file and this node's authority key; `aitbc node key` makes
// and prints the key alone (to list several authorities in one genesis); `aitbc node` runs the
// chain node: it proposes in its slots while there is work, votes, gossips with its peers, syncs,
// and serves the RPC.

import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { Command, Option } from 'commander';
import { addressFromPublicKey, base64urlEncode, isCanonicalAmount, isValidAddress, parsePublicKey } from '@aitbc/protocol';
import { loadOrCreateKeyFile, useNodeCrypto } from '@aitbc/protocol/node';
import { ChainNode, ChainStore, DEFAULT_MAX_INBOUND_PEERS, DEFAULT_MAX_SUBSCRIBERS, DEFAULT_PEER_BUFFER_BYTES, DEFAULT_PEER_MESSAGE_BYTES, DEFAULT_SUBSCRIBER_BUFFER_BYTES, DEFAULT_SYNC_PAGE_BYTES, Gossip, buildRpc, validateGenesis, type Genesis } from '@aitbc/chain';
import { corsOriginsOption, integerIn, positiveAmount } from '../options.ts';

const collectAllocation = (text: string, previous: { address: string; amount: string }[] = []) => {
  const [address, amount] = text.split('=');
  if (!address || !isValidAddress(address) || !amount || !isCanonicalAmount(amount)) throw new Error(`--allocate takes ait1…address=amount (e.g. ait1…=1000), got '${text}'`);
  return [...previous, { address, amount }];
};

interface NodeFlags {
  dataDir: string;
  port: number;
  genesis?: string;
  peer: string[];
  chainId: string;
  blockInterval: number;
  allocate: { address: string; amount: string }[];
  unbondingDelayBlocks?: number;
  slashAmount?: string;
  authority: string[];
  coordinator: string[];
  zkVkey?: string;
  maxInboundPeers: number;
  maxSubscribers: number;
  subscriberBufferBytes: number;
  peerBufferBytes: number;
  peerMessageBytes: number;
  syncPageBytes: number;
  corsOrigins: string[];
}

const collect = (value: string, previous: string[] = []) => [...previous, value];
const log = (event: Record<string, unknown>) => process.stderr.write(JSON.stringify({ at: new Date().toISOString(), ...event }) + '\n');

export function nodeCommand(): Command {
  return new Command('node')
    .argument('[task]', "'init': write genesis.json (and this node's authority key); 'key': make or show this node's authority key")
    .addOption(new Option('--data-dir <dir>', 'genesis, keys and the chain database').default('./.aitbc/chain'))
    .addOption(new Option('--port <port>', 'RPC and peer port').env('AITBC_NODE_PORT').default(8545).argParser(integerIn(0, 65535)))
    .addOption(corsOriginsOption())
    .option('--genesis <file>', 'the genesis file (default: genesis.json in the data dir)')
    .option('--peer <url>', 'a peer to dial, ws://host:port/p2p (repeatable)', collect, [])
    .option('--authority <public-key>', 'init: an authority, in proposer order (repeatable; default: this node alone)', collect, [])
    .option('--coordinator <public-key>', 'init: a coordinator allowed to settle receipts (repeatable)', collect, [])
    .option('--zk-vkey <file>', 'init: the receipt proofs\' verification key (packages/zk/artifacts/receipt_simple.vkey.json); without it the chain takes no anchor_proof')
    .option('--chain-id <id>', 'init: the chain id', 'aitbc-devnet')
    .addOption(new Option('--block-interval <ms>', 'init: milliseconds between blocks while there is work').default(1000).argParser(integerIn(50, 600_000)))
    .option('--allocate <address=amount>', 'init: an initial balance (repeatable)', collectAllocation, [])
    .addOption(new Option('--unbonding-delay-blocks <n>', 'init: blocks an unbonding stays slashable (default: 10 minutes of block intervals)').argParser(integerIn(1, 100_000_000)))
    .addOption(new Option('--slash-amount <aitbc>', 'init: AITBC a slash takes from a miner key\'s bond (default 100)').argParser(positiveAmount))
    .addOption(new Option('--max-inbound-peers <n>', 'peers that may dial in at /p2p at once; more are refused (503)').default(DEFAULT_MAX_INBOUND_PEERS).argParser(integerIn(0, 10_000)))
    .addOption(new Option('--max-subscribers <n>', 'WS /rpc/ws subscribers at once; more are refused (503)').default(DEFAULT_MAX_SUBSCRIBERS).argParser(integerIn(0, 100_000)))
    .addOption(new Option('--subscriber-buffer-bytes <bytes>', 'bytes a subscriber may leave unread before it is dropped (close 1008)').default(DEFAULT_SUBSCRIBER_BUFFER_BYTES).argParser(integerIn(4096, 1024 ** 3)))
    .addOption(new Option('--peer-buffer-bytes <bytes>', 'bytes a peer may leave unread before it is dropped (close 1008)').default(DEFAULT_PEER_BUFFER_BYTES).argParser(integerIn(65_536, 1024 ** 3)))
    .addOption(new Option('--peer-message-bytes <bytes>', 'largest message a peer may send (a block)').default(DEFAULT_PEER_MESSAGE_BYTES).argParser(integerIn(65_536, 1024 ** 3)))
    .addOption(new Option('--sync-page-bytes <bytes>', 'largest sync page read from a peer').default(DEFAULT_SYNC_PAGE_BYTES).argParser(integerIn(65_536, 1024 ** 3)))
    .action(async (task: string | undefined, flags: NodeFlags, command: Command) => {
      useNodeCrypto();
      const dir = resolve(flags.dataDir);
      if (task === 'init') return init(dir, flags, command);
      if (task === 'key') {
        mkdirSync(dir, { recursive: true });
        const key = loadOrCreateKeyFile(join(dir, 'authority-key.json'));
        process.stdout.write(`${base64urlEncode(key.publicKey)}\n`);
        return;
      }
      if (task !== undefined) command.error(`error: unknown task '${task}'; tasks are init and key`);
      const genesisPath = flags.genesis ? resolve(flags.genesis) : join(dir, 'genesis.json');
      if (!existsSync(genesisPath)) command.error(`error: no genesis at ${genesisPath}; run: aitbc node init --data-dir ${flags.dataDir}, or pass --genesis`);
      const genesis = validateGenesis(JSON.parse(readFileSync(genesisPath, 'utf8')));
      const keyPath = join(dir, 'authority-key.json');
      const authority = existsSync(keyPath) ? loadOrCreateKeyFile(keyPath) : null;
      if (authority && !genesis.authorities.includes(base64urlEncode(authority.publicKey))) command.error(`error: ${keyPath} is not one of this genesis's authorities; remove it to run as a follower`);
      mkdirSync(dir, { recursive: true });
      const store = new ChainStore(join(dir, 'chain.db'));
      const chain = new ChainNode(store, genesis, authority);
      const gossip = new Gossip(chain, {
        peers: flags.peer,
        rpcUrl: `http://127.0.0.1:${flags.port}`,
        log,
        maxInboundPeers: flags.maxInboundPeers,
        maxPeerBufferedBytes: flags.peerBufferBytes,
        maxMessageBytes: flags.peerMessageBytes,
        syncPageBytes: flags.syncPageBytes,
      });
      const rpc = await buildRpc(chain, { gossip, subscriptions: { maxSubscribers: flags.maxSubscribers, maxBufferedBytes: flags.subscriberBufferBytes }, log, corsOrigins: flags.corsOrigins });
      try {
        await rpc.listen({ port: flags.port, host: '127.0.0.1' });
      } catch (error) {
        if ((error as NodeJS.ErrnoException).code === 'EADDRINUSE') command.error(`error: port ${flags.port} is in use; pass --port to pick another`);
        throw error;
      }
      chain.on('block', (block) => log({ event: 'block', height: block.header.height, hash: block.hash, txs: block.txs.length }));
      chain.on('finalized', (final) => log({ event: 'finalized', height: final.height, hash: final.hash }));
      chain.on('reorg', ({ ancestor, reverted }) => log({ event: 'reorg', ancestor, reverted: reverted.length }));
      chain.on('listener_error', (error: Error, event: string) => log({ event: 'listener_error', on: event, reason: error?.message }));
      gossip.start();
      chain.start();
      const port = (rpc.server.address() as { port: number }).port;
      process.stderr.write(
        `AITBC node for ${genesis.chain_id} at height ${chain.head().header.height} (final ${chain.finalized().height}); RPC on http://127.0.0.1:${port}/rpc/head${authority ? ' (authority)' : ''}; ${flags.peer.length} peer(s)\n`,
      );
      const stop = () => {
        chain.stop();
        gossip.stop();
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
  // With no --authority this node is the only one, and its key is made here.
  const authorities = flags.authority.length > 0 ? flags.authority : [base64urlEncode(loadOrCreateKeyFile(join(dir, 'authority-key.json')).publicKey)];
  const genesis: Genesis = validateGenesis({
    chain_id: flags.chainId,
    genesis_time: Date.now(),
    block_interval_ms: flags.blockInterval,
    authorities,
    coordinators: flags.coordinator,
    allocations: flags.allocate,
    ...(flags.zkVkey ? { zk_receipt_vkey: JSON.parse(readFileSync(flags.zkVkey, 'utf8')) } : {}),
    ...(flags.unbondingDelayBlocks === undefined ? {} : { unbonding_delay_blocks: flags.unbondingDelayBlocks }),
    ...(flags.slashAmount === undefined ? {} : { slash_amount: flags.slashAmount }),
  });
  writeFileSync(genesisPath, JSON.stringify(genesis, null, 2) + '\n');
  const listed = authorities.map((key) => `authority ${addressFromPublicKey(parsePublicKey(key))}`).join('\n');
  process.stdout.write(`wrote ${genesisPath}; every node of this chain starts from a copy of it\n${listed}\n`);
}
