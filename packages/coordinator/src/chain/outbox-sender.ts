// Sends the clearing key's transactions (settlement batches, withdrawals and slashes) from the outbox, one
// at a time in nonce order: a row is signed and stored with its nonce before it is sent, and the
// next row is signed only once the previous one is final (or refused). So a crash re-sends the
// identical transaction, never a second one, and no two transactions that could both land ever
// share a nonce. The price: one coordinator transaction per block (a settlement carries up to 500
// receipts). A nonce is given again only after the node refused the transaction holding it, which
// therefore never entered a mempool.

import { formatAmount, parseAmount } from '@aitbc/protocol';
import { signTx, txHash, type SettleBody, type SignedTx, type SlashBody, type TransferBody, type TxRefusal } from '@aitbc/chain';
import type { ChainSlash } from './chain-client.ts';
import type { CoordinatorStore, OutboxRecord } from '../store/store.ts';
import type { ChainClient } from './chain-client.ts';
import type { ChainLog } from './chain-service.ts';

export interface OutboxSenderOptions {
  chainId: string;
  clearingAddress: string;
  /** The coordinator's key: its address is the clearing address, and genesis lists it as a coordinator. */
  secretKey: Uint8Array;
  now: () => number;
  log: ChainLog;
}

export class OutboxSender {
  constructor(
    private readonly store: CoordinatorStore,
    private readonly chain: ChainClient,
    private readonly options: OutboxSenderOptions,
  ) {}

  /** One move of the state machine; false when there is nothing to do until the chain moves. */
  async step(): Promise<boolean> {
    const [inFlight] = await this.store.listOutbox(['pending', 'sent'], 1);
    if (inFlight) return this.advance(inFlight);
    const [next] = await this.store.listOutbox(['queued'], 1);
    if (!next) return false;
    const signed = await this.sign(next);
    return signed ? this.send({ ...next, ...signed, state: 'pending' }) : true;
  }

  private async advance(row: OutboxRecord): Promise<boolean> {
    if (row.state === 'sent') {
      const view = await this.chain.tx(row.txHash!);
      if (view?.status === 'included' && view.final) {
        // Into the books only once the deposit watcher has read its block too (it reads first in
        // the next pass), so the books never run ahead of the blocks they include: the operator's
        // comparison with the clearing balance at that height stays exact (ChainService.overview).
        if (view.block_height! >= (await this.store.chainCursor())) return false;
        await this.store.finalizeOutbox(row.outboxId, view.block_height!, this.options.now(), row.kind === 'slash' ? await this.slashCredit(row) : 0n);
        this.options.log.info({ outbox_id: row.outboxId, kind: row.kind, tx_hash: row.txHash, block_height: view.block_height, amount: formatAmount(row.amountMicro) }, 'chain transaction final');
        return true;
      }
      if (view) return false;
      // The node no longer has it (it restarted and lost its mempool, or dropped it): the same bytes again.
    }
    return this.send(row);
  }

  private async sign(row: OutboxRecord): Promise<{ nonce: number; txHash: string; txJson: string } | null> {
    const { nonce: chainNonce } = await this.chain.account(this.options.clearingAddress);
    const last = await this.store.lastNonce();
    const nonce = Math.max(chainNonce, last === null ? 0 : last + 1);
    const body = row.kind === 'withdraw' ? this.withdrawBody(row, nonce) : row.kind === 'slash' ? await this.slashBody(row, nonce) : await this.settleBody(row, nonce);
    if (!body) {
      await this.store.failOutbox(row.outboxId, 'PAYMENT_FAILED', row.kind === 'slash' ? 'the slash has no evidence stored' : 'the batch has no receipts left to settle', this.options.now());
      return null;
    }
    const tx = signTx(body, this.options.secretKey);
    const signed = { nonce, txHash: txHash(tx.body), txJson: JSON.stringify(tx) };
    await this.store.signOutbox(row.outboxId, signed, this.options.now());
    return signed;
  }

