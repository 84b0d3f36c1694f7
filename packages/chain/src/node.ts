// A chain node: starts from genesis, admits signed transactions into its mempool, and — when it
// is an authority and its turn — proposes blocks. Every block it stores, its own included, goes
// through the same full validation: height, parent, proposer schedule, signature, roots, and
// every transaction re-executed against state.
//
// This is the single-authority core (instant finality). Round-robin proposers are already the
// schedule; votes, peers and sync come next (issue 5).

import { addressFromPublicKey, base64urlDecode, base64urlEncode, computeReceiptId, formatAmount, parseAmount, publicKeyFromSecret, verifyReceiptSignature, type KeyPair } from '@aitbc/protocol';
import { blockHash, blockReceipts, checkBlockSignature, receiptRoot, signBlockHash, type Block, type BlockHeader } from './block.ts';
import { genesisHash, type Genesis } from './genesis.ts';
import { EMPTY_ROOT, merkleRoot } from './merkle.ts';
import { StateOverlay, TxExecutionError } from './state.ts';
import type { ChainStore } from './store/chain-store.ts';
import { checkTxSignature, txHash, validateTxShape, type SignedTx } from './tx.ts';

export class TxRejectedError extends Error {
  constructor(
    message: string,
    readonly field?: string,
  ) {
    super(message);
    this.name = 'TxRejectedError';
  }
}

export class BlockRejectedError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'BlockRejectedError';
  }
}

export const MEMPOOL_LIMIT = 10_000;

export class ChainNode {
  private readonly mempool = new Map<string, SignedTx>();
  private timer: NodeJS.Timeout | null = null;
  /** The stored head, kept in memory: admission and production consult it constantly. */
  private headBlock: Block;

  constructor(
    readonly store: ChainStore,
    readonly genesis: Genesis,
    /** This node's authority key, if it is one. */
    private readonly authority: KeyPair | null = null,
    private readonly now: () => number = () => Date.now(),
  ) {
    const expected = genesisHash(genesis);
    const stored = store.getMeta('genesis_hash');
    if (stored && stored !== expected) throw new Error(`this database belongs to another genesis (${stored}); use a fresh --data-dir for this chain`);
    if (!store.head()) this.writeGenesisBlock(expected);
    this.headBlock = store.head()!;
  }

  private writeGenesisBlock(hash: string): void {
    const overlay = new StateOverlay(this.store);
    for (const allocation of this.genesis.allocations) overlay.credit(allocation.address, parseAmount(allocation.amount));
    const header: BlockHeader = {
      height: 0,
      parent_hash: hash,
      timestamp: this.genesis.genesis_time,
      proposer: '',
      tx_root: EMPTY_ROOT,
      receipt_root: EMPTY_ROOT,
      state_root: overlay.root(),
    };
    this.store.commit({ header, hash: blockHash(header), signature: '', txs: [] }, [], overlay.changed);
    this.store.setMeta('genesis_hash', hash);
  }

  head(): Block {
    return this.headBlock;
  }

  /** The highest final block: it and its ancestors are never reverted. */
  finalized(): { height: number; hash: string } {
    return { height: this.headBlock.header.height, hash: this.headBlock.hash };
  }

  /** The authority whose turn it is to propose `height` (round robin). */
  proposerFor(height: number): string {
    const authorities = this.genesis.authorities;
    return authorities[height % authorities.length]!;
  }

  pending(): SignedTx[] {
    return [...this.mempool.values()];
  }

