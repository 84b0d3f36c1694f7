// A chain node: starts from genesis, admits signed transactions into its mempool (admission.ts),
// proposes blocks in its own slots when it is an authority (block-production.ts), votes for its
// head and tracks finality (finality.ts), and follows the network's longest branch above the
// last final block (fork-choice.ts). Every block it stores from elsewhere (a peer, sync, the RPC)
// goes through full validation (block-validation.ts); its own is stored with the state its
// production computed with the same transaction runner (block-production.ts). This class composes them and emits the events.

import { EventEmitter } from 'node:events';
import { STATE_TREE_VERSION, addressFromPublicKey, base64urlDecode, base64urlEncode, formatAmount, parseAmount, publicKeyFromSecret, type KeyPair } from '@aitbc/protocol';
import { admit } from './admission.ts';
import { blockHash, type Block, type BlockHeader } from './block.ts';
import { mayPropose, proposeBlock } from './block-production.ts';
import { checkBlockShape, validateBlock, type ValidatedBlock } from './block-validation.ts';
import { proposerForSlot, slotOf, type Authority, type Vote } from './consensus.ts';
import { BlockRejectedError, TxRejectedError } from './errors.ts';
import { Finality, type FinalBlock } from './finality.ts';
import { ForkChoice, type Branch } from './fork-choice.ts';
import { genesisHash, type Genesis } from './genesis.ts';
import { EMPTY_ROOT } from './merkle.ts';
import { Mempool } from './mempool.ts';
import { checkSignaturesAhead } from './signatures-ahead.ts';
import { StateOverlay } from './state.ts';
import type { ChainStore } from './store/chain-store.ts';
import type { SignedTx } from './tx.ts';
import { txEnvironment } from './txs/execute.ts';
import type { TxEnvironment } from './txs/types.ts';

export { MEMPOOL_LIMIT } from './admission.ts';
export { MAX_CLOCK_DRIFT_MS } from './block-validation.ts';
export { SIDE_BLOCK_LIMIT } from './fork-choice.ts';
export type { FinalBlock } from './finality.ts';

/** What became of a block handed to `receive`. */
export type ReceiveOutcome = 'imported' | 'known' | 'side' | 'missing-parent';

/**
 * Events: 'tx' (tx, hash) admitted to the mempool; 'block' (block) added to this node's chain;
 * 'reorg' ({ ancestor, reverted }) blocks above `ancestor` replaced by a longer branch; 'vote'
 * (vote) a new latest vote of an authority; 'finalized' (FinalBlock); 'listener_error' (error,
 * event) a listener threw (see `emit`).
 */
export class ChainNode extends EventEmitter {
  private readonly mempool = new Mempool();
  private readonly environment: TxEnvironment;
  private readonly forkChoice: ForkChoice;
  private readonly finality: Finality;
  private timer: NodeJS.Timeout | null = null;
  /** Production paused (while a restarted node catches up with its peers). */
  private held = false;
  /** The stored head, kept in memory: admission and production consult it constantly. */
  private headBlock: Block;
  private readonly authority: Authority | null;
  /** This node's authority public key (base64url), if it is one. */
  readonly authorityKey: string | null;

  constructor(
    readonly store: ChainStore,
    readonly genesis: Genesis,
    authorityKeys: KeyPair | null = null,
    private readonly now: () => number = () => Date.now(),
  ) {
    super();
    const expected = genesisHash(genesis);
    const stored = store.getMeta('genesis_hash');
    if (stored && stored !== expected) throw new Error(`this database belongs to another genesis (${stored}); use a fresh --data-dir for this chain`);
    // Its blocks' state roots follow an older definition this version cannot check (README, "The chain").
    if (store.head() && store.getMeta('state_tree') !== STATE_TREE_VERSION) {
      throw new Error(`this chain database was made by an older AITBC version whose state roots are not ${STATE_TREE_VERSION} state-tree roots; its blocks cannot be checked: move it aside and start with a fresh --data-dir (every node of the network must upgrade and start the chain again from its genesis)`);
    }
    if (!store.head()) this.writeGenesisBlock(expected);
    this.headBlock = store.head()!;
    this.environment = txEnvironment(store, genesis);
    this.finality = new Finality(store, genesis);
    this.forkChoice = new ForkChoice(store, genesis, { head: () => this.headBlock, finalized: () => this.finalized(), append: (block) => this.append(block), revertTo: (height) => this.revertTo(height) }, now);
    this.authorityKey = authorityKeys ? base64urlEncode(publicKeyFromSecret(authorityKeys.secretKey)) : null;
    this.authority = authorityKeys && this.authorityKey ? { keys: authorityKeys, publicKey: this.authorityKey } : null;
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
    this.store.commit({ header, hash: blockHash(header), signature: '', txs: [] }, [], overlay);
    this.store.setMeta('genesis_hash', hash);
    this.store.setMeta('state_tree', STATE_TREE_VERSION);
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
    return this.finality.finalized();
  }

