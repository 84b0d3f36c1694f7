// The RPC's response schemas (@aitbc/protocol/wire) hold every field the node sends: through
// Fastify's schema serializer, which sends only the fields a schema names, a transaction of each
// of the six types, with version-1 and version-2 receipts and a Groth16 proof, comes back whole,
// as JSON.stringify (which the block and transaction routes use, src/rpc.ts) sends it.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import Fastify from 'fastify';
import type { TSchema } from 'typebox';
import { addressFromPublicKey, base64urlEncode, completeReceipt, generateKeyPair, hashText, randomHex, signReceipt, type Receipt } from '@aitbc/protocol';
import { AccountTxs, BlockRange, Mempool, TxStatusView } from '@aitbc/protocol/wire';
import { blockHash, blockReceipts, receiptRoot } from '../src/block.ts';
import { signTx, type SignedTx } from '../src/tx.ts';
import { blockView } from '../src/views.ts';
import { runReceipt } from './evidence.ts';

const CHAIN = 'aitbc-schemas';
const [sender, miner, coordinator, other] = [generateKeyPair(), generateKeyPair(), generateKeyPair(), generateKeyPair()];
const minerId = 'm-1';

function receiptV1(): Receipt {
  const unsigned = completeReceipt(
    { version: 1, chain_id: CHAIN, job_id: `job-${randomHex(12)}`, client: 'alice', provider: addressFromPublicKey(miner.publicKey), miner_id: minerId, model: 'demo', unit_type: 'tokens', unit_price: '0.001', nonce: randomHex(16), prompt_hash: hashText('p') },
    { units: 3n, maxPriceMicro: 1_000_000n, output: 'out', startedAt: 1, completedAt: 2 },
  );
  return signReceipt(signReceipt(unsigned, 'miner', miner.secretKey), 'coordinator', coordinator.secretKey);
}

/** One transaction of every type (valid in form; whether the chain would accept them is not the point). */
function everyTxType(): SignedTx[] {
  const v1 = receiptV1();
  const v2 = runReceipt({ chainId: CHAIN, miner, coordinator, output: 'a' });
  const references = [runReceipt({ chainId: CHAIN, miner: other, coordinator, output: 'b', minerId: 'm-2' })];
  const common = { chain_id: CHAIN, fee: '0.000001' };
  const bodies = [
    { type: 'transfer', ...common, nonce: 0, to: addressFromPublicKey(other.publicKey), amount: '1.5', memo: 'alice' },
    { type: 'transfer', ...common, nonce: 1, to: addressFromPublicKey(other.publicKey), amount: '2' },
    { type: 'settle', ...common, nonce: 2, miner_keys: { [minerId]: base64urlEncode(miner.publicKey) }, receipts: [v1, v2], payouts: [{ address: v1.provider, amount: '0.006' }] },
    { type: 'anchor_proof', ...common, nonce: 3, receipt_id: v1.receipt_id, proof: { pi_a: ['1', '2', '1'], pi_b: [['3', '4'], ['5', '6'], ['1', '0']], pi_c: ['7', '8', '1'], protocol: 'groth16', curve: 'bn128' }, public_signals: ['9', '10'] },
    { type: 'bond', ...common, nonce: 4, amount: '10', miner_key: base64urlEncode(miner.publicKey) },
    { type: 'unbond', ...common, nonce: 5, amount: '4', miner_key: base64urlEncode(miner.publicKey) },
    { type: 'slash', ...common, nonce: 6, miner_key: base64urlEncode(miner.publicKey), receipt: v2, references: references, reference_keys: { 'm-2': base64urlEncode(other.publicKey) }, beneficiary: addressFromPublicKey(other.publicKey) },
  ];
  return bodies.map((body) => signTx(body as never, sender.secretKey));
}

/** What the RPC's serializer makes of `value` under `schema`, read back. */
async function served(schema: TSchema, value: unknown): Promise<unknown> {
  const app = Fastify();
  app.get('/', { schema: { response: { 200: schema } } }, async () => value);
  try {
    const response = await app.inject({ url: '/' });
    assert.equal(response.statusCode, 200, response.body);
    return response.json();
  } finally {
    await app.close();
  }
}

test('a block with every transaction type and its receipts is served whole', async () => {
  const txs = everyTxType();
  const header = { height: 7, parent_hash: 'ab'.repeat(32), timestamp: 1_700_000_000_000, proposer: base64urlEncode(sender.publicKey), tx_root: 'cd'.repeat(32), receipt_root: receiptRoot(blockReceipts({ txs })), state_root: 'ef'.repeat(32) };
  const view = blockView({ header, hash: blockHash(header), signature: 'sig', txs });
  assert.equal(view.receipts.length, 2, 'the settle transaction settles a version-1 and a version-2 receipt');
  const range = { blocks: [view] };
  assert.deepEqual(await served(BlockRange, range), JSON.parse(JSON.stringify(range)));
});

test('transactions by hash, in the mempool and in an account history are served whole', async () => {
  const txs = everyTxType();
  const included = { hash: 'h1', status: 'included', final: true, block_height: 3, position: 0, ...txs[2] };
  const pending = { hash: 'h2', status: 'pending', final: false, block_height: null, position: null, ...txs[6] };
  for (const value of [included, pending]) assert.deepEqual(await served(TxStatusView, value), JSON.parse(JSON.stringify(value)));
  const mempool = { transactions: txs.map((tx, i) => ({ hash: `h${i}`, ...tx })) };
  assert.deepEqual(await served(Mempool, mempool), JSON.parse(JSON.stringify(mempool)));
  const history = { address: addressFromPublicKey(sender.publicKey), transactions: txs.map((tx, i) => ({ hash: `h${i}`, block_height: i, block_time: 1_700_000_000_000 + i, ...tx })) };
  assert.deepEqual(await served(AccountTxs, history), JSON.parse(JSON.stringify(history)));
});
