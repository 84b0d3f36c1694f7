// A server-sent event response that honours backpressure. When the client stops reading and the
// response's buffer is full, `onBlocked` runs (the caller pauses what feeds it) and `onDrained`
// when it empties again; a client that stays blocked for `stallMs` is dropped as if it had left
// (its 'close' follows). Writes after the client is gone are ignored, never thrown. A stream
// with nothing to say for `keepAliveMs` sends an SSE comment, which clients ignore, so that idle
// connections are not cut by proxies or client timeouts while a job waits for a miner.

import type { ServerResponse } from 'node:http';

export interface EventStreamOptions {
  /** How long a client may leave its stream unread before it counts as gone. */
  stallMs: number;
  keepAliveMs: number;
  onBlocked(): void;
  onDrained(): void;
}

export class EventStream {
  private stallTimer: NodeJS.Timeout | null = null;
  private keepAliveTimer: NodeJS.Timeout | null = null;

  constructor(
    private readonly res: ServerResponse,
    private readonly options: EventStreamOptions,
  ) {
    // A failed write means the client is gone; 'close' follows and the caller handles that.
    res.on('error', () => res.destroy());
    res.on('drain', () => this.drained());
    res.on('close', () => {
      this.clearStall();
      this.stopKeepAlive();
    });
  }

  get open(): boolean {
    return !this.res.destroyed && !this.res.writableEnded;
  }

  begin(headers: Record<string, string>): void {
    this.res.writeHead(200, { ...headers, 'Content-Type': 'text/event-stream; charset=utf-8', 'Cache-Control': 'no-cache', Connection: 'keep-alive', 'X-Accel-Buffering': 'no' });
    // A blocked client gets no comment: it would only add to a buffer the client is not reading.
    this.keepAliveTimer = setInterval(() => {
      if (!this.stallTimer) this.write(': keep-alive\n\n');
    }, this.options.keepAliveMs);
  }

  /** One event; a named one (OpenAI's Responses stream names each) gets an `event:` line. */
  send(data: unknown, event?: string): void {
    this.write(`${event === undefined ? '' : `event: ${event}\n`}data: ${JSON.stringify(data)}\n\n`);
    this.keepAliveTimer?.refresh(); // the next comment only after keepAliveMs of silence
  }

  /**
   * The last event; a client that does not take it within `flushMs` is dropped. Chat
   * completions end with `[DONE]`; a Responses stream ends after its last event (`done: false`).
   */
  end(flushMs = this.options.stallMs, done = true): void {
    this.stopKeepAlive();
    if (!this.open) return;
    this.res.end(done ? 'data: [DONE]\n\n' : '');
    if (this.res.writableFinished) return;
    this.clearStall();
    this.stallTimer = setTimeout(() => this.res.destroy(), flushMs);
    this.res.once('finish', () => this.clearStall());
  }

  private write(text: string): void {
    if (this.open) this.written(this.res.write(text));
  }

  private stopKeepAlive(): void {
    if (this.keepAliveTimer) clearInterval(this.keepAliveTimer);
    this.keepAliveTimer = null;
  }

  private written(flushed: boolean): void {
    if (flushed || this.stallTimer) return;
    this.options.onBlocked();
    this.stallTimer = setTimeout(() => this.res.destroy(), this.options.stallMs);
  }

  private drained(): void {
    if (!this.stallTimer || this.res.writableEnded) return;
    this.clearStall();
    this.options.onDrained();
  }

  private clearStall(): void {
    if (this.stallTimer) clearTimeout(this.stallTimer);
    this.stallTimer = null;
  }
}
