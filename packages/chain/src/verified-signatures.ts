// Transaction signatures this process has already verified, so a transaction is verified once
// here, not again when its block is produced and imported (its own, or a peer's carrying the same
// transactions). A hit means these exact body bytes (by hash) with this exact signature verified
// before, and Ed25519 verification is deterministic, so the answer would be the same. Bounded:
// the oldest entries go first.

import { checkTxSignature, txHash, type SignedTx } from './tx.ts';

/** Enough for a full mempool and the blocks that empty it. */
const LIMIT = 50_000;
const verified = new Set<string>();

/** checkTxSignature, remembered for the transactions that pass. */
export function checkTxSignatureOnce(tx: SignedTx): boolean {
  const id = `${txHash(tx.body)}.${tx.signature}`;
  if (verified.has(id)) return true;
  if (!checkTxSignature(tx)) return false;
  if (verified.size >= LIMIT) verified.delete(verified.values().next().value!);
  verified.add(id);
  return true;
}
