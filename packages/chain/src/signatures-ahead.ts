// Transaction signatures checked on worker threads ahead of admission or import (@aitbc/protocol/
// node's Ed25519Threads), so a batch's Ed25519 verifications (the larger part of admitting a
// transfer) run on the machine's other cores instead of one after another on the node's thread.
// Only a head start: what a thread verified is recorded in the node's VerifiedSignatures, which
// then answers for it; one a thread refused, or could not check (it failed, the batch was small),
// is left to the node's own check, which decides. The node's thread does all of the check but the
// equation: the key is `from`'s, and the signed bytes (signatureParts).

import { MIN_THREAD_BATCH, ed25519Threads, type Ed25519Threads, type VerifyItem } from '@aitbc/protocol/node';
import { signatureParts, type SignedTx } from './tx.ts';
import type { VerifiedSignatures } from './verified-signatures.ts';

/** Verifies on `threads` the signatures of those of `values` that are shaped like a transaction and not recorded yet, and records in `signatures` those that verify. */
export async function checkSignaturesAhead(values: readonly unknown[], signatures: VerifiedSignatures, threads: Ed25519Threads = ed25519Threads): Promise<void> {
  const txs: SignedTx[] = [];
  const items: VerifyItem[] = [];
  for (const value of values) {
    if (!isTxShaped(value) || signatures.has(value)) continue;
    const parts = partsOf(value);
    if (!parts) continue;
    txs.push(value);
    items.push([parts.publicKey, parts.message, parts.signature]);
  }
  if (items.length < MIN_THREAD_BATCH) return;
  const valid = await threads.verifyAll(items);
  valid.forEach((ok, i) => ok === 1 && signatures.record(txs[i]!));
}

function isTxShaped(value: unknown): value is SignedTx {
  const tx = value as SignedTx | null;
  return typeof tx === 'object' && tx !== null && typeof tx.signature === 'string' && typeof tx.body === 'object' && tx.body !== null;
}

/** The parts to verify, or null for one whose key is not `from`'s or whose body cannot be read. */
function partsOf(tx: SignedTx): ReturnType<typeof signatureParts> {
  try {
    return signatureParts(tx);
  } catch {
    return null;
  }
}
