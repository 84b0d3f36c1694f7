// The work signal of several coordinators on one database: a notify here wakes this process's
// best-fitting waiter at once and is published on the bus, and each other process wakes its own
// best-fitting waiter when the hint arrives. It only wakes: the store judges each claim, so a
// job that wakes one miner in each process costs the losers an empty claim, nothing more. A
// hint lost on the bus (Redis or the listening connection restarting) costs a delay, never a
// job: a long-poll re-checks the store every few seconds anyway (src/services/miners.ts), and
// when the bus is back every waiter here re-checks at once.

import type { Bus, BusLog } from '../bus/bus.ts';
import { OutageLog } from '../bus/bus.ts';
import { LocalWorkSignal, type WaitingMiner, type WorkHint, type WorkSignal } from './work-signal.ts';

export const WORK_TOPIC = 'work';

/** A hint as it travels: the sender (which skips its own) and the claim constraints only. */
interface WorkMessage {
  from: string;
  hint: WorkHint | null;
}

export class SharedWorkSignal implements WorkSignal {
  private readonly local = new LocalWorkSignal();
  private readonly outage: OutageLog;
  private unsubscribe: (() => void) | null = null;

  private constructor(
    private readonly bus: Bus,
    /** Names this process on the bus, so that it skips its own hints. */
    private readonly processId: string,
    log: BusLog,
  ) {
    this.outage = new OutageLog(log, 'the bus (work signal)');
  }

  static async open(bus: Bus, processId: string, log: BusLog): Promise<SharedWorkSignal> {
    const signal = new SharedWorkSignal(bus, processId, log);
    signal.unsubscribe = await bus.subscribe(WORK_TOPIC, (message) => signal.received(message));
    // Hints sent while the bus was away are lost: every waiting miner here re-checks the store once.
    bus.onReconnect(() => signal.local.notify());
    return signal;
  }

  get generation(): number {
    return this.local.generation;
  }

  get closed(): boolean {
    return this.local.closed;
  }

  /** This process is stopping: its own waiters stop; the other processes' are not told anything. */
  close(): void {
    this.unsubscribe?.();
    this.local.close();
  }

  notify(hint?: WorkHint): void {
    this.local.notify(hint);
    if (hint?.awaitingSubject) return;
    const message: WorkMessage = { from: this.processId, hint: hint ? travelling(hint) : null };
    this.bus.publish(WORK_TOPIC, JSON.stringify(message)).then(
      () => this.outage.succeeded(),
      (error: unknown) => this.outage.failed(error),
    );
  }

  wait(seenGeneration: number, timeoutMs: number, who: WaitingMiner, signal?: AbortSignal): Promise<void> {
    return this.local.wait(seenGeneration, timeoutMs, who, signal);
  }

  get waiting(): number {
    return this.local.waiting;
  }

  private received(text: string): void {
    const message = JSON.parse(text) as WorkMessage;
    // This process woke its own waiter when it notified.
    if (message.from === this.processId || this.local.closed) return;
    this.local.notify(message.hint ?? undefined);
  }
}

/** A JobRecord is a hint too, with bigint money in it: only the constraints travel. */
function travelling(hint: WorkHint): WorkHint {
  return {
    model: hint.model,
    purpose: hint.purpose,
    pinnedMinerId: hint.pinnedMinerId,
    requiredDigest: hint.requiredDigest ?? null,
    excludedOwners: hint.excludedOwners ? [...hint.excludedOwners] : [],
    minReputationPpm: hint.minReputationPpm ?? 0,
  };
}
