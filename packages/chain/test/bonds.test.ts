// Bonds: a miner's payout wallet bonds its receipt-signing key, tops it up and unbonds; the
// unbonding returns to its balance exactly in the block at the genesis delay, never before; every
// block conserves the supply across balances, bonds, unbondings and fees; and bonds survive a
// restart and a reverted block.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { addressFromPublicKey, base64urlEncode, formatAmount, generateKeyPair, parseAmount, type KeyPair } from '@aitbc/protocol';
import { TxRejectedError } from '../src/errors.ts';
import { unbondingDelayBlocks, type Genesis } from '../src/genesis.ts';
import { ChainNode } from '../src/node.ts';
import { ChainStore } from '../src/store/chain-store.ts';
import { signTx } from '../src/tx.ts';
import { closedAfterTest } from './stores.ts';

const authority = generateKeyPair();
const wallet = generateKeyPair();
const squatter = generateKeyPair();
const minerKey = generateKeyPair();
const otherKey = generateKeyPair();
const address = (pair: KeyPair) => addressFromPublicKey(pair.publicKey);
const key = (pair: KeyPair) => base64urlEncode(pair.publicKey);
const SUPPLY = '1500';
const genesis: Genesis = {
  chain_id: 'aitbc-bonds',
  genesis_time: 1_764_000_000_000,
  block_interval_ms: 100,
  authorities: [key(authority)],
  coordinators: [],
  allocations: [
    { address: address(wallet), amount: '1000' },
    { address: address(squatter), amount: '500' },
  ],
  unbonding_delay_blocks: 3,
};

let clock = genesis.genesis_time;
/** One block of whatever is waiting, one slot later. */
const produceNext = (chain: ChainNode) => {
  clock += genesis.block_interval_ms;
  return chain.produce();
};

const send = (chain: ChainNode, from: KeyPair, body: Record<string, unknown>) =>
  chain.submit(signTx({ chain_id: genesis.chain_id, fee: '0.01', nonce: chain.balanceOf(address(from)).nonce + chain.pending().filter((tx) => tx.body.from === address(from)).length, ...body } as never, from.secretKey));
const bond = (chain: ChainNode, from: KeyPair, amount: string, miner = minerKey) => send(chain, from, { type: 'bond', amount, miner_key: key(miner) });
const unbond = (chain: ChainNode, from: KeyPair, amount: string, miner = minerKey) => send(chain, from, { type: 'unbond', amount, miner_key: key(miner) });
/** A block made for the sake of a height: the squatter pays the wallet a little. */
const tick = (chain: ChainNode) => {
  send(chain, squatter, { type: 'transfer', to: address(wallet), amount: '0.001' });
  return produceNext(chain)!;
};

/** Balances, bonds and unbondings together: nothing mints and fees only move, so always the genesis supply. */
function supply(store: ChainStore): string {
  let total = 0n;
  for (const account of store.allAccounts().values()) total += account.balance;
  for (const bond of store.allBonds()) total += bond.amount;
  for (const entry of store.allUnbondings()) total += entry.amount;
  return formatAmount(total);
}

const refused = (run: () => unknown, code: string, context: object) =>
  assert.throws(run, (error: unknown) => {
    assert.ok(error instanceof TxRejectedError, String(error));
    assert.deepEqual([error.code, error.context], [code, context], error.message);
    return true;
  });

test('the default delay is the 10-minute acceptance window in blocks', () => {
  assert.equal(unbondingDelayBlocks({ ...genesis, unbonding_delay_blocks: undefined }), 6000);
  assert.equal(unbondingDelayBlocks({ ...genesis, unbonding_delay_blocks: undefined, block_interval_ms: 2000 }), 300);
});

