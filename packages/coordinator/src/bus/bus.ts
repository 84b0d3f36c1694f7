// Publish/subscribe of short string messages between the coordinator processes that share one
// database. It only carries hints and live output (a wake-up, a piece of a stream): nothing on it
// is the truth, and a message may be lost when the bus restarts, so every user of it says what
// happens then. Messages from one process arrive in the order it published them.

import type { FastifyBaseLogger } from 'fastify';

/** What the bus and its users log: a lost connection is a warning, its return news. */
export type BusLog = Pick<FastifyBaseLogger, 'error' | 'warn' | 'info'>;

export type BusHandler = (message: string) => void;

export interface Bus {
  /** Sends `message` to every subscriber of `topic` in every process, this one included. */
  publish(topic: string, message: string): Promise<void>;
  /** Calls `handler` for each message on `topic` from now on; returns the unsubscribe. */
  subscribe(topic: string, handler: BusHandler): Promise<() => void>;
  /** Called after the bus came back from a lost connection (messages in between are gone). */
  onReconnect(listener: () => void): void;
  close(): Promise<void>;
}

/** Handlers by topic, for the implementations: one connection listens for all of them. */
export class Subscribers {
  private readonly byTopic = new Map<string, Set<BusHandler>>();

  /** Adds a handler; true when it is the topic's first (the connection must start listening). */
  add(topic: string, handler: BusHandler): boolean {
    let handlers = this.byTopic.get(topic);
    const first = !handlers;
    if (!handlers) this.byTopic.set(topic, (handlers = new Set()));
    handlers.add(handler);
    return first;
  }

  /** Removes a handler; true when the topic has none left. */
  remove(topic: string, handler: BusHandler): boolean {
    const handlers = this.byTopic.get(topic);
    if (!handlers?.delete(handler) || handlers.size > 0) return false;
    this.byTopic.delete(topic);
    return true;
  }

  topics(): string[] {
    return [...this.byTopic.keys()];
  }

  /** A handler that throws must not keep the message from the others (nor reach the connection). */
  deliver(topic: string, message: string, onError: (error: unknown) => void): void {
    for (const handler of [...(this.byTopic.get(topic) ?? [])]) {
      try {
        handler(message);
      } catch (error) {
        onError(error);
      }
    }
  }
}

/** Logs the start and the end of an outage once each, not once per failed call. */
export class OutageLog {
  private down = false;

  constructor(
    private readonly log: BusLog,
    private readonly what: string,
  ) {}

  failed(error: unknown): void {
    if (this.down) return;
    this.down = true;
    this.log.warn({ err: error }, `${this.what} is unreachable`);
  }

  succeeded(): void {
    if (!this.down) return;
    this.down = false;
    this.log.info({}, `${this.what} is reachable again`);
  }

  get isDown(): boolean {
    return this.down;
  }
}
