// The miner's side of WS /v1/jobs/{id}/stream: pieces of output go to the coordinator as the
// backend produces them, and a 'stop' from the coordinator (the client went away) aborts the
// generation. The miner dials out; if the stream cannot be opened the job still runs and its
// output goes with the completion as always.

import WebSocket from 'ws';

/**
 * Longer pieces go as several messages: the coordinator takes messages of at most 64 KiB, and a
 * character costs at most 6 bytes of JSON (a \u escape), so 8,192 characters always fit.
 */
const PIECE_MAX_CHARS = 8_192;

/** `text` in parts of at most `max` UTF-16 units, never splitting a surrogate pair. */
export function splitPiece(text: string, max = PIECE_MAX_CHARS): string[] {
  const parts: string[] = [];
  for (let start = 0; start < text.length; ) {
    let end = Math.min(start + max, text.length);
    const last = text.charCodeAt(end - 1);
    if (end < text.length && end - start > 1 && last >= 0xd800 && last <= 0xdbff) end--;
    parts.push(text.slice(start, end));
    start = end;
  }
  return parts;
}

export class StreamChannel {
  private done = false;

  private constructor(private readonly socket: WebSocket) {}

  /** Opens the stream; resolves null (and the job runs unstreamed) if the coordinator refuses or cannot be reached. */
  static open(options: { coordinatorUrl: string; apiKey: string; jobId: string; minerId: string; onStop: (reason: string) => void; log: (detail: Record<string, unknown>) => void }): Promise<StreamChannel | null> {
    const url = new URL(`/v1/jobs/${encodeURIComponent(options.jobId)}/stream`, options.coordinatorUrl);
    url.protocol = url.protocol === 'https:' ? 'wss:' : 'ws:';
    url.searchParams.set('miner_id', options.minerId);
    const socket = new WebSocket(url, { headers: { 'X-Api-Key': options.apiKey } });
    socket.on('message', (data) => {
      try {
        const message = JSON.parse(data.toString()) as { type?: string; reason?: string; error_code?: string; detail?: string };
        if (message.type === 'stop') options.onStop(message.reason ?? 'stopped by the coordinator');
        else if (message.error_code) {
          // The coordinator refused or closed the stream, and fails the job: stop generating it.
          options.log({ event: 'stream_refused', job_id: options.jobId, error: message.error_code, detail: message.detail });
          options.onStop(message.detail ?? message.error_code);
        }
      } catch {
        // not ours to read
      }
    });
    return new Promise((resolve) => {
      socket.once('open', () => {
        const channel = new StreamChannel(socket);
        // A stream that closes before the output was all sent fails the job there: stop generating it.
        socket.once('close', () => {
          if (!channel.done) options.onStop('the coordinator closed the stream');
        });
        resolve(channel);
      });
      socket.once('error', (error) => {
        options.log({ event: 'stream_unavailable', job_id: options.jobId, error: error.message });
        resolve(null);
      });
    });
  }

  text(text: string): void {
    if (this.socket.readyState !== WebSocket.OPEN) return;
    for (const part of splitPiece(text)) this.socket.send(JSON.stringify({ type: 'text', text: part }));
  }

  /** All output was sent: say so (a stream closed without 'end' means the miner died) and close. */
  end(): Promise<void> {
    this.done = true;
    if (this.socket.readyState !== WebSocket.OPEN) return Promise.resolve();
    return new Promise((resolve) => {
      this.socket.send(JSON.stringify({ type: 'end' }), () => {
        this.socket.once('close', () => resolve());
        this.socket.close(1000);
      });
    });
  }

  /** Drops the stream without 'end': the coordinator fails the job (used when the job itself fails). */
  abort(): void {
    this.done = true;
    this.socket.terminate();
  }
}
