// Closing the coordinator promptly, whatever is in flight. Before the server stops listening:
// every client waiting on a job hears SYSTEM_MAINTENANCE (the OpenAI routes then cancel and
// refund its job), every miner stream is cut (ws would give an unanswered close handshake 30 s),
// and requests still running get a moment to finish. Fastify then closes every connection
// (`forceCloseConnections`), including keep-alive ones that never sent a request, which Node
// would otherwise keep open until its headers timeout (about a minute).

import { setImmediate as nextTurn, setTimeout as sleep } from 'node:timers/promises';
import { ApiError } from '@aitbc/protocol';
import type { FastifyInstance } from 'fastify';
import type { StreamHub } from '../services/stream-hub.ts';
import type { LoadMonitor } from './guards.ts';

/** How long requests in flight get to finish once streams are closed. */
const DRAIN_MS = 2_000;
const DRAIN_CHECK_MS = 20;

/** Registers the preClose step; call it before the websocket plugin, whose own preClose then finds no sockets left. */
export function installPromptShutdown(app: FastifyInstance, hub: StreamHub, load: LoadMonitor): void {
  app.addHook('preClose', async () => {
    hub.shutdown(new ApiError('SYSTEM_MAINTENANCE', 'The coordinator is shutting down; the job was cancelled and its escrow refunded. Retry the request in a moment'));
    // The routes answer their clients and cancel their jobs within this turn of the event loop.
    await nextTurn();
    for (const socket of app.websocketServer.clients) socket.terminate();
    const giveUpAt = performance.now() + DRAIN_MS;
    while (load.inFlight() > 0 && performance.now() < giveUpAt) await sleep(DRAIN_CHECK_MS);
  });
}