  /** Each authority's latest vote known here. */
  votes(): Vote[] {
    return this.finality.votes();
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

  /** Admits a transaction to the mempool and returns its hash, or throws TxRejectedError with the code and reason. */
  submit(value: unknown): string {
    // Run it as the current slot's proposer would.
    const feeRecipient = this.addressOfAuthority(proposerForSlot(slotOf(this.now(), this.genesis), this.genesis));
    const head = { hash: this.headBlock.hash, height: this.headBlock.header.height };
    const { tx, hash, senderAfter } = admit(value, this.mempool, this.store, this.environment, feeRecipient, head);
    this.mempool.add(hash, tx, { head: head.hash, account: senderAfter });
    this.emit('tx', tx, hash);
    return hash;
  }

  /**
   * Admits many transactions, their signatures checked on worker threads first
   * (signatures-ahead.ts): for each, in order, its hash or the TxRejectedError that refused it.
   */
  async submitMany(values: readonly unknown[]): Promise<(string | TxRejectedError)[]> {
    await this.checkSignaturesAhead(values);
    return values.map((value) => {
      try {
        return this.submit(value);
      } catch (error) {
        if (error instanceof TxRejectedError) return error;
        throw error;
      }
    });
  }

  /** Verifies transactions' signatures on worker threads, so admitting or importing them later skips that work. */
  checkSignaturesAhead(txs: readonly unknown[]): Promise<void> {
    return checkSignaturesAhead(txs, this.environment.signatures);
  }

  /** Authorities' addresses by key, derived once (each admission names the slot's proposer). */
  private readonly authorityAddresses = new Map<string, string>();
  private addressOfAuthority(publicKey: string): string {
    let address = this.authorityAddresses.get(publicKey);
    if (!address) this.authorityAddresses.set(publicKey, (address = addressFromPublicKey(base64urlDecode(publicKey))));
    return address;
  }

  /** Pauses or resumes proposing: a node that may be behind should not build on a stale head. */
  hold(paused: boolean): void {
    this.held = paused;
  }

  /** Proposes the next block from the mempool, if this node is the authority of the current slot. */
  produce(): Block | null {
    if (this.held || !this.authority || this.mempool.size === 0) return null;
    const timestamp = this.now();
    if (!mayPropose(this.authority, this.headBlock, timestamp, this.genesis)) return null;
    const { block, validated, dropped } = proposeBlock(this.authority, this.headBlock, timestamp, this.mempool.entries(), this.store, this.environment);
    for (const hash of dropped) this.mempool.delete(hash); // no longer valid (spent, replaced)
    if (block && validated) {
      this.append(block, validated);
      this.afterChainChange();
    }
    return block;
  }

  /** Validates a block on top of the head completely and stores it; throws BlockRejectedError with the code and reason. */
  import(block: Block): void {
    this.append(block);
    this.afterChainChange();
  }

  /** `validated`: the node's own block, with what its production computed. */
  private append(block: Block, validated?: ValidatedBlock): void {
    const { txHashes, changes } = validated ?? validateBlock(block, this.headBlock, this.store, this.environment, this.now());
    this.store.commit(block, txHashes, changes);
    this.headBlock = block;
    this.forkChoice.forget(block.hash);
    for (const hash of txHashes) this.mempool.delete(hash);
    this.emit('block', block);
  }

  private revertTo(height: number): Block[] {
    const reverted: Block[] = [];
    while (this.headBlock.header.height > height) {
      reverted.unshift(this.store.revertHead());
      this.headBlock = this.store.head()!;
    }
    return reverted;
  }

  /**
   * Takes a block from a peer, the RPC or sync. One that extends the head is imported; one on
   * another branch is kept, and when its branch becomes longer than this node's (and starts above
   * the final block) the node switches to it. 'missing-parent' asks the caller to sync.
   */
  receive(value: unknown): ReceiveOutcome {
    const block = checkBlockShape(value);
    if (this.store.heightOf(block.hash) !== null || this.forkChoice.has(block.hash)) return 'known';
    if (block.header.parent_hash === this.headBlock.hash) {
      this.import(block);
    } else {
      const placed = this.forkChoice.place(block);
      if (placed === 'side' || placed === 'missing-parent') return placed;
      this.reorg(placed);
    }
    this.extendFromSide();
    return 'imported';
  }

  private reorg(branch: Branch): void {
    const reverted = this.forkChoice.switchTo(branch);
    this.emit('reorg', { ancestor: branch.ancestor, reverted });
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

  /** Imports kept blocks that now extend the head (they arrived before their parent). */
  private extendFromSide(): void {
    for (let next = this.forkChoice.childOf(this.headBlock.hash); next; next = this.forkChoice.childOf(this.headBlock.hash)) {
      try {
        this.import(next);
      } catch (error) {
        this.forkChoice.forget(next.hash);
        if (!(error instanceof BlockRejectedError)) throw error;
      }
    }
  }

  /** Records an authority's vote if it is valid and newer than its last one; returns whether it was new. */
  addVote(value: unknown): boolean {
    const vote = this.finality.record(value);
    if (!vote) return false;
    this.emit('vote', vote);
    this.updateFinality();
    return true;
  }

  private updateFinality(): void {
    const final = this.finality.advance(this.headBlock.header.height);
    if (!final) return;
    this.forkChoice.pruneThrough(final.height);
    this.emit('finalized', final);
  }

  /** An authority votes for its new head (which updates finality); any node re-counts the votes. */
  private afterChainChange(): void {
    const vote = this.authority && this.finality.voteFor(this.headBlock, this.authority);
    if (!vote || !this.addVote(vote)) this.updateFinality();
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
