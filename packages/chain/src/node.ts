// A chain node: starts from genesis, admits signed transactions into its mempool, proposes blocks
// in its own slots when it is an authority, votes for its head, and follows the network's longest
// branch above the last final block (consensus.ts has the rules). Every block it stores, its own
// included, goes through the same full validation: height, parent, proposer schedule, signature,
// roots, and every transaction re-executed against state.

import { EventEmitter } from 'node:events';
import { addressFromPublicKey, base64urlDecode, base64urlEncode, computeReceiptId, formatAmount, parseAmount, prepareVerificationKey, publicKeyFromSecret, receiptPublicSignals, verifyGroth16, verifyReceiptSignature, ZK_PUBLIC_SIGNALS, type KeyPair, type PreparedVerificationKey } from '@aitbc/protocol';
import { blockHash, blockReceipts, checkBlockSignature, receiptRoot, signBlockHash, type Block, type BlockHeader } from './block.ts';
import { checkVote, finalityThreshold, proposerForSlot, signVote, slotOf, type Vote } from './consensus.ts';
import { genesisHash, type Genesis } from './genesis.ts';
import { EMPTY_ROOT, merkleRoot } from './merkle.ts';
import { Mempool } from './mempool.ts';
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
/** Blocks off the current branch kept in case that branch becomes the longer one. */
export const SIDE_BLOCK_LIMIT = 2_000;
/** How far ahead of this node's clock a block's timestamp may be. */
export const MAX_CLOCK_DRIFT_MS = 2_000;

/** What became of a block handed to `receive`. */
export type ReceiveOutcome = 'imported' | 'known' | 'side' | 'missing-parent';

export interface FinalBlock {
  height: number;
  hash: string;
}

/**
 * Events: 'tx' (tx, hash) admitted to the mempool; 'block' (block) added to this node's chain;
 * 'reorg' ({ ancestor, reverted }) blocks above `ancestor` replaced by a longer branch; 'vote'
 * (vote) a new latest vote of an authority; 'finalized' (FinalBlock); 'listener_error' (error,
 * event) a listener threw (see `emit`).
 */
export class ChainNode extends EventEmitter {
  private readonly mempool = new Mempool();
  /** Valid-looking blocks that are not on this node's chain (other branches, or early arrivals). */
  private readonly side = new Map<string, Block>();
  private readonly latestVotes = new Map<string, Vote>();
  private timer: NodeJS.Timeout | null = null;
  /** Production paused (while a restarted node catches up with its peers). */
  private held = false;
  /** The stored head, kept in memory: admission and production consult it constantly. */
  private headBlock: Block;
  private finalBlock: FinalBlock;
  /** This node's authority public key (base64url), if it is one. */
  readonly authorityKey: string | null;
  /** genesis' zk_receipt_vkey, parsed once (its points are checked on the curve). */
  private receiptVkey: PreparedVerificationKey | null = null;

