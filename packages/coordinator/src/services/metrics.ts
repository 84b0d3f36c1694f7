// The coordinator's operator metrics (prom-client), one registry per app: tests and several
// coordinators in one process each keep their own. Services observe events as they happen
// (a claim, a completion, a first streamed token); gauges are set from readings at scrape time.

import { formatAmount } from '@aitbc/protocol';
import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';
import { OPEN_OUTBOX_STATES, type JobRecord, type JobStatus, type OutboxCount, type OutboxRecord, type OutboxState } from '../store/store.ts';

/** What GET /metrics reads at scrape time; money in µAIT. */
export interface Readings {
  jobsByStatus: Record<JobStatus, number>;
  availableMicro: bigint;
  escrowedMicro: bigint;
  /** The ledger audit's imbalance: what the balances hold minus what came in. */
  ledgerImbalanceMicro: bigint;
  settlementLagSeconds: number;
  outbox: OutboxCount[];
  minersOnline: number;
  longPollsWaiting: number;
  checksSkipped: ReadonlyMap<string, number>;
  inFlight: number;
  eventLoopDelayMs: number;
}

const OUTBOX_KINDS: readonly OutboxRecord['kind'][] = ['settle', 'withdraw', 'slash'];
const OUTBOX_STATES: readonly OutboxState[] = [...OPEN_OUTBOX_STATES, 'final', 'failed', 'duplicate'];
const SKIP_REASONS = ['insufficient_balance', 'no_digest'] as const;

/**
 * AITBC as a float for Prometheus, which has no integers: exact decimal text from the bigint,
 * then parsed, so the only rounding is the float's own. For dashboards only; the books are µAIT.
 */
const aitbc = (micro: bigint): number => Number(formatAmount(micro));

const seconds = (fromMs: number, toMs: number): number => Math.max(0, toMs - fromMs) / 1000;

export class CoordinatorMetrics {
  readonly registry = new Registry();
  private readonly requestSeconds: Histogram<'method' | 'route' | 'status'>;
  private readonly queueWaitSeconds: Histogram;
  private readonly runSeconds: Histogram;
  private readonly firstTokenSeconds: Histogram<'route'>;
  private readonly gauges: {
    jobs: Gauge<'status'>;
    available: Gauge;
    escrowed: Gauge;
    imbalance: Gauge;
    settlementLag: Gauge;
    outbox: Gauge<'kind' | 'state'>;
    minersOnline: Gauge;
    longPolls: Gauge;
    inFlight: Gauge;
    eventLoopDelay: Gauge;
  };
  private readonly checksSkipped: Counter<'reason'>;

