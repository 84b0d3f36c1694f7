// The bus over Redis pub/sub: one connection subscribes (a subscribed Redis connection can do
// nothing else), another publishes. ioredis reconnects and re-subscribes by itself; messages
// published while a process was disconnected are not delivered to it (pub/sub keeps nothing).

import { Redis } from 'ioredis';
import { Subscribers, type Bus, type BusHandler, type BusLog } from './bus.ts';

export class RedisBus implements Bus {
  private readonly subscribers = new Subscribers();
  private readonly reconnectListeners: (() => void)[] = [];
  private connectedOnce = false;

  private constructor(
    private readonly subscriber: Redis,
    private readonly publisher: Redis,
    /** Prepended to every channel, so that several marketplaces (or tests) can share one Redis. */
    private readonly namespace: string,
    private readonly log: BusLog,
  ) {
    subscriber.on('message', (channel: string, message: string) => {
      if (!channel.startsWith(namespace)) return;
      this.subscribers.deliver(channel.slice(namespace.length), message, (error) => log.error({ err: error, channel }, 'a bus subscriber failed'));
    });
    subscriber.on('ready', () => {
      if (this.connectedOnce) for (const listener of this.reconnectListeners) listener();
      this.connectedOnce = true;
    });
    // ioredis logs unhandled connection errors itself; it retries, so they are only noted here.
    subscriber.on('error', () => undefined);
    publisher.on('error', () => undefined);
  }

  /** Connects both connections; rejects when Redis cannot be reached at start. */
  static async open(url: string, namespace: string, log: BusLog): Promise<RedisBus> {
    // A publish while Redis is away fails at once instead of queueing without bound.
    const publisher = new Redis(url, { lazyConnect: true, enableOfflineQueue: false, maxRetriesPerRequest: 1 });
    const subscriber = new Redis(url, { lazyConnect: true });
    try {
      await Promise.all([publisher.connect(), subscriber.connect()]);
    } catch (error) {
      publisher.disconnect();
      subscriber.disconnect();
      throw error;
    }
    const bus = new RedisBus(subscriber, publisher, `${namespace}:bus:`, log);
    bus.connectedOnce = true;
    return bus;
  }

  async publish(topic: string, message: string): Promise<void> {
    await this.publisher.publish(this.namespace + topic, message);
  }

  async subscribe(topic: string, handler: BusHandler): Promise<() => void> {
    if (this.subscribers.add(topic, handler)) await this.subscriber.subscribe(this.namespace + topic);
    return () => {
      if (this.subscribers.remove(topic, handler)) this.subscriber.unsubscribe(this.namespace + topic).catch(() => undefined);
    };
  }

  onReconnect(listener: () => void): void {
    this.reconnectListeners.push(listener);
  }

  async close(): Promise<void> {
    this.subscriber.disconnect();
    this.publisher.disconnect();
  }
}
