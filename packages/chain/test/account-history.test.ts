// An account's history (`GET /rpc/accounts/{address}/txs`) holds every transaction that touches
// the address, once, with its block's time: a settle in each paid miner's, a slash in its beneficiary's and its paid
// verifiers'; a reverted block leaves them; and a database written before the tx_parties table, or
// before transactions were stored in block order, gets the same history when opened after the migration.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { addressFromPublicKey, base64urlEncode, formatAmount, generateKeyPair, parseAmount, type KeyPair, type Receipt } from '@aitbc/protocol';
import type { Genesis } from '../src/genesis.ts';
import { ChainNode } from '../src/node.ts';
import { buildRpc } from '../src/rpc.ts';
import { ChainStore } from '../src/store/chain-store.ts';
import { signTx, txHash, type SignedTx } from '../src/tx.ts';
import { runReceipt, slashTx } from './evidence.ts';
import { closedAfterTest } from './stores.ts';

const authority = generateKeyPair();
const coordinator = generateKeyPair();
const [minerA, minerB, cheatKey, honestKey1, honestKey2] = [generateKeyPair(), generateKeyPair(), generateKeyPair(), generateKeyPair(), generateKeyPair()];
const [cheaterWallet, verifierWallet] = [generateKeyPair(), generateKeyPair()];
const address = (pair: KeyPair) => addressFromPublicKey(pair.publicKey);
const key = (pair: KeyPair) => base64urlEncode(pair.publicKey);
const client = address(generateKeyPair());
const chainId = 'aitbc-history';
const genesis: Genesis = {
  chain_id: chainId,
  genesis_time: 1_764_000_000_000,
  block_interval_ms: 100,
  authorities: [key(authority)],
  coordinators: [key(coordinator)],
  allocations: [
    { address: address(coordinator), amount: '500' },
    { address: address(cheaterWallet), amount: '100' },
    { address: address(verifierWallet), amount: '100' },
  ],
  unbonding_delay_blocks: 4,
  slash_amount: '10',
};

/** The transactions of the chain below, by what they are. */
interface History {
  node: ChainNode;
  settle: string;
  selfTransfer: string;
  verifierBond: string;
  slash: string;
}

/**
 * Block 1: bonds (the cheater on cheatKey, the verifier on honestKey1). Block 2: a settle of three
 * receipts paying miners A (two) and B (one). Block 3: a slash of cheatKey, to `client`, with
 * references by honestKey1 (bonded: its share to the verifier) and honestKey2 (no bond: its share
 * to the client); then A's transfer to itself.
 */
function historyChain(store: ChainStore = closedAfterTest()): History {
  let clock = genesis.genesis_time;
  const node = new ChainNode(store, genesis, authority, () => clock);
  const block = (...txs: SignedTx[]) => {
    for (const tx of txs) node.submit(tx);
    clock += genesis.block_interval_ms;
    assert.equal(node.produce()?.txs.length, txs.length);
    return txs.map((tx) => txHash(tx.body));
  };
  const send = (from: KeyPair, nonce: number, body: Record<string, unknown>) => signTx({ chain_id: chainId, fee: '0', nonce, ...body } as never, from.secretKey);

  const [, verifierBond] = block(
    send(cheaterWallet, 0, { type: 'bond', amount: '50', miner_key: key(cheatKey) }),
    send(verifierWallet, 0, { type: 'bond', amount: '20', miner_key: key(honestKey1) }),
  );

  const receipts: Receipt[] = [minerA, minerA, minerB].map((miner) => runReceipt({ chainId, miner, coordinator, output: 'o' }));
  const owed = new Map<string, bigint>();
  for (const receipt of receipts) owed.set(receipt.provider, (owed.get(receipt.provider) ?? 0n) + parseAmount(receipt.price));
  const payouts = [...owed].sort(([a], [b]) => (a < b ? -1 : 1)).map(([payee, amount]) => ({ address: payee, amount: formatAmount(amount) }));
  const miner_keys = Object.fromEntries(receipts.map((receipt, i) => [receipt.miner_id, key([minerA, minerA, minerB][i]!)]));
  const [settle] = block(send(coordinator, 0, { type: 'settle', miner_keys, receipts, payouts }));

  const receipt = runReceipt({ chainId, miner: cheatKey, coordinator, output: 'wrong' });
  const references = [honestKey1, honestKey2].map((miner) => ({ receipt: runReceipt({ chainId, miner, coordinator, output: 'right' }), key: miner }));
  const [slash, selfTransfer] = block(
    slashTx(chainId, { minerKey: cheatKey, receipt, references, beneficiary: client }, coordinator, 1),
    send(minerA, 0, { type: 'transfer', to: address(minerA), amount: '0.001' }),
  );
  return { node, settle: settle!, selfTransfer: selfTransfer!, verifierBond: verifierBond!, slash: slash! };
}

const hashes = (store: ChainStore, of: string) => store.txsOf(of, 100).map((stored) => stored.hash);