  constructor() {
    const registers = [this.registry];
    collectDefaultMetrics({ register: this.registry });
    this.requestSeconds = new Histogram({ name: 'aitbc_http_request_duration_seconds', help: 'HTTP requests answered, by route, method and status, and how long each took (until the last byte; a long-poll counts its wait).', labelNames: ['method', 'route', 'status'], registers });
    this.queueWaitSeconds = new Histogram({ name: 'aitbc_job_queue_wait_seconds', help: 'From a job entering the queue (submitted, or requeued) to a miner claiming it.', buckets: [0.1, 0.5, 1, 2, 5, 10, 30, 60, 120, 300, 900], registers });
    this.runSeconds = new Histogram({ name: 'aitbc_job_run_seconds', help: 'From a miner claiming a job to its completion.', buckets: [0.25, 0.5, 1, 2, 5, 10, 30, 60, 120, 300, 600], registers });
    this.firstTokenSeconds = new Histogram({ name: 'aitbc_openai_time_to_first_token_seconds', help: 'Streamed OpenAI-compatible requests: from the request arriving to the first text sent to the client.', labelNames: ['route'], buckets: [0.05, 0.1, 0.25, 0.5, 1, 2, 5, 10, 30, 60], registers });
    this.gauges = {
      jobs: new Gauge({ name: 'aitbc_jobs', help: 'Jobs by state.', labelNames: ['status'], registers }),
      available: new Gauge({ name: 'aitbc_available_aitbc', help: "Clients' available balances, summed, in AITBC (a float for display; the books are exact µAIT).", registers }),
      escrowed: new Gauge({ name: 'aitbc_escrowed_aitbc', help: 'Money escrowed for open jobs, summed, in AITBC (a float for display; the books are exact µAIT).', registers }),
      imbalance: new Gauge({ name: 'aitbc_ledger_difference_micro', help: 'What the balances hold minus what came in, in µAIT (the ledger audit); anything but 0 means money was created or lost.', registers }),
      settlementLag: new Gauge({ name: 'aitbc_settlement_lag_seconds', help: 'Age of the oldest receipt not yet settled on chain (nor refunded); 0 when none waits or without a chain.', registers }),
      outbox: new Gauge({ name: 'aitbc_outbox', help: 'Chain outbox records (settlements, withdrawals, slashes) by kind and state.', labelNames: ['kind', 'state'], registers }),
      minersOnline: new Gauge({ name: 'aitbc_miners_online', help: 'Miners seen within --miner-timeout.', registers }),
      longPolls: new Gauge({ name: 'aitbc_long_polls_waiting', help: 'Miners waiting in a long-poll.', registers }),
      inFlight: new Gauge({ name: 'aitbc_http_in_flight', help: 'Requests being served now (long-polls not counted).', registers }),
      eventLoopDelay: new Gauge({ name: 'aitbc_event_loop_delay_ms', help: 'Event loop delay, p99 over the last second (what load shedding judges).', registers }),
    };
    this.checksSkipped = new Counter({ name: 'aitbc_checks_skipped_total', help: 'Verification checks planned but not made, by reason (insufficient_balance: the paying account is short; no_digest: a version-1 receipt).', labelNames: ['reason'], registers });
  }

  request(method: string, route: string, status: number, durationSeconds: number): void {
    this.requestSeconds.observe({ method, route, status: String(status) }, durationSeconds);
  }

  /** A job was just claimed: how long it queued. */
  claimed(job: JobRecord): void {
    if (job.claimedAt !== null) this.queueWaitSeconds.observe(seconds(job.queuedAt, job.claimedAt));
  }

  /** A job was just completed: how long its miner ran it. */
  completed(job: JobRecord): void {
    if (job.claimedAt !== null && job.endedAt !== null) this.runSeconds.observe(seconds(job.claimedAt, job.endedAt));
  }

  firstToken(route: string, sinceRequestSeconds: number): void {
    this.firstTokenSeconds.observe({ route }, sinceRequestSeconds);
  }

  /** The exposition text, after setting the gauges from this scrape's readings. */
  async exposition(readings: Readings): Promise<string> {
    const { gauges } = this;
    for (const [status, count] of Object.entries(readings.jobsByStatus)) gauges.jobs.set({ status }, count);
    gauges.available.set(aitbc(readings.availableMicro));
    gauges.escrowed.set(aitbc(readings.escrowedMicro));
    gauges.imbalance.set(Number(readings.ledgerImbalanceMicro));
    gauges.settlementLag.set(readings.settlementLagSeconds);
    // Every kind and state, 0 included, so an alert on `failed` has a series before the first failure.
    for (const kind of OUTBOX_KINDS) for (const state of OUTBOX_STATES) gauges.outbox.set({ kind, state }, 0);
    for (const { kind, state, count } of readings.outbox) gauges.outbox.set({ kind, state }, count);
    gauges.minersOnline.set(readings.minersOnline);
    gauges.longPolls.set(readings.longPollsWaiting);
    gauges.inFlight.set(readings.inFlight);
    gauges.eventLoopDelay.set(readings.eventLoopDelayMs);
    // The verification service keeps these counts; the counter mirrors them.
    this.checksSkipped.reset();
    for (const reason of SKIP_REASONS) this.checksSkipped.inc({ reason }, readings.checksSkipped.get(reason) ?? 0);
    return this.registry.metrics();
  }

  get contentType(): string {
    return this.registry.contentType;
  }
}
