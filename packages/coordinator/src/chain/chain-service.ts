// The coordinator's link to its chain (only with --chain-url): a background loop that credits
// deposits from final blocks, groups completed receipts into settlement batches and moves the
// outbox along; plus withdrawals and the operator's view. When the node is down the loop keeps
// trying: nothing is lost, batches wait in the database and go out when it is back.

import type { FastifyBaseLogger } from 'fastify';
import { ApiError, addressFromPublicKey, formatAmount, isValidAddress, parseAmount, publicKeyFromSecret } from '@aitbc/protocol';
import type { CoordinatorConfig } from '../config.ts';
import type { ChainBooksSnapshot, CoordinatorStore, OutboxRecord } from '../store/store.ts';
import { ChainClient } from './chain-client.ts';
import { DepositWatcher } from './deposit-watcher.ts';
import { OutboxSender } from './outbox-sender.ts';
import { Slasher } from './slasher.ts';
import { parseMoneyField } from '../services/jobs.ts';
import type { DutyLease } from '../services/duty-lease.ts';

export type ChainStatus = 'ok' | 'unreachable';

/** Where the chain loop reports: the app's logger, or a silent one for one-off checks. */
export type ChainLog = Pick<FastifyBaseLogger, 'info' | 'warn' | 'error'>;

/** How many outbox moves one tick may make (each waits for the node). */
const STEPS_PER_TICK = 20;

export interface ChainOverview extends ChainBooksSnapshot {
  chainUrl: string;
  clearingAddress: string;
  status: ChainStatus;
  onChainBalanceMicro: bigint | null;
  /** The block the balance is read at: the last final block the books include. */
  onChainHeight: number;
  /** Why the balance could not be read (the node's own words), or null. */
  problem: string | null;
}

export class ChainService {
  readonly client: ChainClient;
  readonly clearingAddress: string;
  private readonly watcher: DepositWatcher;
  private readonly sender: OutboxSender;
  /** Queues slashes of miners that fail checks (the verification service reports to it). */
  readonly slasher: Slasher;
  private statusNow: ChainStatus = 'unreachable';
  private timer: NodeJS.Timeout | null = null;
  /** The tick under way: ticks never overlap, so the outbox has one sender. */
  private running: Promise<void> | null = null;
  private tickAgain = false;
  private stopped = false;

  constructor(
    private readonly store: CoordinatorStore,
    private readonly config: CoordinatorConfig,
    secretKey: Uint8Array,
    private readonly log: ChainLog,
    /** Deposits, batches and the outbox are this process's to run only while it holds this (absent: it is the only process, e.g. `check-ledger` reading the books). */
    private readonly duty: DutyLease | null = null,
  ) {
    this.client = new ChainClient(config.chainUrl!, config.chainTimeoutMs);
    this.clearingAddress = addressFromPublicKey(publicKeyFromSecret(secretKey));
    this.watcher = new DepositWatcher(store, this.client, this.clearingAddress, config.now);
    this.sender = new OutboxSender(store, this.client, { chainId: config.chainId, clearingAddress: this.clearingAddress, secretKey, now: config.now, log });
    this.slasher = new Slasher(store, config.now, log, () => void this.tick());
  }

  get status(): ChainStatus {
    return this.statusNow;
  }

  /** Checks the node serves our chain (when it answers), runs one tick, then ticks every chainPollMs. */
  async start(): Promise<void> {
    this.stopped = false;
    try {
      const head = await this.client.head();
      if (head.chain_id !== this.config.chainId) {
        throw new Error(`the chain node at ${this.client.url} serves chain ${head.chain_id}, but this coordinator settles on ${this.config.chainId} (--chain-id)`);
      }
    } catch (error) {
      if (!(error instanceof ApiError)) throw error;
      this.log.warn({ chain_url: this.client.url }, 'chain node unreachable at start; deposits and settlements wait for it');
    }
    await this.tick();
    this.schedule();
  }

  private schedule(): void {
    if (this.stopped) return;
    this.timer = setTimeout(() => void this.tick().finally(() => this.schedule()), this.config.chainPollMs);
    this.timer.unref();
  }

  async stop(): Promise<void> {
    this.stopped = true;
    if (this.timer) clearTimeout(this.timer);
    await this.running;
    await this.duty?.release().catch((error: unknown) => this.log.warn({ err: error }, 'releasing the chain duty failed; it passes on when its lease runs out'));
  }

  /** Runs a pass now, or once more right after the one under way. */
  tick(): Promise<void> {
    if (this.running) {
      this.tickAgain = true;
      return this.running;
    }
    this.running = this.pass().finally(() => {
      this.running = null;
      if (this.tickAgain && !this.stopped) {
        this.tickAgain = false;
        void this.tick();
      }
    });
    return this.running;
  }

