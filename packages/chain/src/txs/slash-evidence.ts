// The evidence of a slash, checked from the receipts alone, without trusting the coordinator's
// word: the miner's receipt (signed with the slashed key) and at least two references, each
// signed by its own miner key (not the slashed one), all co-signed by the slashing coordinator,
// all version 2 runs of the same inputs; the references' outputs byte-equal among themselves and
// different from the receipt's. Agreement decided by a looser rule (a prefix, on real backends)
// is not evidence here.

import { base64urlDecode, computeReceiptId, verifyReceiptSignature, type Receipt } from '@aitbc/protocol';
import { TxRejectedError } from '../errors.ts';

export const MIN_REFERENCES = 2;

/** The run's inputs: a reference must match the slashed receipt on each. */
export const RUN_FIELDS = ['chain_id', 'model', 'model_digest', 'backend', 'prompt_hash', 'params_hash'] as const;

export interface SlashEvidence {
  miner_key: string;
  receipt: Receipt;
  references: Receipt[];
  /** miner_id → base64url key each reference's miner signed with. */
  reference_keys: Record<string, string>;
}

/** Throws the TxRejectedError of the first thing wrong with the evidence. */
export function checkSlashEvidence(evidence: SlashEvidence, chainId: string, coordinatorKey: string): void {
  const { receipt, references } = evidence;
  const checkSigned = (signed: Receipt, minerKey: string, path: string) => {
    const bad = (reason: string, field: string) => new TxRejectedError('CHAIN_TX_SLASH_BAD_SIGNATURE', `receipt ${signed.receipt_id}${reason}`, { receipt_id: signed.receipt_id }, `body.${path}${field}`);
    if (computeReceiptId(signed) !== signed.receipt_id) throw bad(': receipt_id does not match its contents', '.receipt_id');
    if (!verifyReceiptSignature(signed, 'coordinator', base64urlDecode(coordinatorKey))) throw bad(': no valid signature of the slashing coordinator', '.signatures');
    if (!verifyReceiptSignature(signed, 'miner', base64urlDecode(minerKey))) throw bad(`: the miner signature does not verify with ${minerKey}`, '.signatures');
  };
  const mismatch = (signed: Receipt, path: string, field: string, reason: string) =>
    new TxRejectedError('CHAIN_TX_SLASH_INPUTS_MISMATCH', `receipt ${signed.receipt_id}: ${field} ${reason}`, { receipt_id: signed.receipt_id, receipt_field: field }, `body.${path}.${field}`);

  if (receipt.version !== 2) throw mismatch(receipt, 'receipt', 'version', 'must be 2: only a receipt that names its model digest and params is evidence');
  if (receipt.chain_id !== chainId) throw mismatch(receipt, 'receipt', 'chain_id', `is not this chain's (${chainId})`);
  checkSigned(receipt, evidence.miner_key, 'receipt');

  const insufficient = (reason: string, field: string) =>
    new TxRejectedError('CHAIN_TX_SLASH_REFERENCES_INSUFFICIENT', `${reason}: a slash needs ${MIN_REFERENCES} references by distinct miner keys other than the slashed one`, { minimum_references: MIN_REFERENCES }, field);
  if (references.length < MIN_REFERENCES) throw insufficient(`${references.length} reference(s)`, 'body.references');
  const keysSeen = new Set([evidence.miner_key]);
  for (const [i, reference] of references.entries()) {
    const key = evidence.reference_keys[reference.miner_id];
    if (key === undefined) throw new TxRejectedError('CHAIN_TX_SLASH_BAD_SIGNATURE', `reference_keys has no key for miner ${reference.miner_id}`, { receipt_id: reference.receipt_id }, 'body.reference_keys');
    if (keysSeen.has(key)) throw insufficient(`reference ${i} is signed with ${key === evidence.miner_key ? 'the slashed key' : 'the key of an earlier reference'}`, `body.references.${i}`);
    keysSeen.add(key);
    checkSigned(reference, key, `references.${i}`);
    if (reference.version !== 2) throw mismatch(reference, `references.${i}`, 'version', 'must be 2');
    for (const field of RUN_FIELDS) if (reference[field] !== receipt[field]) throw mismatch(reference, `references.${i}`, field, `differs from the slashed receipt's`);
  }
  const [first, ...rest] = references;
  const disagreeing = rest.find((reference) => reference.output_hash !== first!.output_hash);
  if (disagreeing) {
    throw new TxRejectedError('CHAIN_TX_SLASH_REFERENCES_DISAGREE', `reference ${disagreeing.receipt_id}'s output differs from reference ${first!.receipt_id}'s`, { receipt_id: disagreeing.receipt_id }, `body.references.${references.indexOf(disagreeing)}.output_hash`);
  }
  if (receipt.output_hash === first!.output_hash) {
    throw new TxRejectedError('CHAIN_TX_SLASH_OUTPUT_AGREES', `receipt ${receipt.receipt_id}'s output equals the references'`, { receipt_id: receipt.receipt_id }, 'body.receipt.output_hash');
  }
}