  private withdrawBody(row: OutboxRecord, nonce: number): Omit<TransferBody, 'from' | 'public_key'> {
    return { type: 'transfer', chain_id: this.options.chainId, to: row.toAddress!, amount: formatAmount(row.amountMicro), fee: '0', nonce, memo: `aitbc withdrawal ${row.outboxId}` };
  }

  private async slashBody(row: OutboxRecord, nonce: number): Promise<Omit<SlashBody, 'from' | 'public_key'> | null> {
    const slash = await this.store.slashOf(row.outboxId);
    if (!slash) return null;
    return { type: 'slash', chain_id: this.options.chainId, fee: '0', nonce, miner_key: slash.minerKey, ...slash.evidence, beneficiary: this.options.clearingAddress };
  }

  /** What the final slash paid the clearing address as beneficiary: the harmed client's credit. */
  private async slashCredit(row: OutboxRecord, known?: ChainSlash): Promise<bigint> {
    const slash = known ?? (await this.chain.slash((await this.store.slashOf(row.outboxId))!.receiptId));
    if (!slash || slash.beneficiary !== this.options.clearingAddress) return 0n;
    return slash.payouts.filter((payout) => payout.role === 'beneficiary' && payout.address === this.options.clearingAddress).reduce((sum, payout) => sum + parseAmount(payout.amount), 0n);
  }

