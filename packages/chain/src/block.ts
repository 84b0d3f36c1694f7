// Blocks: a header whose hash covers every field, signed by its proposer over a domain tag and
// that hash, plus the transactions in order. Roots tie the header to its contents.

import { base64urlDecode, base64urlEncode, canonicalize, sha256Hex, sign, utf8, verify } from '@aitbc/protocol';
import type { Receipt } from '@aitbc/protocol';
import type { Block, BlockHeader } from '@aitbc/protocol/wire';
import { merkleRoot } from './merkle.ts';
import { txEffects } from './txs/registry.ts';

export const BLOCK_DOMAIN_TAG = 'AITBC-BLOCK-v1\n';

// The shapes are the wire's (@aitbc/protocol/wire); this module signs and checks them.
export type { Block, BlockHeader } from '@aitbc/protocol/wire';

export function blockHash(header: BlockHeader): string {
  return sha256Hex(canonicalize(header));
}

const signingBytes = (hash: string) => utf8(BLOCK_DOMAIN_TAG + hash);

export function signBlockHash(hash: string, secretKey: Uint8Array): string {
  return base64urlEncode(sign(signingBytes(hash), secretKey));
}

export function checkBlockSignature(block: Block): boolean {
  try {
    return verify(base64urlDecode(block.signature), signingBytes(block.hash), base64urlDecode(block.header.proposer));
  } catch {
    return false;
  }
}

/** The receipts a block settles, in order. */
export function blockReceipts(block: Pick<Block, 'txs'>): Receipt[] {
  return block.txs.flatMap((tx) => txEffects(tx.body).settles ?? []);
}

/** Merkle root over the receipts' hashes (SHA-256 of each whole, co-signed receipt). */
export function receiptRoot(receipts: Receipt[]): string {
  return merkleRoot(receipts.map((receipt) => sha256Hex(canonicalize(receipt))));
}