  /** One pass: batch receipts (database only), then deposits and the outbox (need the node). */
  private async pass(): Promise<void> {
    try {
      if (this.duty && !(await this.duty.held())) {
        // Another coordinator on this database sends to the chain; this one only watches the node.
        await this.client.head();
        this.setStatus('ok');
        return;
      }
      const now = this.config.now();
      while (await this.store.queueSettlement({ maxReceipts: this.config.settleBatchMax, olderThan: now - this.config.settleWaitMs }, now));
      const deposits = await this.watcher.scanOnce();
      if (deposits.credited + deposits.unmatched > 0) this.log.info(deposits, 'deposits recorded');
      if (deposits.unmatched > 0) this.log.warn({ unmatched: deposits.unmatched }, 'deposits whose memo names no account: kept for an operator (GET /v1/admin/chain)');
      for (let step = 0; step < STEPS_PER_TICK && !this.stopped && (await this.sender.step()); step++);
      this.setStatus('ok');
    } catch (error) {
      if (error instanceof ApiError && error.code === 'SYSTEM_UPSTREAM_ERROR') this.setStatus('unreachable', error.message);
      else this.log.error({ err: error }, 'chain tick failed');
    }
  }

  private setStatus(status: ChainStatus, detail?: string): void {
    if (status !== this.statusNow) {
      if (status === 'ok') this.log.info({ chain_url: this.client.url }, 'chain node reachable');
      else this.log.warn({ chain_url: this.client.url, detail }, 'chain node unreachable; will keep trying');
    }
    this.statusNow = status;
  }

  /** Queues a withdrawal: 502 when the node is unreachable (nothing moves), 402 when it does not fit. */
  async withdraw(account: string, input: { to: string; amount: string }): Promise<{ withdrawal: OutboxRecord; availableMicro: bigint }> {
    if (!isValidAddress(input.to)) throw new ApiError('VALIDATION_INVALID_FORMAT', `Field 'to' must be an ait1… address (got ${JSON.stringify(input.to).slice(0, 80)})`, { field: 'to' });
    if (input.to === this.clearingAddress) throw new ApiError('VALIDATION_INVALID_FORMAT', "Field 'to' is this coordinator's own clearing address; withdraw to an address of yours", { field: 'to' });
    const amountMicro = parseMoneyField(input.amount, 'amount');
    if (amountMicro <= 0n) throw new ApiError('VALIDATION_OUT_OF_RANGE', "Field 'amount' must be more than 0", { field: 'amount' });
    await this.client.head();
    const outcome = await this.store.requestWithdrawal({ account, toAddress: input.to, amountMicro }, this.config.now());
    if (outcome.kind === 'insufficient_balance') {
      throw new ApiError('PAYMENT_INSUFFICIENT_BALANCE', `Account ${account} has ${formatAmount(outcome.availableMicro)} AITBC available; the withdrawal needs ${formatAmount(amountMicro)}`);
    }
    void this.tick();
    return { withdrawal: outcome.withdrawal, availableMicro: outcome.balance.availableMicro };
  }

  /** An operator retries a refused settlement: its receipts go into the next batch. */
  async retrySettlement(outboxId: number): Promise<OutboxRecord> {
    if (!(await this.store.retryFailedSettlement(outboxId, this.config.now()))) {
      throw new ApiError('VALIDATION_INVALID_FORMAT', `Outbox entry ${outboxId} is not a failed settlement`, { field: 'outbox_id' });
    }
    return (await this.store.getOutbox(outboxId))!;
  }

  /**
   * The books and the clearing balance at the last final block they have read (deposit cursor − 1),
   * so a deposit or settlement in a later block shows on neither side yet; the balance is null while
   * the node is unreachable. The books, the cursor and the outbox come from one snapshot.
   */
  async overview(): Promise<ChainOverview> {
    const snapshot = await this.store.chainBooks(100);
    const height = Math.max(snapshot.depositCursor - 1, 0);
    let onChainBalanceMicro: bigint | null = null;
    let problem: string | null = null;
    try {
      onChainBalanceMicro = await this.client.balanceAt(this.clearingAddress, height);
      this.setStatus('ok');
    } catch (error) {
      if (!(error instanceof ApiError)) throw error;
      problem = error.message;
      this.setStatus('unreachable', problem);
    }
    return { chainUrl: this.client.url, clearingAddress: this.clearingAddress, status: this.statusNow, onChainBalanceMicro, onChainHeight: height, problem, ...snapshot };
  }
}
