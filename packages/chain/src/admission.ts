// Admission: a transaction enters the mempool only if it could run in the next block: well formed
// and signed for this chain, not known yet, and runnable (txs/) after its sender's queued
// transactions and against what the mempool already claims. Otherwise a coded refusal.

import { TxRejectedError } from './errors.ts';
import type { Mempool } from './mempool.ts';
import type { ChainStore } from './store/chain-store.ts';
import { txHash, type SignedTx } from './tx.ts';
import { TxRunner } from './txs/execute.ts';
import { checkTxForm } from './txs/registry.ts';
import type { TxEnvironment } from './txs/types.ts';

export const MEMPOOL_LIMIT = 10_000;

/** Returns the admitted transaction and its hash, or throws TxRejectedError. */
/** `height`: the next block's, which it would run in. */
export function admit(value: unknown, mempool: Mempool, store: ChainStore, environment: TxEnvironment, feeRecipient: string, height: number): { tx: SignedTx; hash: string } {
  const tx = checkTxForm(value, environment.genesis.chain_id);
  const hash = txHash(tx.body);
  if (mempool.has(hash) || store.tx(hash)) throw new TxRejectedError('CHAIN_TX_ALREADY_KNOWN', `transaction ${hash} is already known`, { tx_hash: hash });
  if (mempool.size >= MEMPOOL_LIMIT) throw new TxRejectedError('CHAIN_TX_MEMPOOL_FULL', 'the mempool is full; retry later', { limit: MEMPOOL_LIMIT });
  const runner = new TxRunner(store, environment, feeRecipient, height, mempool.claims);
  for (const queued of mempool.fromSender(tx.body.from)) {
    try {
      runner.pay(queued);
    } catch (error) {
      // One that no longer runs (another of the sender's took its nonce in a block) is the producer's to drop.
      if (!(error instanceof TxRejectedError)) throw error;
    }
  }
  runner.run(tx);
  return { tx, hash };
}
