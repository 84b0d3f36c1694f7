// Transaction signatures a node has already verified, so a transaction is verified once, at
// admission, not again when its block is imported (a peer's block carries the transactions the
// node admitted from gossip). A hit means these exact body bytes (by hash) with this exact
// signature verified before, and Ed25519 verification is deterministic, so the answer would be
// the same. One per node (txEnvironment), bounded: the oldest entries go first. Worker threads may
// record the signatures of a batch ahead of it (signatures-ahead.ts).

import { checkTxSignature, txHash, type SignedTx } from './tx.ts';

/** Enough for a full mempool and the blocks that empty it. */
const LIMIT = 50_000;

export class VerifiedSignatures {
  /** Body hash → the signature verified over it. */
  private readonly verified = new Map<string, string>();

  /** checkTxSignature, remembered for the transactions that pass. */
  check(tx: SignedTx): boolean {
    const hash = txHash(tx.body);
    if (this.verified.get(hash) === tx.signature) return true;
    if (!checkTxSignature(tx)) return false;
    this.remember(hash, tx.signature);
    return true;
  }

  /** Whether this exact transaction's signature is recorded as verified. */
  has(tx: SignedTx): boolean {
    try {
      return this.verified.get(txHash(tx.body)) === tx.signature;
    } catch {
      return false; // a body that cannot be hashed, for the node's own check to refuse
    }
  }

  /** Records a signature verified elsewhere: only by the same check (signatures-ahead.ts). */
  record(tx: SignedTx): void {
    this.remember(txHash(tx.body), tx.signature);
  }

  private remember(hash: string, signature: string): void {
    if (this.verified.size >= LIMIT) this.verified.delete(this.verified.keys().next().value!);
    this.verified.set(hash, signature);
  }
}
