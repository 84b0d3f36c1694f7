// Transaction signatures checked on worker threads ahead of admission or import (@aitbc/protocol/
// node's Ed25519Threads), so a batch's Ed25519 verifications (the larger part of admitting a
// transfer) run on the machine's other cores instead of one after another on the node's thread.
// Only a head start: what a thread verified is recorded in the node's VerifiedSignatures, which
// then answers for it; one a thread refused, or could not check (it failed, the batch was small),
// is left to the node's own check, which decides. The node's thread does all of the check but the
// equation: the key is `from`'s, and the signed bytes (signatureParts).

import { ed25519Threads, type Ed25519Threads, type VerifyItem } from '@aitbc/protocol/node';
import { signatureParts, type SignedTx } from './tx.ts';
import type { VerifiedSignatures } from './verified-signatures.ts';

/** Verifies on `threads` the signatures of those of `values` that are shaped like a transaction and not recorded yet, and records in `signatures` those that verify. */
export async function checkSignaturesAhead(values: readonly unknown[], signatures: VerifiedSignatures, threads: Ed25519Threads = ed25519Threads): Promise<void> {
  const unrecorded = values.filter((value): value is SignedTx => isTxShaped(value) && !signatures.has(value));
  for (const tx of await threads.verified(unrecorded, itemOf)) signatures.record(tx);
}

function isTxShaped(value: unknown): value is SignedTx {
  const tx = value as SignedTx | null;
  return typeof tx === 'object' && tx !== null && typeof tx.signature === 'string' && typeof tx.body === 'object' && tx.body !== null;
}

/** What to verify, or null for one whose key is not `from`'s or whose body cannot be read. */
function itemOf(tx: SignedTx): VerifyItem | null {
  try {
    const parts = signatureParts(tx);
    return parts && [parts.publicKey, parts.message, parts.signature];
  } catch {
    return null;
  }
}