test('bond, top up, unbond: the unbonding returns exactly at its height, and the supply is conserved after every block', () => {
  const chain = new ChainNode(closedAfterTest(), genesis, authority, () => clock);
  const totals = () => ({ ...chain.balanceOf(address(wallet)), ...chain.store.bondTotals(address(wallet)) });

  bond(chain, wallet, '100');
  bond(chain, wallet, '5', otherKey); // an address may bond several keys
  produceNext(chain);
  bond(chain, wallet, '50'); // top up
  produceNext(chain);
  assert.deepEqual(totals(), { balance: '844.97', nonce: 3, bonded: parseAmount('155'), unbonding: 0n });
  assert.equal(chain.store.bond(key(minerKey))?.amount, parseAmount('150'));
  assert.equal(supply(chain.store), SUPPLY);

  refused(() => bond(chain, squatter, '1'), 'CHAIN_TX_BOND_KEY_TAKEN', { miner_key: key(minerKey), address: address(wallet) });
  refused(() => unbond(chain, squatter, '1'), 'CHAIN_TX_UNBOND_EXCEEDS_BOND', { miner_key: key(minerKey), bonded: '0' });
  refused(() => unbond(chain, wallet, '150.000001'), 'CHAIN_TX_UNBOND_EXCEEDS_BOND', { miner_key: key(minerKey), bonded: '150' });

  unbond(chain, wallet, '60');
  const unbondBlock = produceNext(chain)!;
  const releaseHeight = unbondBlock.header.height + 3;
  const [entry] = chain.store.unbondingsOfKey(key(minerKey));
  assert.deepEqual(entry && { amount: entry.amount, release_height: entry.release_height }, { amount: parseAmount('60'), release_height: releaseHeight });
  assert.deepEqual(totals(), { balance: '844.96', nonce: 4, bonded: parseAmount('95'), unbonding: parseAmount('60') });
  assert.equal(supply(chain.store), SUPPLY);

  let balanceBefore = '';
  while (chain.head().header.height < releaseHeight - 1) {
    balanceBefore = chain.balanceOf(address(wallet)).balance;
    tick(chain);
    assert.equal(chain.store.bondTotals(address(wallet)).unbonding, parseAmount('60'), `still unbonding at height ${chain.head().header.height}`);
    assert.equal(supply(chain.store), SUPPLY);
  }
  balanceBefore = chain.balanceOf(address(wallet)).balance;
  const release = tick(chain);
  assert.equal(release.header.height, releaseHeight);
  assert.equal(chain.store.bondTotals(address(wallet)).unbonding, 0n);
  assert.equal(chain.balanceOf(address(wallet)).balance, formatAmount(parseAmount(balanceBefore) + parseAmount('60.001')), 'the 60 came back in that block (with the tick)');
  assert.equal(supply(chain.store), SUPPLY);

  // A follower replays the same blocks to the same state root.
  const follower = new ChainNode(closedAfterTest(), genesis, null, () => clock);
  for (const block of chain.store.blockRange(1, 100)) follower.import(block);
  assert.equal(follower.head().header.state_root, chain.head().header.state_root);
  assert.deepEqual(follower.store.allBonds(), chain.store.allBonds());
});

test('a key fully unbonded stays its address until released; then another address may bond it', () => {
  const chain = new ChainNode(closedAfterTest(), genesis, authority, () => clock);
  bond(chain, wallet, '10');
  produceNext(chain);
  unbond(chain, wallet, '10');
  produceNext(chain);
  assert.equal(chain.store.bond(key(minerKey)), null);
  refused(() => bond(chain, squatter, '1'), 'CHAIN_TX_BOND_KEY_TAKEN', { miner_key: key(minerKey), address: address(wallet) });
  for (let i = 0; i < 3; i++) tick(chain);
  bond(chain, squatter, '1');
  produceNext(chain);
  assert.equal(chain.store.bond(key(minerKey))?.address, address(squatter));
});

test('bonds and unbondings survive a restart, and a reverted block takes its bond changes with it', () => {
  const dir = mkdtempSync(join(tmpdir(), 'aitbc-bonds-'));
  try {
    const path = join(dir, 'chain.db');
    const first = new ChainNode(closedAfterTest(new ChainStore(path)), genesis, authority, () => clock);
    bond(first, wallet, '40');
    produceNext(first);
    unbond(first, wallet, '15');
    produceNext(first);
    const root = first.head().header.state_root;
    first.store.close();

    const reopened = new ChainNode(closedAfterTest(new ChainStore(path)), genesis, authority, () => clock);
    assert.equal(reopened.store.bondTotals(address(wallet)).bonded, parseAmount('25'));
    assert.equal(reopened.store.bondTotals(address(wallet)).unbonding, parseAmount('15'));
    bond(reopened, wallet, '1');
    const next = produceNext(reopened)!;
    assert.notEqual(next.header.state_root, root);

    // A follower has no votes, so nothing is final there: it can revert the last two blocks.
    const follower = new ChainNode(closedAfterTest(), genesis, null, () => clock);
    for (const block of reopened.store.blockRange(1, 100)) follower.import(block);
    assert.equal(follower.head().header.state_root, next.header.state_root);
    follower.store.revertHead();
    follower.store.revertHead();
    assert.deepEqual(follower.store.bondTotals(address(wallet)), { bonded: parseAmount('40'), unbonding: 0n }, 'the unbond and the top-up are undone');
    assert.equal(supply(follower.store), SUPPLY);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('bond and unbond amounts and keys are checked for form', () => {
  const chain = new ChainNode(closedAfterTest(), genesis, authority, () => clock);
  const form = (body: Record<string, unknown>, field: string) =>
    assert.throws(() => send(chain, wallet, body), (error: unknown) => error instanceof TxRejectedError && error.code === 'CHAIN_TX_INVALID_FORMAT' && error.field === field);
  form({ type: 'bond', amount: '0', miner_key: key(minerKey) }, 'body.amount');
  form({ type: 'unbond', amount: '-1', miner_key: key(minerKey) }, 'body.amount');
  form({ type: 'bond', amount: '1', miner_key: 'not-a-key' }, 'body.miner_key');
  // The same 32 bytes spelled with other trailing bits: one key must have one spelling.
  const spelled = key(minerKey);
  const last = spelled.at(-1)!;
  const alphabet = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_';
  const respelled = spelled.slice(0, -1) + alphabet[(alphabet.indexOf(last) & ~3) | ((alphabet.indexOf(last) + 1) & 3)];
  form({ type: 'bond', amount: '1', miner_key: respelled }, 'body.miner_key');
  assert.throws(() => bond(chain, wallet, '1000'), (error: unknown) => error instanceof TxRejectedError && error.code === 'CHAIN_TX_INSUFFICIENT_BALANCE');
});
