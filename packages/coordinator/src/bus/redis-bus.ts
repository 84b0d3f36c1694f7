// The bus over Redis pub/sub: one connection subscribes (a subscribed Redis connection can do
// nothing else), another publishes. ioredis reconnects and re-subscribes by itself; messages
// published while a process was disconnected are not delivered to it (pub/sub keeps nothing).

import { Redis } from 'ioredis';
import { Subscribers, type Bus, type BusHandler, type BusLog } from './bus.ts';

const PUBLISH_TIMEOUT_MS = 1_000;
const CONNECT_WAIT_MS = 2_000;

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
    // ioredis retries by itself; the users of the bus log a failed publish once per outage.
    subscriber.on('error', () => undefined);
    publisher.on('error', () => undefined);
  }

  /**
   * Does not wait for Redis: a coordinator starts and serves without it (each process then wakes
   * and relays only its own), and the subscriptions are made once it is reachable.
   */
  static async open(url: string, namespace: string, log: BusLog): Promise<RedisBus> {
    // A publish while Redis is away fails at once (or after a second on a Redis that hangs)
    // instead of queueing without bound.
    const publisher = new Redis(url, { enableOfflineQueue: false, maxRetriesPerRequest: 0, commandTimeout: PUBLISH_TIMEOUT_MS });
    const subscriber = new Redis(url);
    const bus = new RedisBus(subscriber, publisher, `${namespace}:bus:`, log);
    // The first requests should find the connections up; a Redis that refuses them does not hold the start.
    await Promise.all([redisSettled(publisher), redisSettled(subscriber)]);
    return bus;
  }

  async publish(topic: string, message: string): Promise<void> {
    await this.publisher.publish(this.namespace + topic, message);
  }

  async subscribe(topic: string, handler: BusHandler): Promise<() => void> {
    // Queued until Redis is reachable; ioredis subscribes again after every reconnection.
    if (this.subscribers.add(topic, handler)) this.subscriber.subscribe(this.namespace + topic).catch((error: unknown) => this.log.error({ err: error, topic }, 'subscribing on Redis failed'));
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

/** Resolves when the connection is ready or has failed once, or after CONNECT_WAIT_MS. */
export function redisSettled(redis: Redis): Promise<void> {
  if (redis.status === 'ready') return Promise.resolve();
  return new Promise((resolve) => {
    const done = () => {
      clearTimeout(timer);
      redis.off('ready', done);
      redis.off('error', done);
      resolve();
    };
    const timer = setTimeout(done, CONNECT_WAIT_MS);
    redis.once('ready', done);
    redis.once('error', done);
  });
}
