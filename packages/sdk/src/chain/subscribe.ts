// WS /rpc/ws: the node's events as they happen, one JSON message each (the wire's ChainEvent).
// Any WebSocket with the browser's interface works: the page's own, or the `ws` package in Node 20,
// which has no WebSocket global (pass it as ChainClientOptions.WebSocket).

import type { ChainEvent, ChainTopic } from '@aitbc/protocol/wire';
import { NetworkError, ValidationError } from '../errors.ts';

/** The part of the browser's WebSocket used here; `ws`'s WebSocket has it too. */
export interface WebSocketLike {
  // Listeners take `any` because each implementation types its events its own way.
  addEventListener(type: 'open' | 'message' | 'error' | 'close', listener: (event: any) => void): void;
  close(code?: number, reason?: string): void;
}
export type WebSocketConstructor = new (url: string) => WebSocketLike;

export interface SubscribeParameters {
  /** Which events (default: all of heads, finalized, txs, receipts). */
  topics?: readonly ChainTopic[];
  onEvent: (event: ChainEvent) => void;
  /** The node refused the subscription, or the connection failed. */
  onError?: (error: ValidationError | NetworkError) => void;
}

export interface ChainSubscription {
  /** Resolves once the node serves the subscription (events from then on arrive); rejects if it never does. */
  readonly opened: Promise<void>;
  /** Resolves when the connection ends, by close() or because the node went away (no reconnection: subscribe again). */
  readonly closed: Promise<{ code: number; reason: string }>;
  close(): void;
}

export function openSubscription(chainUrl: string, WebSocketImpl: WebSocketConstructor | undefined, parameters: SubscribeParameters): ChainSubscription {
  if (!WebSocketImpl) throw new TypeError('no WebSocket here (Node 20 has none): pass ChainClientOptions.WebSocket, e.g. the `ws` package');
  const query = parameters.topics ? `?topics=${parameters.topics.join(',')}` : '';
  const url = `${chainUrl.replace(/\/$/, '').replace(/^http/, 'ws')}/rpc/ws${query}`;
  const socket = new WebSocketImpl(url);
  let isOpen = false;
  let resolveOpened!: () => void;
  let rejectOpened!: (error: Error) => void;
  const opened = new Promise<void>((resolve, reject) => {
    resolveOpened = resolve;
    rejectOpened = reject;
  });
  // Whoever only awaits `closed` must not see an unhandled rejection of `opened`.
  opened.catch(() => undefined);
  const fail = (error: ValidationError | NetworkError) => {
    if (!isOpen) rejectOpened(error);
    parameters.onError?.(error);
  };

  socket.addEventListener('open', () => {
    isOpen = true;
    resolveOpened();
  });
  socket.addEventListener('message', (message: { data: unknown }) => {
    let event: unknown;
    try {
      event = JSON.parse(String(message.data));
    } catch {
      return; // not JSON: nothing the node sends, nothing to deliver
    }
    if (typeof event !== 'object' || event === null) return;
    // Before closing, the node says in its error envelope why it refuses (an unknown topic).
    if ('error_code' in event) {
      const envelope = event as { error_code: string; detail?: string; field?: string };
      fail(new ValidationError({ errorCode: envelope.error_code, detail: envelope.detail ?? 'subscription refused', field: envelope.field, status: 422 }));
      return;
    }
    if ('topic' in event) parameters.onEvent(event as ChainEvent);
  });
  socket.addEventListener('error', (event: { message?: string }) => {
    fail(new NetworkError({ errorCode: 'NETWORK_ERROR', detail: `No subscription at ${url}${event?.message ? `: ${event.message}` : ''}`, status: 0 }));
  });
  const closed = new Promise<{ code: number; reason: string }>((resolve) => {
    socket.addEventListener('close', (event: { code?: number; reason?: unknown }) => {
      const ended = { code: event?.code ?? 1006, reason: String(event?.reason ?? '') };
      if (!isOpen) rejectOpened(new NetworkError({ errorCode: 'NETWORK_ERROR', detail: `The node at ${chainUrl} closed the subscription (${ended.code}${ended.reason ? ` ${ended.reason}` : ''})`, status: 0 }));
      resolve(ended);
    });
  });
  return { opened, closed, close: () => socket.close(1000, 'done') };
}
