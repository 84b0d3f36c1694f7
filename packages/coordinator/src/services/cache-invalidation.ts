// Tells every coordinator process on this database that a cached record changed (a key revoked,
// a miner re-registered, paused or resumed), so each drops its copy (src/services/record-cache.ts).
// This process drops its own at once, before the change is answered; the others when the bus
// delivers the message (milliseconds). A message lost while the bus was away is covered twice:
// when the bus comes back every cache here is emptied, and no entry outlives config.recordCacheMs.
// Alone (no bus), only this process caches, so its own drops are all there is to do.

import type { Bus, BusLog } from '../bus/bus.ts';
import { OutageLog } from '../bus/bus.ts';

export const CACHE_TOPIC = 'cache';

export type CachedKind = 'key' | 'miner';

/** `id` null: everything of that kind (after the bus lost messages). */
export type InvalidationHandler = (id: string | null) => void;

interface InvalidationMessage {
  from: string;
  kind: CachedKind;
  id: string;
}

export class CacheInvalidation {
  private readonly handlers = new Map<CachedKind, InvalidationHandler[]>();
  private readonly outage: OutageLog | null;

  constructor(
    private readonly bus: Bus | null,
    private readonly processId: string,
    log: BusLog,
  ) {
    this.outage = bus ? new OutageLog(log, 'the bus (cache invalidation)') : null;
  }

  /** Subscribes to the bus; call once before serving. */
  async open(): Promise<void> {
    if (!this.bus) return;
    await this.bus.subscribe(CACHE_TOPIC, (text) => {
      const message = JSON.parse(text) as InvalidationMessage;
      if (message.from !== this.processId) this.drop(message.kind, message.id);
    });
    this.bus.onReconnect(() => {
      for (const kind of this.handlers.keys()) this.drop(kind, null);
    });
  }

  on(kind: CachedKind, handler: InvalidationHandler): void {
    this.handlers.set(kind, [...(this.handlers.get(kind) ?? []), handler]);
  }

  /** `id` changed: dropped here now, and in the other processes once the bus delivers it. */
  async changed(kind: CachedKind, id: string): Promise<void> {
    this.drop(kind, id);
    if (!this.bus) return;
    const message: InvalidationMessage = { from: this.processId, kind, id };
    try {
      await this.bus.publish(CACHE_TOPIC, JSON.stringify(message));
      this.outage!.succeeded();
    } catch (error) {
      // The change itself is stored; the other processes see it when their entries lapse.
      this.outage!.failed(error);
    }
  }

  private drop(kind: CachedKind, id: string | null): void {
    for (const handler of this.handlers.get(kind) ?? []) handler(id);
  }
}
