// WS /v1/jobs/{id}/stream?miner_id=…: the miner holding a job that a client waits on sends the
// output as it is produced, and hears when to stop. The miner dials out (it never listens).
//   miner → coordinator: {type: 'text', text} …, then {type: 'end'} before it completes the job
//   coordinator → miner: {type: 'stop', reason} when the client went away, or an error envelope
// A stream that closes without 'end' means the miner died mid-job: the job fails and is refunded.

import { ApiError } from '@aitbc/protocol';
import type { App, Services } from '../app.ts';
import { principalOf } from '../http/auth.ts';

export function registerJobStreamRoute(app: App, { miners, hub }: Services): void {
  app.get('/v1/jobs/:id/stream', { websocket: true, config: { scope: 'miner' }, schema: { hide: true } }, async (socket, request) => {
    const jobId = (request.params as { id: string }).id;
    const minerId = (request.query as { miner_id?: string }).miner_id ?? '';
    // Nothing is read (messages, or the miner hanging up) until the job is known to be its.
    socket.pause();
    try {
      await miners.requireHeld(principalOf(request), jobId, minerId);
    } catch (error) {
      const refusal = error instanceof ApiError ? error : new ApiError('SYSTEM_INTERNAL_ERROR', 'Unexpected server error');
      socket.send(JSON.stringify(refusal.toEnvelope(request.id)));
      socket.close(1008, refusal.code);
      return;
    }
    let ended = false;
    socket.on('message', (data) => {
      let message: { type?: unknown; text?: unknown };
      try {
        message = JSON.parse(data.toString());
      } catch {
        return;
      }
      if (message.type === 'text' && typeof message.text === 'string') hub.text(jobId, message.text);
      else if (message.type === 'end') ended = true;
    });
    socket.on('close', () => {
      hub.detachMiner(jobId);
      if (!ended) void miners.abandonStream(jobId, minerId);
    });
    if (!hub.attachMiner(jobId, { stop: (reason) => socket.send(JSON.stringify({ type: 'stop', reason })) })) {
      socket.send(JSON.stringify({ type: 'stop', reason: 'nobody is waiting for this output any more' }));
    }
    socket.resume();
  });
}