  constructor(
    readonly store: ChainStore,
    readonly genesis: Genesis,
    private readonly authority: KeyPair | null = null,
    private readonly now: () => number = () => Date.now(),
  ) {
    super();
    const expected = genesisHash(genesis);
    const stored = store.getMeta('genesis_hash');
    if (stored && stored !== expected) throw new Error(`this database belongs to another genesis (${stored}); use a fresh --data-dir for this chain`);
    if (!store.head()) this.writeGenesisBlock(expected);
    this.headBlock = store.head()!;
    const finalHeight = Number(store.getMeta('finalized_height') ?? 0);
    this.finalBlock = { height: finalHeight, hash: store.hashAt(finalHeight)! };
    for (const vote of store.votes()) this.latestVotes.set(vote.authority, vote);
    this.authorityKey = authority ? base64urlEncode(publicKeyFromSecret(authority.secretKey)) : null;
    if (this.authorityKey && !genesis.authorities.includes(this.authorityKey)) throw new Error('this authority key is not one of the genesis authorities');
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

  /**
   * Calls every listener even when one throws, and never lets the throw out: the node emits in
   * the middle of its own work (a block is emitted between two imports of a branch switch), so a
   * listener's fault (a socket, a subscriber) must neither undo that work nor reach the process.
   * The fault is re-emitted as 'listener_error'.
   */
  override emit(event: string | symbol, ...args: unknown[]): boolean {
    const listeners = this.rawListeners(event) as ((...args: unknown[]) => unknown)[];
    for (const listener of listeners) {
      try {
        listener.apply(this, args);
      } catch (error) {
        if (event !== 'listener_error') this.emit('listener_error', error, event);
      }
    }
    return listeners.length > 0;
  }

  head(): Block {
    return this.headBlock;
  }

  /** The highest final block: it and its ancestors are never reverted. */
  finalized(): FinalBlock {
    return this.finalBlock;
  }

  /** Each authority's latest vote known here. */
  votes(): Vote[] {
    return [...this.latestVotes.values()];
  }

  pending(): SignedTx[] {
    return this.mempool.transactions();
  }

  /** [hash, tx] of each transaction waiting for a block. */
  pendingEntries(): [string, SignedTx][] {
    return this.mempool.entries();
  }

  /** A transaction waiting for a block, by hash. */
  pendingTx(hash: string): SignedTx | undefined {
    return this.mempool.get(hash);
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

  /**
   * A receipt proof must be for a receipt this chain settled and has not seen proven, carry
   * exactly the public signals the node recomputes from that receipt (commitment, job id,
   * provider, price, units), and verify against genesis' key. Adds the receipt id to `proven`.
   */
  private checkAnchor(tx: SignedTx, proven: Set<string>): void {
    if (tx.body.type !== 'anchor_proof') return;
    const { receipt_id: id, public_signals: signals, proof } = tx.body;
    if (!this.genesis.zk_receipt_vkey) throw new TxExecutionError('this chain takes no proofs: its genesis has no zk_receipt_vkey');
    const stored = this.store.receipt(id);
    if (!stored) throw new TxExecutionError(`receipt ${id} is not settled on this chain`);
    if (proven.has(id) || this.store.receiptProof(id)) throw new TxExecutionError(`receipt ${id} is already proven`);
    const expected = receiptPublicSignals(stored.receipt);
    if (signals.length !== expected.length) throw new TxExecutionError(`public_signals must be the ${expected.length} signals ${ZK_PUBLIC_SIGNALS.join(', ')}`);
    const wrong = ZK_PUBLIC_SIGNALS.find((_, i) => signals[i] !== expected[i]);
    if (wrong) throw new TxExecutionError(`public signal ${wrong} is not receipt ${id}'s`);
    this.receiptVkey ??= prepareVerificationKey(this.genesis.zk_receipt_vkey);
    if (!verifyGroth16(this.receiptVkey, expected, proof)) throw new TxExecutionError(`the proof does not verify for receipt ${id}`);
    proven.add(id);
  }

  private provenInMempool(): Set<string> {
    return new Set(this.pending().flatMap((tx) => (tx.body.type === 'anchor_proof' ? [tx.body.receipt_id] : [])));
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
    const feeRecipient = this.nextFeeRecipient();
    for (const queued of this.mempool.fromSender(tx.body.from)) overlay.apply(queued, feeRecipient);
    try {
      // Only a settlement needs the receipts already waiting in the mempool.
      if (tx.body.type === 'settle') this.checkSettlement(tx, this.settledInMempool());
      if (tx.body.type === 'anchor_proof') this.checkAnchor(tx, this.provenInMempool());
      overlay.apply(tx, this.nextFeeRecipient());
    } catch (error) {
      if (error instanceof TxExecutionError) throw new TxRejectedError(error.message);
      throw error;
    }
    this.mempool.add(hash, tx);
    this.emit('tx', tx, hash);
    return hash;
  }

  /** Admission runs a transaction as the current slot's proposer would. */
  private nextFeeRecipient(): string {
    return addressFromPublicKey(base64urlDecode(proposerForSlot(slotOf(this.now(), this.genesis), this.genesis)));
  }

  /** Pauses or resumes proposing: a node that may be behind should not build on a stale head. */
  hold(paused: boolean): void {
    this.held = paused;
  }

  /** Proposes the next block from the mempool, if this node is the authority of the current slot. */
  produce(): Block | null {
    if (this.held || !this.authority || !this.authorityKey || this.mempool.size === 0) return null;
    const parent = this.head();
    const timestamp = this.now();
    const slot = slotOf(timestamp, this.genesis);
    if (proposerForSlot(slot, this.genesis) !== this.authorityKey || slot <= slotOf(parent.header.timestamp, this.genesis)) return null;
    const feeRecipient = addressFromPublicKey(base64urlDecode(this.authorityKey));
    const overlay = new StateOverlay(this.store);
    const included: SignedTx[] = [];
    const includedHashes: string[] = [];
    const settled = new Set<string>();
    const proven = new Set<string>();
    // Lowest nonce first per sender, so a sender's queued transactions land in order.
    for (const [hash, tx] of this.mempool.entries().sort(([, a], [, b]) => (a.body.from === b.body.from ? a.body.nonce - b.body.nonce : 0))) {
      try {
        this.checkSettlement(tx, settled);
        this.checkAnchor(tx, proven);
        overlay.apply(tx, feeRecipient);
        included.push(tx);
        includedHashes.push(hash);
      } catch (error) {
        if (!(error instanceof TxExecutionError)) throw error;
        this.mempool.delete(hash); // no longer valid (spent, replaced): drop it
      }
    }
    if (included.length === 0) return null;
    const header: BlockHeader = {
      height: parent.header.height + 1,
      parent_hash: parent.hash,
      timestamp,
      proposer: this.authorityKey,
      tx_root: merkleRoot(includedHashes),
      receipt_root: receiptRoot(blockReceipts({ txs: included })),
      state_root: overlay.root(),
    };
    const hash = blockHash(header);
    const block: Block = { header, hash, signature: signBlockHash(hash, this.authority.secretKey), txs: included };
    this.import(block);
    return block;
  }

  /** Checks a block can only be an authority's, in its slot: hash, schedule and signature. */
  private checkSealed(block: Block, reject: (reason: string) => never): void {
    const { header } = block;
    if (blockHash(header) !== block.hash) reject('hash does not match the header');
    if (header.proposer !== proposerForSlot(slotOf(header.timestamp, this.genesis), this.genesis)) reject('proposer is not the authority scheduled for the slot of its timestamp');
    if (!checkBlockSignature(block)) reject('the proposer signature does not verify');
    if (header.timestamp > this.now() + MAX_CLOCK_DRIFT_MS) reject('timestamp is in the future');
  }

  /** Validates a block on top of the head completely and stores it; throws BlockRejectedError with the reason. */
  import(block: Block): void {
    this.append(block);
    this.afterChainChange();
  }

  private append(block: Block): void {
    const reject = (reason: string): never => {
      throw new BlockRejectedError(`block ${block.header?.height}: ${reason}`);
    };
    const parent = this.head();
    const { header } = block;
    if (header.height !== parent.header.height + 1) reject(`height ${header.height} does not follow ${parent.header.height}`);
    if (header.parent_hash !== parent.hash) reject('parent_hash is not the hash of the current head');
    this.checkSealed(block, reject);
    if (slotOf(header.timestamp, this.genesis) <= slotOf(parent.header.timestamp, this.genesis)) reject('timestamp is not in a later slot than the parent');
    const hashes = block.txs.map((tx) => txHash(tx.body));
    if (merkleRoot(hashes) !== header.tx_root) reject('tx_root does not match the transactions');
    if (header.receipt_root !== receiptRoot(blockReceipts(block))) reject('receipt_root does not match the receipts');
    if (new Set(hashes).size !== hashes.length) reject('a transaction appears twice');
    const overlay = new StateOverlay(this.store);
    const settled = new Set<string>();
    const proven = new Set<string>();
    block.txs.forEach((tx, position) => {
      const shape = validateTxShape(tx);
      if (!shape.ok || tx.body.chain_id !== this.genesis.chain_id || !checkTxSignature(tx)) reject(`transaction ${position} is malformed or badly signed`);
      if (this.store.tx(hashes[position]!)) reject(`transaction ${position} was already included in an earlier block (replay)`);
      try {
        this.checkSettlement(tx, settled);
        this.checkAnchor(tx, proven);
        overlay.apply(tx, addressFromPublicKey(base64urlDecode(header.proposer)));
      } catch (error) {
        if (error instanceof TxExecutionError) reject(`transaction ${position} cannot run: ${error.message}`);
        throw error;
      }
    });
    if (overlay.root() !== header.state_root) reject('state_root does not match the state after executing the block');
    this.store.commit(block, hashes, overlay.changed);
    this.headBlock = block;
    this.side.delete(block.hash);
    for (const hash of hashes) this.mempool.delete(hash);
    this.emit('block', block);
  }

  /**
   * Takes a block from a peer, the RPC or sync. One that extends the head is imported; one on
   * another branch is kept, and when its branch becomes longer than this node's (and starts above
   * the final block) the node switches to it. 'missing-parent' asks the caller to sync.
   */
  receive(value: unknown): ReceiveOutcome {
    const block = value as Block;
    const shapeOk =
      typeof value === 'object' && value !== null && typeof block.hash === 'string' && typeof block.signature === 'string' && Array.isArray(block.txs) && typeof block.header === 'object' && block.header !== null && Number.isSafeInteger(block.header.height) && Number.isSafeInteger(block.header.timestamp);
    if (!shapeOk) throw new BlockRejectedError('a block is {header, hash, signature, txs}');
    if (this.store.heightOf(block.hash) !== null || this.side.has(block.hash)) return 'known';
    if (block.header.parent_hash === this.head().hash) {
      this.import(block);
      this.extendFromSide();
      return 'imported';
    }
    const reject = (reason: string): never => {
      throw new BlockRejectedError(`block ${block.header.height}: ${reason}`);
    };
    if (block.header.height <= this.finalBlock.height) reject(`it conflicts with final block ${this.finalBlock.height}`);
    this.checkSealed(block, reject);
    this.keepSide(block);
    const branch = this.branchTo(block);
    if (!branch) return 'missing-parent';
    if (branch.ancestor < this.finalBlock.height) {
      for (const member of branch.blocks) this.side.delete(member.hash);
      reject(`its branch leaves this chain at height ${branch.ancestor}, below final block ${this.finalBlock.height}`);
    }
    if (block.header.height <= this.head().header.height) return 'side';
    this.switchTo(branch.ancestor, branch.blocks);
    this.extendFromSide();
    return 'imported';
  }

  private keepSide(block: Block): void {
    this.side.set(block.hash, block);
    if (this.side.size <= SIDE_BLOCK_LIMIT) return;
    let lowest: Block | null = null;
    for (const candidate of this.side.values()) if (!lowest || candidate.header.height < lowest.header.height) lowest = candidate;
    this.side.delete(lowest!.hash);
  }

  /** The side blocks from `tip` back to this node's chain, or null when an ancestor is missing. */
  private branchTo(tip: Block): { ancestor: number; blocks: Block[] } | null {
    const blocks = [tip];
    for (;;) {
      const parentHash = blocks[0]!.header.parent_hash;
      const height = this.store.heightOf(parentHash);
      if (height !== null) return { ancestor: height, blocks };
      const parent = this.side.get(parentHash);
      if (!parent) return null;
      blocks.unshift(parent);
    }
  }

  /** Reverts this node's blocks above `ancestor` and imports `branch`; on a bad branch block, restores the old chain. */
  private switchTo(ancestor: number, branch: Block[]): void {
    const revertTo = (height: number): Block[] => {
      const reverted: Block[] = [];
      while (this.headBlock.header.height > height) {
        reverted.unshift(this.store.revertHead());
        this.headBlock = this.store.head()!;
      }
      return reverted;
    };
    const reverted = revertTo(ancestor);
    try {
      for (const block of branch) this.append(block);
    } catch (error) {
      revertTo(ancestor);
      for (const block of reverted) this.append(block);
      for (const block of branch) this.side.delete(block.hash);
      throw error;
    }
    for (const block of reverted) this.keepSide(block);
    this.emit('reorg', { ancestor, reverted });
    // Their transactions go back to the mempool if they still can run.
    for (const tx of reverted.flatMap((block) => block.txs)) {
      try {
        this.submit(tx);
      } catch {
        // included in the new branch, or no longer valid
      }
    }
    this.afterChainChange();
  }

  /** Imports side blocks that now extend the head (they arrived before their parent). */
  private extendFromSide(): void {
    for (let next = this.childOfHead(); next; next = this.childOfHead()) {
      try {
        this.import(next);
      } catch (error) {
        this.side.delete(next.hash);
        if (!(error instanceof BlockRejectedError)) throw error;
      }
    }
  }

  private childOfHead(): Block | undefined {
    for (const block of this.side.values()) if (block.header.parent_hash === this.headBlock.hash) return block;
    return undefined;
  }

  private onChain(vote: Vote): boolean {
    return this.store.hashAt(vote.height) === vote.hash;
  }

  /**
   * Records an authority's vote if it is valid and newer than its last one; returns whether it
   * was new. Votes may arrive before their block: they count once the block is on this chain.
   */
  addVote(value: unknown): boolean {
    if (!checkVote(value, this.genesis)) return false;
    const previous = this.latestVotes.get(value.authority);
    if (previous && previous.height >= value.height) return false;
    const vote: Vote = { authority: value.authority, height: value.height, hash: value.hash, signature: value.signature };
    this.store.putVote(vote);
    this.latestVotes.set(vote.authority, vote);
    this.emit('vote', vote);
    this.updateFinality();
    return true;
  }

  /**
   * An authority votes for its head. Its votes only ever extend its previous vote, so no two
   * conflicting blocks can both gather votes from more than two thirds; it may leave a vote's
   * branch only once that vote can no longer reach the threshold (enough authorities have voted
   * on this chain at or above its height). Returns whether it voted (the vote updated finality).
   */
  private castVote(): boolean {
    if (!this.authority || !this.authorityKey) return false;
    const head = this.headBlock;
    if (head.header.height === 0) return false;
    const mine = this.latestVotes.get(this.authorityKey);
    if (mine && mine.height >= head.header.height) return false;
    if (mine && !this.onChain(mine)) {
      const n = this.genesis.authorities.length;
      const against = this.votes().filter((vote) => vote.authority !== this.authorityKey && vote.height >= mine.height && this.onChain(vote)).length;
      if (against < n - finalityThreshold(n) + 1) return false;
    }
    return this.addVote(signVote(this.genesis.chain_id, head.header.height, head.hash, this.authorityKey, this.authority.secretKey));
  }

  /** The highest block on this chain that more than two thirds of the authorities voted for (or for a descendant). */
  private updateFinality(): void {
    const heights = this.votes()
      .filter((vote) => this.onChain(vote))
      .map((vote) => vote.height)
      .sort((a, b) => b - a);
    const needed = finalityThreshold(this.genesis.authorities.length);
    const height = Math.min(heights[needed - 1] ?? 0, this.headBlock.header.height);
    if (height <= this.finalBlock.height) return;
    this.finalBlock = { height, hash: this.store.hashAt(height)! };
    this.store.setMeta('finalized_height', String(height));
    this.store.dropUndoThrough(height);
    for (const [hash, block] of this.side) if (block.header.height <= height) this.side.delete(hash);
    this.emit('finalized', this.finalBlock);
  }

  private afterChainChange(): void {
    if (!this.castVote()) this.updateFinality();
  }

  /** Proposes in this node's slots while there is work; checks a few times per slot. */
  start(onBlock: (block: Block) => void = () => undefined): void {
    if (this.timer) return;
    const tick = Math.max(10, Math.min(250, Math.floor(this.genesis.block_interval_ms / 4)));
    this.timer = setInterval(() => {
      const block = this.produce();
      if (block) onBlock(block);
    }, tick);
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