  /**
   * The receipts as co-signed, for each miner the key its receipts were signed with (kept with
   * each receipt when it was accepted; a batch holds one key per miner), and exactly one payout
   * per provider, sorted by address.
   */
  private async settleBody(row: OutboxRecord, nonce: number): Promise<Omit<SettleBody, 'from' | 'public_key'> | null> {
    const receipts = await this.store.settlementReceipts(row.outboxId);
    if (receipts.length === 0) return null;
    const minerKeys: Record<string, string> = {};
    const owed = new Map<string, bigint>();
    for (const { receipt, minerKey } of receipts) {
      if (!(receipt.miner_id in minerKeys)) {
        // Only receipts from before keys were kept lack one: the miner's registered key then.
        const key = minerKey ?? (await this.store.getMiner(receipt.miner_id))?.publicKey;
        if (key) minerKeys[receipt.miner_id] = key;
      }
      owed.set(receipt.provider, (owed.get(receipt.provider) ?? 0n) + parseAmount(receipt.price));
    }
    const payouts = [...owed].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)).map(([address, amount]) => ({ address, amount: formatAmount(amount) }));
    return { type: 'settle', chain_id: this.options.chainId, fee: '0', nonce, miner_keys: minerKeys, receipts: receipts.map((stored) => stored.receipt), payouts };
  }

  private async send(row: OutboxRecord): Promise<boolean> {
    const tx = JSON.parse(row.txJson!) as SignedTx;
    const outcome = await this.chain.submit(tx);
    // The node already holds it (pending or included): as good as accepted.
    if (outcome.kind === 'accepted' || outcome.refusal?.error_code === 'CHAIN_TX_ALREADY_KNOWN') {
      await this.store.markOutboxSent(row.outboxId, this.options.now());
      return true;
    }
    await this.refused(row, outcome.reason, outcome.refusal);
    return true;
  }

  /** Acts on the refusal's code and context (docs/API.md, "Chain refusals"); the reason is kept for the operator. */
  private async refused(row: OutboxRecord, reason: string, refusal: TxRefusal | null): Promise<void> {
    const now = this.options.now();
    const log = this.options.log;
    if (row.kind === 'settle' && refusal?.error_code === 'CHAIN_TX_RECEIPT_ALREADY_SETTLED') {
      // RECEIPT_ALREADY_CLAIMED on chain: those receipts were paid; the others go into a new batch.
      const onChain: string[] = [];
      for (const stored of await this.store.settlementReceipts(row.outboxId)) if (await this.chain.receipt(stored.receiptId)) onChain.push(stored.receiptId);
      await this.store.resolveDuplicate(row.outboxId, onChain, reason, now);
      log.warn({ outbox_id: row.outboxId, error_code: 'RECEIPT_ALREADY_CLAIMED', already_settled: onChain.length, reason }, 'settlement refused as a duplicate: receipts already on chain count as settled');
      return;
    }
    if (row.kind === 'slash' && refusal?.error_code === 'CHAIN_TX_ALREADY_SLASHED') {
      // Slashed already (by an earlier transaction of this key): done, crediting what that slash paid us once it is final.
      const slash = await this.chain.slash(refusal.context.receipt_id);
      const head = await this.chain.head();
      if (slash && slash.block_height > head.finalized_height) return; // asked again once that block is final
      if (slash) {
        // Ours never ran: the row keeps the earlier transaction's hash and gives its nonce up.
        await this.store.finalizeOutbox(row.outboxId, slash.block_height, now, await this.slashCredit(row, slash), slash.tx_hash);
        log.warn({ outbox_id: row.outboxId, receipt_id: refusal.context.receipt_id, tx_hash: slash.tx_hash, reason }, 'slash refused as already slashed: the earlier slash counts');
        return;
      }
    }
    if (refusal?.error_code === 'CHAIN_TX_INVALID_NONCE') {
      // This exact transaction can never run; its content is signed again with the chain's next nonce.
      await this.store.unsignOutbox(row.outboxId, reason, now);
      log.warn({ outbox_id: row.outboxId, nonce: row.nonce, reason }, 'chain refused the nonce; signing again');
      return;
    }
    if (row.kind === 'settle' && refusal?.error_code === 'CHAIN_TX_RECEIPT_INVALID' && (await this.setAsideRefusedReceipt(row, refusal.context.receipt_id, reason))) return;
    // A slash keeps the chain's code (CHAIN_TX_SLASH_NOTHING_BONDED, …): no money of the books moved.
    await this.store.failOutbox(row.outboxId, row.kind === 'slash' ? (refusal?.error_code ?? 'PAYMENT_FAILED') : 'PAYMENT_FAILED', reason, now);
    const consequence = { withdraw: 'withdrawal refused by the chain; refunded to available', settle: 'settlement refused by the chain; its receipts stay unsettled (GET /v1/admin/chain)', slash: 'slash refused by the chain; nothing moved (GET /v1/admin/chain)' };
    log.error({ outbox_id: row.outboxId, kind: row.kind, error_code: 'PAYMENT_FAILED', chain_error_code: refusal?.error_code, reason }, consequence[row.kind]);
  }

  /**
   * The node names the receipt it refuses (its context's receipt_id): that one receipt is set
   * aside as a failed settlement of its own (PAYMENT_FAILED, listed by GET /v1/admin/chain,
   * retryable by an operator) and the rest of the batch is signed again, so one bad receipt never
   * blocks the others. False when it is not a receipt of this batch, or the batch holds only it.
   */
  private async setAsideRefusedReceipt(row: OutboxRecord, receiptId: string, reason: string): Promise<boolean> {
    const receipts = await this.store.settlementReceipts(row.outboxId);
    const named = receipts.find((stored) => stored.receiptId === receiptId);
    if (!named || receipts.length < 2) return false;
    const refusedId = await this.store.refuseSettlementReceipt(row.outboxId, named.receiptId, 'PAYMENT_FAILED', reason, this.options.now());
    if (refusedId === null) return false;
    this.options.log.error(
      { outbox_id: refusedId, from_outbox_id: row.outboxId, receipt_id: named.receiptId, miner_id: named.minerId, error_code: 'PAYMENT_FAILED', reason },
      'the chain refused one receipt of a settlement: set aside (GET /v1/admin/chain); the rest of the batch is signed again',
    );
    return true;
  }
}
