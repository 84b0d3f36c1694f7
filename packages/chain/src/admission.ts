// Admission: a transaction enters the mempool only if it could run in the next block: well formed
// and signed for this chain, not known yet, and runnable (txs/) after its sender's queued
// transactions and against what the mempool already claims. Otherwise a coded refusal. The
// sender's account after its queue is kept by the mempool per head, so admitting one more of a
// sender's transactions does not replay its queue (it did: 2.1 s → 4.8 s per 1,000 as the queue
// grew to 6,000); only the first after a new head does.

import { TxRejectedError } from './errors.ts';
import type { Mempool } from './mempool.ts';
import type { Account } from './state.ts';
import type { ChainStore } from './store/chain-store.ts';
import { txHash, type SignedTx } from './tx.ts';
import { TxRunner } from './txs/execute.ts';
import { checkTxForm } from './txs/registry.ts';
import type { TxEnvironment } from './txs/types.ts';

export const MEMPOOL_LIMIT = 10_000;

/**
 * Returns the admitted transaction, its hash and its sender's account after it (for
 * `Mempool.add`), or throws TxRejectedError. `head`: the block it would follow, at `height` − 1.
 */
export function admit(value: unknown, mempool: Mempool, store: ChainStore, environment: TxEnvironment, feeRecipient: string, head: { hash: string; height: number }): { tx: SignedTx; hash: string; senderAfter: Account } {
  const tx = checkTxForm(value, environment.genesis.chain_id, environment.signatures);
  const hash = txHash(tx.body);
  if (mempool.has(hash) || store.holdsTx(hash, tx.body.from, tx.body.nonce)) throw new TxRejectedError('CHAIN_TX_ALREADY_KNOWN', `transaction ${hash} is already known`, { tx_hash: hash });
  if (mempool.size >= MEMPOOL_LIMIT) throw new TxRejectedError('CHAIN_TX_MEMPOOL_FULL', 'the mempool is full; retry later', { limit: MEMPOOL_LIMIT });
  const runner = new TxRunner(store, environment, feeRecipient, head.height + 1, mempool.claims);
  const known = mempool.accountAfterQueued(tx.body.from, head.hash);
  if (known) runner.overlay.put(tx.body.from, known);
  else {
    for (const queued of mempool.fromSender(tx.body.from)) {
      try {
        runner.pay(queued);
      } catch (error) {
        // One that no longer runs (another of the sender's took its nonce in a block) is the producer's to drop.
        if (!(error instanceof TxRejectedError)) throw error;
      }
    }
  }
  runner.run(tx);
  return { tx, hash, senderAfter: runner.overlay.get(tx.body.from) };
}