test('a settle is in the history of each miner it pays, once, and a slash in its beneficiary’s and paid verifier’s', async () => {
  const { node, settle, selfTransfer, verifierBond, slash } = historyChain();
  const rpc = await buildRpc(node);
  try {
    const history = async (of: string) => {
      const response = await rpc.inject({ url: `/rpc/accounts/${of}/txs` });
      assert.equal(response.statusCode, 200);
      return (response.json() as { transactions: { hash: string }[] }).transactions.map((tx) => tx.hash);
    };
    // Newest first; A's self-transfer (A sends and is paid) and its two receipts count once each.
    assert.deepEqual(await history(address(minerA)), [selfTransfer, settle]);
    assert.deepEqual(await history(address(minerB)), [settle]);
    assert.deepEqual(await history(address(coordinator)), [slash, settle]);
    assert.deepEqual(await history(client), [slash]);
    assert.deepEqual(await history(address(verifierWallet)), [slash, verifierBond]);
    assert.equal(node.balanceOf(address(verifierWallet)).balance, '82.5', 'the verifier was paid its share');

    // Each entry says when (its block's time) and, in its body, what it cost.
    const response = await rpc.inject({ url: `/rpc/accounts/${address(minerA)}/txs` });
    const entries = (response.json() as { transactions: { block_height: number; block_time: number; body: { fee: string } }[] }).transactions;
    assert.deepEqual(
      entries.map((entry) => [entry.block_height, entry.block_time, entry.body.fee]),
      entries.map((entry) => [entry.block_height, node.store.blockAt(entry.block_height)!.header.timestamp, '0']),
    );
    assert.deepEqual(entries.map((entry) => entry.block_time), [genesis.genesis_time + 300, genesis.genesis_time + 200]);
  } finally {
    await rpc.close();
  }

  // A reverted block takes its transactions out of every history.
  node.store.revertHead();
  assert.deepEqual(hashes(node.store, client), []);
  assert.deepEqual(hashes(node.store, address(verifierWallet)), [verifierBond]);
});

/**
 * The history chain written to a file, taken back to an older schema by `olderShape` (SQL), closed
 * and opened again, which migrates it; `measure` reads the store before and after.
 */
function acrossReopen<T>(olderShape: string, measure: (store: ChainStore) => T): { before: T; after: T } {
  const dir = mkdtempSync(join(tmpdir(), 'aitbc-history-'));
  try {
    const path = join(dir, 'chain.db');
    const { node } = historyChain(new ChainStore(path));
    const before = measure(node.store);
    node.store.db.exec(olderShape);
    node.store.close();
    return { before, after: measure(closedAfterTest(new ChainStore(path))) };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

const everyone = () => [address(minerA), address(minerB), address(coordinator), client, address(verifierWallet), address(cheaterWallet)];

test('a database written before tx_parties is backfilled with the same histories when reopened', () => {
  const rows = (store: ChainStore) => store.db.prepare('SELECT address, block_height, position FROM tx_parties ORDER BY address, block_height, position').all();
  const { before, after } = acrossReopen(
    // The shape before migration 005: no tx_parties, the recipient index, no record of 005.
    "DROP TABLE tx_parties; CREATE INDEX transactions_by_recipient ON transactions(recipient); DELETE FROM schema_migrations WHERE name LIKE '005_%'",
    (store) => ({ written: rows(store), histories: everyone().map((of) => hashes(store, of)) }),
  );
  assert.equal(before.written.length, 9, 'one row per party: 2 bonds, settle 3 (coordinator, A, B), slash 3 (coordinator, client, verifier), transfer 1');
  assert.deepEqual(after.written, before.written);
  assert.deepEqual(after.histories, before.histories);
  assert.equal(before.histories[1]!.length, 1, 'miner B sees its settle');
});

test('a database written with the rowid transactions table is moved to block order when reopened: every block, lookup by hash and history the same', () => {
  const blocks = (store: ChainStore) => Array.from({ length: store.head()!.header.height + 1 }, (_, height) => store.blockAt(height));
  const { before, after } = acrossReopen(
    // The shape before migration 007: a rowid table keyed by hash, unique on position and on (sender, nonce).
    `CREATE TABLE transactions_old (hash TEXT PRIMARY KEY, block_height INTEGER NOT NULL REFERENCES blocks(height), position INTEGER NOT NULL, sender TEXT NOT NULL,
       recipient TEXT NOT NULL, nonce INTEGER NOT NULL, body TEXT NOT NULL, signature TEXT NOT NULL, UNIQUE (block_height, position), UNIQUE (sender, nonce)) STRICT;
     INSERT INTO transactions_old SELECT hash, block_height, position, sender, recipient, nonce, body, signature FROM transactions ORDER BY hash;
     DROP TABLE transactions; ALTER TABLE transactions_old RENAME TO transactions;
     DELETE FROM schema_migrations WHERE name LIKE '007_%'`,
    (store) => ({
      rebuilt: store.db.prepare("SELECT 1 FROM sqlite_schema WHERE name = 'transactions' AND sql LIKE '%WITHOUT ROWID%'").get() !== undefined,
      blocks: blocks(store),
      histories: everyone().map((of) => hashes(store, of)),
      txs: blocks(store).flatMap((block) => block!.txs.map((tx) => store.tx(txHash(tx.body)))),
    }),
  );
  assert.ok(before.txs.length >= 5 && before.txs.every(Boolean));
  assert.ok(after.rebuilt, 'the table was rebuilt');
  assert.deepEqual(after.blocks, before.blocks);
  assert.deepEqual(after.histories, before.histories);
  assert.deepEqual(after.txs, before.txs);
});
