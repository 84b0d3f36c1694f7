// WS /v1/jobs/{id}/stream?miner_id=…: the miner holding a job that a client waits on sends the
// output as it is produced, and hears when to stop. The miner dials out (it never listens).
//   miner → coordinator: {type: 'text', text} …, then {type: 'end'} before it completes the job
//   coordinator → miner: {type: 'stop', reason} when the client went away, or an error envelope
// A stream that closes without 'end' means the miner died mid-job: the job fails and is refunded.
// So does a stream that passes the job's limit (the hub's maxStreamBytes): the coordinator sends
// PAYLOAD_TOO_LARGE and closes it (1009). One message is at most STREAM_MESSAGE_MAX_BYTES (ws
// closes a longer one with 1009). Nothing a miner sends can throw out of these handlers.

import { ApiError } from '@aitbc/protocol';
import type { RawData, WebSocket } from 'ws';
import type { App, Services } from '../app.ts';
import { principalOf } from '../http/auth.ts';
import { safely } from '../services/safely.ts';
import type { MinerControl } from '../services/stream-hub.ts';

/** Largest message a miner may send: one piece of output (the miner splits longer ones). */
export const STREAM_MESSAGE_MAX_BYTES = 64 * 1024;
/** After the coordinator closes a stream, how long the miner has to answer before the socket is cut. */
const CLOSE_GRACE_MS = 5_000;

export function registerJobStreamRoute(app: App, { miners, hub }: Services): void {
  app.get('/v1/jobs/:id/stream', { websocket: true, config: { scope: 'miner' }, schema: { hide: true } }, async (socket, request) => {
    const jobId = (request.params as { id: string }).id;
    const minerId = (request.query as { miner_id?: string }).miner_id ?? '';
    const log = request.log;
    // Nothing is read (messages, or the miner hanging up) until the job is known to be its.
    socket.pause();
    try {
      await miners.requireHeld(principalOf(request), jobId, minerId);
    } catch (error) {
      const refusal = error instanceof ApiError ? error : new ApiError('SYSTEM_INTERNAL_ERROR', 'Unexpected server error');
      closeWith(socket, 1008, refusal, request.id);
      return;
    }
    let ended = false;
    /** Why the job fails, once something went wrong; it is failed at most once. */
    let failure: string | null = null;
    const failJob = (reason: string) => {
      if (failure !== null) return;
      failure = reason;
      safely(log, `failing job ${jobId} after its stream broke`, () => miners.abandonStream(jobId, minerId, reason))();
    };
    const refuse = (code: number, reason: string, error: ApiError) => {
      failJob(reason);
      closeWith(socket, code, error, request.id);
    };
    const control: MinerControl = {
      stop: (reason) => socket.send(JSON.stringify({ type: 'stop', reason })),
      pause: () => socket.pause(),
      resume: () => socket.resume(),
    };

    socket.on(
      'message',
      safely(
        log,
        `relaying the stream of job ${jobId}`,
        (data: RawData) => {
          if (ended || failure !== null) return;
          const message = parseMessage(data);
          if (message?.type === 'text' && typeof message.text === 'string') {
            if (hub.text(jobId, message.text) === 'over_limit') {
              const reason = `it streamed more than ${hub.maxStreamBytes} bytes, the most one job may stream`;
              refuse(1009, reason, new ApiError('PAYLOAD_TOO_LARGE', `The output streamed for job ${jobId} passed ${hub.maxStreamBytes} bytes, the most one job may stream; the job failed and its client was refunded`));
            }
          } else if (message?.type === 'end') ended = true;
        },
        () => refuse(1011, 'its stream could not be relayed', new ApiError('SYSTEM_INTERNAL_ERROR', `The stream of job ${jobId} could not be relayed; the job failed and its client was refunded`)),
      ),
    );
    // ws closes the socket itself on a protocol error (a message over the size limit, bad frames).
    socket.on('error', (error) => failJob(`the miner's stream broke: ${error.message}`));
    socket.on(
      'close',
      safely(log, `closing the stream of job ${jobId}`, () => {
        hub.detachMiner(jobId, control);
        // A coordinator that is stopping cut this socket itself: the waiting client's request
        // cancels and refunds the job (src/http/shutdown.ts), which a failure here must not race.
        if (!ended && !hub.stopping) failJob('the miner disconnected in the middle of the stream');
      }),
    );
    if (!(await hub.attachMiner(jobId, control))) control.stop('nobody is waiting for this output any more');
    // (The shared hub may ask the bus first: a miner that hung up meanwhile is let go at once.)
    else if (socket.readyState !== socket.OPEN) hub.detachMiner(jobId, control);
    socket.resume();
  });
}

function parseMessage(data: RawData): { type?: unknown; text?: unknown } | null {
  try {
    const message: unknown = JSON.parse(data.toString());
    return typeof message === 'object' && message !== null ? message : null;
  } catch {
    return null;
  }
}

/** Sends the error envelope and closes; a miner that does not answer the close is cut off. */
function closeWith(socket: WebSocket, code: number, error: ApiError, requestId: string): void {
  socket.send(JSON.stringify(error.toEnvelope(requestId)));
  socket.close(code, error.code);
  // Reading again lets the miner's close frame in (anything else it sends is ignored now).
  socket.resume();
  setTimeout(() => socket.terminate(), CLOSE_GRACE_MS).unref();
}
