// Blocks: a header whose hash covers every field, signed by its proposer over a domain tag and
// that hash, plus the transactions in order. Roots tie the header to its contents.

import { base64urlDecode, base64urlEncode, canonicalize, sha256Hex, sign, utf8, verify } from '@aitbc/protocol';
import type { Receipt } from '@aitbc/protocol';
import { merkleRoot } from './merkle.ts';
import type { SignedTx } from './tx.ts';
import { txEffects } from './txs/registry.ts';

export const BLOCK_DOMAIN_TAG = 'AITBC-BLOCK-v1\n';

export interface BlockHeader {
  height: number;
  parent_hash: string;
  /** Epoch ms. */
  timestamp: number;
  /** base64url public key of the authority that proposed it ('' for genesis). */
  proposer: string;
  tx_root: string;
  receipt_root: string;
  state_root: string;
}

export interface Block {
  header: BlockHeader;
  hash: string;
  /** base64url proposer signature over the tag and the hash ('' for genesis). */
  signature: string;
  txs: SignedTx[];
}

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
