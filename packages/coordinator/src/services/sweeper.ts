// Background upkeep, so that nothing waits for a read to happen: expires jobs past their deadline,
// re-queues jobs whose lease lapsed (failing those out of attempts), and forgets old idempotency keys.
// That store-wide work (and the chores added with `alsoOwned`) runs in one process at a time, the
// holder of the 'sweeper' duty; this process's own chores (`also`) run in every process.

import type { FastifyBaseLogger } from 'fastify';
import type { CoordinatorConfig } from '../config.ts';
import type { CoordinatorStore, SweepResult } from '../store/store.ts';
import type { DutyLease } from './duty-lease.ts';
import type { WorkSignal } from './work-signal.ts';

const IDEMPOTENCY_RETENTION_MS = 24 * 60 * 60 * 1000;

export class Sweeper {
  private timer: NodeJS.Timeout | null = null;
  private running: Promise<SweepResult> | null = null;
  private readonly chores: (() => unknown)[] = [];
  private readonly ownedChores: (() => unknown)[] = [];

  constructor(
    private readonly store: CoordinatorStore,
    private readonly signal: WorkSignal,
    private readonly config: CoordinatorConfig,
    private readonly log: FastifyBaseLogger,
    private readonly duty: DutyLease,
  ) {}

  /** Adds this process's upkeep to every tick (refreshing cached settings, pruning memory). */
  also(chore: () => unknown): void {
    this.chores.push(chore);
  }

  /** Adds store-wide upkeep, run by the one process holding the sweeper duty. */
  alsoOwned(chore: () => unknown): void {
    this.ownedChores.push(chore);
  }

  /** One pass; the tests call it directly to step time. Deadline first, so an expired job is never re-queued. */
  async sweepOnce(): Promise<SweepResult> {
    for (const chore of this.chores) await chore();
    if (!(await this.duty.held())) return { expired: 0, requeued: 0, failed: 0 };
    const now = this.config.now();
    const expired = await this.store.expireDue(now);
    const { requeued, failed } = await this.store.requeueLapsed(now, this.config.maxAttempts);
    await this.store.pruneIdempotencyKeys(now - IDEMPOTENCY_RETENTION_MS);
    for (const chore of this.ownedChores) await chore();
    if (requeued > 0) this.signal.notify();
    if (expired + requeued + failed > 0) this.log.info({ expired, requeued, failed }, 'sweep');
    return { expired, requeued, failed };
  }

  start(): void {
    if (this.timer) return;
    this.timer = setInterval(() => {
      if (this.running) return;
      this.running = this.sweepOnce()
        .catch((error: unknown) => {
          this.log.error({ err: error }, 'sweep failed');
          return { expired: 0, requeued: 0, failed: 0 };
        })
        .finally(() => {
          this.running = null;
        });
    }, this.config.sweepIntervalMs);
    this.timer.unref();
  }

  async stop(): Promise<void> {
    if (this.timer) clearInterval(this.timer);
    this.timer = null;
    await this.running;
    await this.duty.release().catch((error: unknown) => this.log.warn({ err: error }, 'releasing the sweeper duty failed; it passes on when its lease runs out'));
  }
}
