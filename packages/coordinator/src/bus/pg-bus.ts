// The bus over PostgreSQL LISTEN/NOTIFY, for a scale-out without Redis: one dedicated client
// listens (a pooled one could be handed to someone else), and one more publishes through
// `pg_notify`, one statement at a time so that this process's messages keep their order. When
// the listening connection drops it reconnects with backoff and listens again; what was notified
// meanwhile is not delivered (NOTIFY keeps nothing for a session that is not there).

import { randomBytes } from 'node:crypto';
import pg from 'pg';
import { Subscribers, type Bus, type BusHandler, type BusLog } from './bus.ts';
import { Reassembler, splitMessage } from './pg-payload.ts';

const RECONNECT_MIN_MS = 100;
const RECONNECT_MAX_MS = 5_000;
const CONNECT_TIMEOUT_MS = 5_000;
/** A publish on a database that stopped answering fails instead of holding up its request. */
const PUBLISH_TIMEOUT_MS = 2_000;

export class PgBus implements Bus {
  private readonly subscribers = new Subscribers();
  private readonly reassembler = new Reassembler();
  private readonly reconnectListeners: (() => void)[] = [];
  private readonly publisher: pg.Pool;
  private listener: pg.Client | null = null;
  private closed = false;
  private reconnectTimer: NodeJS.Timeout | null = null;
  /** Names the parted messages of this process. */
  private readonly busId = randomBytes(6).toString('hex');
  private sent = 0;

  private constructor(
    private readonly connectionString: string,
    /** Prepended to every channel (channels are per database already; this names the marketplace). */
    private readonly namespace: string,
    private readonly log: BusLog,
  ) {
    // One connection: statements run in the order they were issued, so messages stay in order.
    this.publisher = new pg.Pool({ connectionString, max: 1, connectionTimeoutMillis: CONNECT_TIMEOUT_MS, query_timeout: PUBLISH_TIMEOUT_MS });
    this.publisher.on('error', () => undefined); // an idle client's lost connection: the pool replaces it
  }

  /** Connects the listening client; rejects when the database cannot be reached at start. */
  static async open(connectionString: string, namespace: string, log: BusLog): Promise<PgBus> {
    const bus = new PgBus(connectionString, `${namespace}_bus_`.toLowerCase().replace(/[^a-z0-9_]/g, '_'), log);
    await bus.listen();
    return bus;
  }

  async publish(topic: string, message: string): Promise<void> {
    const payloads = splitMessage(message, `${this.busId}.${this.sent++}`);
    const calls = payloads.map((_, index) => `pg_notify($1, $${index + 2})`).join(', ');
    await this.publisher.query(`SELECT ${calls}`, [this.channel(topic), ...payloads]);
  }

  async subscribe(topic: string, handler: BusHandler): Promise<() => void> {
    if (this.subscribers.add(topic, handler)) await this.listener?.query(`LISTEN ${pg.escapeIdentifier(this.channel(topic))}`);
    return () => {
      if (this.subscribers.remove(topic, handler)) this.listener?.query(`UNLISTEN ${pg.escapeIdentifier(this.channel(topic))}`).catch(() => undefined);
    };
  }

  onReconnect(listener: () => void): void {
    this.reconnectListeners.push(listener);
  }

  async close(): Promise<void> {
    this.closed = true;
    if (this.reconnectTimer) clearTimeout(this.reconnectTimer);
    const listener = this.listener;
    this.listener = null;
    await Promise.allSettled([listener?.end(), this.publisher.end()]);
  }

  /** A channel name is an identifier: lower case, at most 63 bytes. */
  private channel(topic: string): string {
    return `${this.namespace}${topic}`.slice(0, 63);
  }

  private async listen(): Promise<void> {
    const client = new pg.Client({ connectionString: this.connectionString, connectionTimeoutMillis: CONNECT_TIMEOUT_MS });
    client.on('notification', ({ channel, payload }) => {
      if (!channel.startsWith(this.namespace) || payload === undefined) return;
      const message = this.reassembler.accept(payload);
      if (message !== null) this.subscribers.deliver(channel.slice(this.namespace.length), message, (error) => this.log.error({ err: error, channel }, 'a bus subscriber failed'));
    });
    const lost = () => {
      if (this.listener !== client) return;
      this.listener = null;
      this.log.warn({}, 'the PostgreSQL bus lost its listening connection; reconnecting');
      this.reassembler.clear();
      this.scheduleReconnect(RECONNECT_MIN_MS);
    };
    client.on('error', lost);
    client.on('end', lost);
    try {
      await client.connect();
      for (const topic of this.subscribers.topics()) await client.query(`LISTEN ${pg.escapeIdentifier(this.channel(topic))}`);
    } catch (error) {
      client.end().catch(() => undefined);
      throw error;
    }
    if (this.closed) {
      await client.end();
      return;
    }
    this.listener = client;
  }

  private scheduleReconnect(delayMs: number): void {
    if (this.closed) return;
    this.reconnectTimer = setTimeout(async () => {
      try {
        await this.listen();
        this.log.info({}, 'the PostgreSQL bus is listening again; messages sent meanwhile were not received');
        for (const listener of this.reconnectListeners) listener();
      } catch {
        this.scheduleReconnect(Math.min(RECONNECT_MAX_MS, delayMs * 2));
      }
    }, delayMs);
    this.reconnectTimer.unref();
  }
}
