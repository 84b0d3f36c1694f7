// Block import's validation, the same for a peer's block, a synced one and the node's own: form,
// height, parent, proposer schedule, signature, clock, roots, and every transaction checked and
// re-executed against state (txs/). A refusal is a BlockRejectedError with its code; nothing is
// written until the whole block is valid.

import { UnpairedSurrogateError, addressFromPublicKey, base64urlDecode } from '@aitbc/protocol';
import { blockHash, blockReceipts, checkBlockSignature, receiptRoot, type Block } from './block.ts';
import { proposerForSlot, slotOf } from './consensus.ts';
import { BlockRejectedError, TxRejectedError, type BlockErrorCode, type BlockErrorContexts } from './errors.ts';
import type { Genesis } from './genesis.ts';
import { merkleRoot } from './merkle.ts';
import type { StateChanges } from './state.ts';
import type { ChainStore } from './store/chain-store.ts';
import { txHash } from './tx.ts';
import { TxRunner } from './txs/execute.ts';
import { checkTxForm } from './txs/registry.ts';
import type { TxEnvironment } from './txs/types.ts';

/** How far ahead of this node's clock a block's timestamp may be. */
export const MAX_CLOCK_DRIFT_MS = 2_000;

/** Throws the refusal of `block`, its detail prefixed with the block's height. */
function reject<C extends BlockErrorCode>(block: Block, code: C, reason: string, context: BlockErrorContexts[C], field?: string): never {
  throw new BlockRejectedError(code, `block ${block.header.height}: ${reason}`, context, field);
}

/** Only the fields the checks read, so that a malformed block is refused, never a crash. */
export function checkBlockShape(value: unknown): Block {
  const block = value as Block;
  const shapeOk =
    typeof value === 'object' && value !== null && typeof block.hash === 'string' && typeof block.signature === 'string' && Array.isArray(block.txs) && typeof block.header === 'object' && block.header !== null && Number.isSafeInteger(block.header.height) && Number.isSafeInteger(block.header.timestamp);
  if (!shapeOk) throw new BlockRejectedError('CHAIN_BLOCK_INVALID_FORMAT', 'a block is {header, hash, signature, txs}', {});
  return block;
}

/** Checks a block can only be an authority's, in its slot: hash, schedule, signature and clock. */
export function checkSealed(block: Block, genesis: Genesis, now: number): void {
  const { header } = block;
  const height = header.height;
  if (blockHash(header) !== block.hash) reject(block, 'CHAIN_BLOCK_INVALID_HASH', 'hash does not match the header', { height }, 'hash');
  const scheduled = proposerForSlot(slotOf(header.timestamp, genesis), genesis);
  if (header.proposer !== scheduled) reject(block, 'CHAIN_BLOCK_WRONG_PROPOSER', 'proposer is not the authority scheduled for the slot of its timestamp', { height, expected_proposer: scheduled }, 'header.proposer');
  if (!checkBlockSignature(block)) reject(block, 'CHAIN_BLOCK_INVALID_SIGNATURE', 'the proposer signature does not verify', { height }, 'signature');
  const latest = now + MAX_CLOCK_DRIFT_MS;
  if (header.timestamp > latest) reject(block, 'CHAIN_BLOCK_FUTURE_TIMESTAMP', 'timestamp is in the future', { height, max_timestamp: latest }, 'header.timestamp');
}

export interface ValidatedBlock {
  txHashes: string[];
  /** What the block changes (accounts, bonds, unbondings, slashes), to store with it. */
  changes: StateChanges;
}

/** Validates `block` on top of `parent` completely; throws BlockRejectedError with the reason. */
export function validateBlock(value: unknown, parent: Block, store: ChainStore, environment: TxEnvironment, now: number): ValidatedBlock {
  const block = checkBlockShape(value);
  const { header } = block;
  const height = header.height;
  const { genesis } = environment;
  if (height !== parent.header.height + 1) reject(block, 'CHAIN_BLOCK_INVALID_HEIGHT', `height ${height} does not follow ${parent.header.height}`, { height, expected_height: parent.header.height + 1 }, 'header.height');
  if (header.parent_hash !== parent.hash) reject(block, 'CHAIN_BLOCK_WRONG_PARENT', 'parent_hash is not the hash of the current head', { height, head_hash: parent.hash }, 'header.parent_hash');
  checkSealed(block, genesis, now);
  const parentSlot = slotOf(parent.header.timestamp, genesis);
  if (slotOf(header.timestamp, genesis) <= parentSlot) reject(block, 'CHAIN_BLOCK_SLOT_NOT_LATER', 'timestamp is not in a later slot than the parent', { height, parent_slot: parentSlot }, 'header.timestamp');

  const invalidTx = (position: number, error: TxRejectedError, reason: string): never =>
    reject(block, 'CHAIN_BLOCK_INVALID_TX', `transaction ${position} ${reason}`, { height, position, tx_code: error.code, tx_context: error.context }, error.field && `txs.${position}.${error.field}`);
  // A signed block may still carry transactions that are no JSON object (a string, a number past
  // JSON's range): they have no hash, and are refused as malformed rather than failing the node.
  const txHashes = block.txs.map((tx, position) => {
    try {
      return txHash(tx.body);
    } catch (error) {
      if (!(error instanceof TypeError) || error instanceof UnpairedSurrogateError) throw error;
      return invalidTx(position, new TxRejectedError('CHAIN_TX_INVALID_FORMAT', error.message, {}, 'body'), 'has no canonical form');
    }
  });
  const txRoot = merkleRoot(txHashes);
  if (txRoot !== header.tx_root) reject(block, 'CHAIN_BLOCK_ROOT_MISMATCH', 'tx_root does not match the transactions', { height, expected_root: txRoot }, 'header.tx_root');
  const refusalOf = (error: unknown): TxRejectedError => {
    if (error instanceof TxRejectedError) return error;
    throw error;
  };
  block.txs.forEach((tx, position) => {
    try {
      checkTxForm(tx, genesis.chain_id, environment.signatures);
    } catch (error) {
      invalidTx(position, refusalOf(error), `is malformed or badly signed: ${(error as Error).message}`);
    }
  });
  const receipts = receiptRoot(blockReceipts(block));
  if (header.receipt_root !== receipts) reject(block, 'CHAIN_BLOCK_ROOT_MISMATCH', 'receipt_root does not match the receipts', { height, expected_root: receipts }, 'header.receipt_root');
  const seen = new Set<string>();
  const twice = txHashes.find((hash) => seen.has(hash) || !seen.add(hash));
  if (twice) reject(block, 'CHAIN_BLOCK_DUPLICATE_TX', 'a transaction appears twice', { height, tx_hash: twice }, 'txs');

  const runner = new TxRunner(store, environment, addressFromPublicKey(base64urlDecode(header.proposer)), height);
  block.txs.forEach((tx, position) => {
    const hash = txHashes[position]!;
    if (store.holdsTx(hash, tx.body.from, tx.body.nonce)) invalidTx(position, new TxRejectedError('CHAIN_TX_ALREADY_KNOWN', `transaction ${hash} is already known`, { tx_hash: hash }), 'was already included in an earlier block (replay)');
    try {
      runner.run(tx);
    } catch (error) {
      invalidTx(position, refusalOf(error), `cannot run: ${(error as Error).message}`);
    }
  });
  const stateRoot = runner.overlay.root();
  if (stateRoot !== header.state_root) reject(block, 'CHAIN_BLOCK_ROOT_MISMATCH', 'state_root does not match the state after executing the block', { height, expected_root: stateRoot }, 'header.state_root');
  return { txHashes, changes: runner.overlay };
}