  /**
   * A settlement must be signed by a genesis coordinator, every receipt co-signed by it and signed
   * by the miner key it names, never settled before, and paid exactly: one payout per provider of
   * the sum of its receipts' prices. Adds the receipt ids to `seen`.
   */
  private checkSettlement(tx: SignedTx, seen: Set<string>): void {
    if (tx.body.type !== 'settle') return;
    const body = tx.body;
    if (!this.genesis.coordinators.includes(body.public_key)) throw new TxExecutionError('the signer is not a coordinator listed in genesis');
    const coordinatorKey = base64urlDecode(body.public_key);
    const owed = new Map<string, bigint>();
    for (const receipt of body.receipts) {
      const name = `receipt ${receipt.receipt_id}`;
      if (receipt.chain_id !== this.genesis.chain_id) throw new TxExecutionError(`${name} is for chain ${receipt.chain_id}`);
      if (computeReceiptId(receipt) !== receipt.receipt_id) throw new TxExecutionError(`${name}: receipt_id does not match its contents`);
      if (!verifyReceiptSignature(receipt, 'coordinator', coordinatorKey)) throw new TxExecutionError(`${name}: no valid signature of the settling coordinator`);
      const minerKey = body.miner_keys[receipt.miner_id];
      if (!minerKey) throw new TxExecutionError(`${name}: miner_keys has no key for miner ${receipt.miner_id}`);
      if (!verifyReceiptSignature(receipt, 'miner', base64urlDecode(minerKey))) throw new TxExecutionError(`${name}: the miner signature does not verify with the key named for ${receipt.miner_id}`);
      if (seen.has(receipt.receipt_id) || this.store.receipt(receipt.receipt_id)) throw new TxExecutionError(`${name} was already settled`);
      seen.add(receipt.receipt_id);
      owed.set(receipt.provider, (owed.get(receipt.provider) ?? 0n) + parseAmount(receipt.price));
    }
    const expected = [...owed].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)).map(([address, amount]) => ({ address, amount: formatAmount(amount) }));
    if (JSON.stringify(expected) !== JSON.stringify(body.payouts)) {
      throw new TxExecutionError(`payouts must be exactly the receipts' prices per provider, sorted by address: ${JSON.stringify(expected)}`);
    }
  }

  private settledInMempool(): Set<string> {
    return new Set(blockReceipts({ txs: this.pending() }).map((receipt) => receipt.receipt_id));
  }

  /** Admission: a transaction enters the mempool only if it could run now; otherwise a clear reason. */
  submit(value: unknown): string {
    const shape = validateTxShape(value);
    if (!shape.ok) throw new TxRejectedError(`${shape.field} ${shape.problem}`, shape.field);
    const tx = shape.tx;
    if (tx.body.chain_id !== this.genesis.chain_id) throw new TxRejectedError(`chain_id ${tx.body.chain_id} is not this chain (${this.genesis.chain_id})`, 'body.chain_id');
    if (!checkTxSignature(tx)) throw new TxRejectedError('the signature does not verify, or public_key is not the key of `from`', 'signature');
    const hash = txHash(tx.body);
    if (this.mempool.has(hash) || this.store.tx(hash)) throw new TxRejectedError(`transaction ${hash} is already known`);
    if (this.mempool.size >= MEMPOOL_LIMIT) throw new TxRejectedError('the mempool is full; retry later');
    // Run it after the sender's pending transactions, as the next block would.
    const overlay = new StateOverlay(this.store);
    for (const queued of this.pending().filter((other) => other.body.from === tx.body.from).sort((a, b) => a.body.nonce - b.body.nonce)) {
      overlay.apply(queued, this.feeRecipient());
    }
    try {
      // Only a settlement needs the receipts already waiting in the mempool.
      if (tx.body.type === 'settle') this.checkSettlement(tx, this.settledInMempool());
      overlay.apply(tx, this.feeRecipient());
    } catch (error) {
      if (error instanceof TxExecutionError) throw new TxRejectedError(error.message);
      throw error;
    }
    this.mempool.set(hash, tx);
    return hash;
  }

  private feeRecipient(height = this.head().header.height + 1): string {
    return addressFromPublicKey(base64urlDecode(this.proposerFor(height)));
  }

  /** Proposes the next block from the mempool, if this node is an authority and it is its turn. */
  produce(): Block | null {
    if (!this.authority) return null;
    const parent = this.head();
    const height = parent.header.height + 1;
    const me = base64urlEncode(publicKeyFromSecret(this.authority.secretKey));
    if (this.proposerFor(height) !== me || this.mempool.size === 0) return null;
    const overlay = new StateOverlay(this.store);
    const included: SignedTx[] = [];
    const settled = new Set<string>();
    // Lowest nonce first per sender, so a sender's queued transactions land in order.
    for (const tx of this.pending().sort((a, b) => (a.body.from === b.body.from ? a.body.nonce - b.body.nonce : 0))) {
      try {
        this.checkSettlement(tx, settled);
        overlay.apply(tx, this.feeRecipient(height));
        included.push(tx);
      } catch (error) {
        if (!(error instanceof TxExecutionError)) throw error;
        this.mempool.delete(txHash(tx.body)); // no longer valid (spent, replaced): drop it
      }
    }
    if (included.length === 0) return null;
    const header: BlockHeader = {
      height,
      parent_hash: parent.hash,
      timestamp: Math.max(this.now(), parent.header.timestamp + 1),
      proposer: me,
      tx_root: merkleRoot(included.map((tx) => txHash(tx.body))),
      receipt_root: receiptRoot(blockReceipts({ txs: included })),
      state_root: overlay.root(),
    };
    const hash = blockHash(header);
    const block: Block = { header, hash, signature: signBlockHash(hash, this.authority.secretKey), txs: included };
    this.import(block);
    return block;
  }

  /** Validates a block completely and stores it; throws BlockRejectedError with the reason. */
  import(block: Block): void {
    const reject = (reason: string): never => {
      throw new BlockRejectedError(`block ${block.header?.height}: ${reason}`);
    };
    const parent = this.head();
    const { header } = block;
    if (header.height !== parent.header.height + 1) reject(`height ${header.height} does not follow ${parent.header.height}`);
    if (header.parent_hash !== parent.hash) reject('parent_hash is not the hash of the current head');
    if (blockHash(header) !== block.hash) reject('hash does not match the header');
    if (header.proposer !== this.proposerFor(header.height)) reject(`proposer is not the authority scheduled for this height`);
    if (!checkBlockSignature(block)) reject('the proposer signature does not verify');
    if (header.timestamp <= parent.header.timestamp) reject('timestamp is not after the parent');
    if (header.timestamp > this.now() + 5_000) reject('timestamp is in the future');
    const hashes = block.txs.map((tx) => txHash(tx.body));
    if (merkleRoot(hashes) !== header.tx_root) reject('tx_root does not match the transactions');
    if (header.receipt_root !== receiptRoot(blockReceipts(block))) reject('receipt_root does not match the receipts');
    if (new Set(hashes).size !== hashes.length) reject('a transaction appears twice');
    const overlay = new StateOverlay(this.store);
    const settled = new Set<string>();
    block.txs.forEach((tx, position) => {
      const shape = validateTxShape(tx);
      if (!shape.ok || tx.body.chain_id !== this.genesis.chain_id || !checkTxSignature(tx)) reject(`transaction ${position} is malformed or badly signed`);
      if (this.store.tx(hashes[position]!)) reject(`transaction ${position} was already included in an earlier block (replay)`);
      try {
        this.checkSettlement(tx, settled);
        overlay.apply(tx, addressFromPublicKey(base64urlDecode(header.proposer)));
      } catch (error) {
        if (error instanceof TxExecutionError) reject(`transaction ${position} cannot run: ${error.message}`);
        throw error;
      }
    });
    if (overlay.root() !== header.state_root) reject('state_root does not match the state after executing the block');
    this.store.commit(block, hashes, overlay.changed);
    this.headBlock = block;
    for (const hash of hashes) this.mempool.delete(hash);
  }

  /** Proposes a block every block_interval_ms while there is work. */
  start(onBlock: (block: Block) => void = () => undefined): void {
    if (this.timer) return;
    this.timer = setInterval(() => {
      const block = this.produce();
      if (block) onBlock(block);
    }, this.genesis.block_interval_ms);
  }

  stop(): void {
    if (this.timer) clearInterval(this.timer);
    this.timer = null;
  }

  balanceOf(address: string): { balance: string; nonce: number } {
    const account = this.store.account(address);
    return { balance: formatAmount(account.balance), nonce: account.nonce };
  }
}
