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
    let ended = false;
    let accepted = false;
    // Messages may arrive while the job is being checked: hold them until then.
    const early: string[] = [];
    const take = (text: string) => {
      let message: { type?: unknown; text?: unknown };
      try {
        message = JSON.parse(text);
      } catch {
        return;
      }
      if (message.type === 'text' && typeof message.text === 'string') hub.text(jobId, message.text);
      else if (message.type === 'end') ended = true;
    };
    socket.on('message', (data) => (accepted ? take(data.toString()) : early.push(data.toString())));
    socket.on('close', () => {
      if (!accepted) return;
      hub.detachMiner(jobId);
      if (!ended) void miners.abandonStream(jobId, minerId);
    });
    try {
      await miners.requireHeld(principalOf(request), jobId, minerId);
    } catch (error) {
      const refusal = error instanceof ApiError ? error : new ApiError('SYSTEM_INTERNAL_ERROR', 'Unexpected server error');
      socket.send(JSON.stringify(refusal.toEnvelope(request.id)));
      socket.close(1008, refusal.code);
      return;
    }
    accepted = true;
    for (const text of early.splice(0)) take(text);
    if (socket.readyState !== socket.OPEN) {
      if (!ended) void miners.abandonStream(jobId, minerId); // it hung up while we checked
      return;
    }
    if (!hub.attachMiner(jobId, { stop: (reason) => socket.send(JSON.stringify({ type: 'stop', reason })) })) {
      socket.send(JSON.stringify({ type: 'stop', reason: 'nobody is waiting for this output any more' }));
    }
  });
}
