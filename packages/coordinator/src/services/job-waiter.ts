// Waits for one job on behalf of an OpenAI-compatible request: pieces of output as the miner
// streams them, then the outcome. The hub wakes it at once (an end in another coordinator as
// `ended`, read from the store); a check of the store every second also catches what the hub
// cannot see (expiry by the sweeper, a cancel, a message the bus lost).

import { ApiError, type Receipt } from '@aitbc/protocol';
import type { JobRecord, StoredReceipt } from '../store/store.ts';

/** How the waiter reads the job as stored (JobService). */
export interface JobLookup {
  lookup(jobId: string): Promise<JobRecord | null>;
  storedReceipt(receiptId: string): Promise<StoredReceipt | null>;
}
import { terminalError } from './jobs.ts';
import { safely, type ErrorLog } from './safely.ts';
import type { StreamEvent, StreamHub } from './stream-hub.ts';

const CHECK_EVERY_MS = 1_000;

export type JobOutcome = { job: JobRecord; receipt: Receipt };

export class JobWaiter {
  /** Characters handed to the pieces listener so far (a prefix of what the hub relayed). */
  deliveredChars = 0;
  /** Pieces that came before a listener was given (bounded by the hub's per-job limit); null after. */
  private early: string[] | null = [];
  private onText: (text: string) => void = () => undefined;
  private unwatch: () => void = () => undefined;
  private readonly timer: NodeJS.Timeout;
  private resolve!: (outcome: JobOutcome) => void;
  private reject!: (error: ApiError) => void;
  private settled = false;
  readonly outcome: Promise<JobOutcome>;

  /** Watches the job; resolves once a miner in any coordinator would see that a client waits. */
  static async open(store: JobLookup, hub: StreamHub, jobId: string, live: boolean, log: ErrorLog): Promise<JobWaiter> {
    const waiter = new JobWaiter(store, jobId, live, log);
    const unwatch = await hub.watch(jobId, live, (event) => waiter.handle(event));
    // Closed while the watch was being announced: stop watching at once.
    if (waiter.closed) unwatch();
    else waiter.unwatch = unwatch;
    return waiter;
  }

  private closed = false;

  private constructor(
    private readonly store: JobLookup,
    private readonly jobId: string,
    private readonly live: boolean,
    private readonly log: ErrorLog,
  ) {
    this.outcome = new Promise<JobOutcome>((resolve, reject) => {
      this.resolve = resolve;
      this.reject = reject;
    });
    this.outcome.catch(() => undefined); // a caller that never awaits must not crash the process
    // A store that fails (closed at shutdown, disk trouble) is logged; the next tick tries again.
    this.timer = setInterval(safely(log, `checking job ${jobId}`, () => this.check()), CHECK_EVERY_MS);
  }

  /** Receives each piece: first whatever arrived before it was listening, then each as it comes. */
  pieces(listener: (text: string) => void): void {
    this.onText = listener;
    const early = this.early?.join('') ?? '';
    this.early = null;
    if (early) this.deliver(early);
  }

  private deliver(text: string): void {
    this.deliveredChars += text.length;
    this.onText(text);
  }

  private handle(event: StreamEvent): void {
    if (this.settled) return;
    try {
      if (event.type === 'text') {
        if (!this.live) return;
        if (this.early) this.early.push(event.text);
        else this.deliver(event.text);
      } else if (event.type === 'completed') this.finish(() => this.resolve({ job: event.job, receipt: event.receipt }));
      else if (event.type === 'failed') this.finish(() => this.reject(event.error));
      // It ended in another coordinator: the store has the outcome now, not at the next tick.
      else safely(this.log, `checking job ${this.jobId}`, () => this.check())();
    } catch (error) {
      // Handing a piece on failed (the listener threw): this wait ends, the caller answers with an error.
      this.log.error({ err: error, job_id: this.jobId }, 'relaying a piece of output failed');
      this.finish(() => this.reject(new ApiError('SYSTEM_INTERNAL_ERROR', 'Relaying the output failed; the job was cancelled')));
    }
  }

  private async check(): Promise<void> {
    const job = await this.store.lookup(this.jobId);
    if (this.settled || !job || job.status === 'queued' || job.status === 'running') return;
    if (job.status === 'completed') {
      const stored = await this.store.storedReceipt(job.receiptId!);
      this.finish(() => this.resolve({ job, receipt: stored!.receipt }));
    } else if (job.status === 'failed') {
      this.finish(() => this.reject(new ApiError('SYSTEM_UPSTREAM_ERROR', `The job failed on its miner: ${job.error ?? 'no reason given'}. Its escrow was refunded; retry the request`)));
    } else this.finish(() => this.reject(terminalError(job)));
  }

  private finish(settle: () => void): void {
    if (this.settled) return;
    this.settled = true;
    this.close();
    settle();
  }

  close(): void {
    this.closed = true;
    clearInterval(this.timer);
    this.unwatch();
  }
}
