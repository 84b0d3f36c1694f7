// Running transactions on state, the same way at admission, in block production and in block
// import: first the unbondings due at the block's height go back to their addresses; then, for
// each transaction, the type's checks against the chain and against what the transactions ahead
// of it claimed, the sender pays (common.ts), and the type applies its other changes.

import { prepareVerificationKey, type PreparedVerificationKey } from '@aitbc/protocol/zk';
import type { Genesis } from '../genesis.ts';
import { StateOverlay, type StateReader } from '../state.ts';
import { txHash, type SignedTx } from '../tx.ts';
import { VerifiedSignatures } from '../verified-signatures.ts';
import { chargeSender } from './common.ts';
import { txType } from './registry.ts';
import type { Claims, TxEnvironment } from './types.ts';

/** A node's environment for transaction checks; the verification key is parsed on first use. */
export function txEnvironment(store: TxEnvironment['store'], genesis: Genesis): TxEnvironment {
  let vkey: PreparedVerificationKey | null | undefined;
  return {
    genesis,
    store,
    signatures: new VerifiedSignatures(),
    receiptVkey: () => (vkey === undefined ? (vkey = genesis.zk_receipt_vkey ? prepareVerificationKey(genesis.zk_receipt_vkey) : null) : vkey),
  };
}

const NOTHING_CLAIMED: Claims = { has: () => false };

/** Runs transactions in order on one state overlay, as a block does. */
export class TxRunner {
  readonly overlay: StateOverlay;
  private readonly claimed = new Set<string>();
  /** The claims of the transactions run so far and of those ahead of them (the mempool's, at admission). */
  private readonly claims: Claims;

  constructor(
    state: StateReader,
    private readonly environment: TxEnvironment,
    /** The block's proposer, who gets the fees. */
    private readonly feeRecipient: string,
    /** The block's height. */
    private readonly height: number,
    ahead: Claims = NOTHING_CLAIMED,
  ) {
    this.overlay = new StateOverlay(state);
    this.overlay.releaseDue(height);
    this.claims = { has: (claim) => this.claimed.has(claim) || ahead.has(claim) };
  }

  /** Runs a well-formed transaction, or throws TxRejectedError and leaves the state as it was. */
  run(tx: SignedTx): void {
    const kind = txType(tx.body);
    kind.check(tx.body, this.environment, this.claims, this.overlay);
    chargeSender(this.overlay, tx.body, kind.credits(tx.body), this.feeRecipient, kind.locks?.(tx.body));
    kind.apply?.(tx.body, this.overlay, { height: this.height, hash: txHash(tx.body) }, this.environment);
    for (const claim of kind.claims(tx.body)) this.claimed.add(claim);
  }

  /** Only the payment, for a transaction checked before (a sender's queue at admission). */
  pay(tx: SignedTx): void {
    const kind = txType(tx.body);
    chargeSender(this.overlay, tx.body, kind.credits(tx.body), this.feeRecipient, kind.locks?.(tx.body));
  }
}
