// What every WebSocket the node holds (peers at /p2p, subscribers at /rpc/ws) must respect, so one
// socket cannot cost the whole process: the bytes it may leave unread on our side, the size of the
// messages it may send us, and a clear refusal when there are already too many of its kind.

import type { FastifyReply, FastifyRequest } from 'fastify';
import WebSocket from 'ws';

/** Close code for a socket dropped because it read too slowly (1008: policy violation). */
export const CLOSE_TOO_SLOW = 1008;
/** Close code when the node has no room for another socket of this kind (1013: try again later). */
export const CLOSE_TRY_LATER = 1013;

/**
 * Sends `text` unless the other side has left more than `maxBufferedBytes` unread: then nothing
 * more is queued for it and it is closed with CLOSE_TOO_SLOW and `reason`. ws keeps whatever a
 * socket does not read in memory, so without this a reader that stalls grows the process without
 * bound and every send to it costs more. Returns whether the text was queued.
 */
export function sendBounded(socket: WebSocket, text: string, maxBufferedBytes: number, reason: string): boolean {
  if (socket.readyState !== WebSocket.OPEN) return false;
  if (socket.bufferedAmount > maxBufferedBytes) {
    // The close frame queues behind the unread bytes; ws destroys the socket if the close
    // handshake has not finished 30 s later, so the memory held stays at the bound meanwhile.
    socket.close(CLOSE_TOO_SLOW, reason);
    return false;
  }
  try {
    socket.send(text);
    return true;
  } catch {
    socket.terminate(); // ws refused the frame: the socket is unusable
    return false;
  }
}

/**
 * Lowers the largest message `socket` may send us. ws takes maxPayload once per server, and the
 * node's one server carries both /p2p (blocks) and /rpc/ws (subscribers, who have nothing to say),
 * so the subscriber side narrows it on its own sockets; a bigger message closes the socket (1009).
 */
export function capIncoming(socket: WebSocket, maxBytes: number): void {
  const receiver = (socket as unknown as { _receiver?: { _maxPayload: number } })._receiver;
  if (receiver && typeof receiver._maxPayload === 'number') receiver._maxPayload = maxBytes;
}

/**
 * Answers a WebSocket upgrade with 503 SYSTEM_OVERLOADED (the seed's envelope) before any socket
 * exists, when `full` says there is no room: the client sees a plain HTTP refusal with a reason.
 */
export function refuseUpgradeWhenFull(full: () => boolean, what: string) {
  return async (request: FastifyRequest, reply: FastifyReply) => {
    if (!full()) return;
    return reply
      .code(503)
      .header('retry-after', '10')
      .send({ detail: `This node has as many ${what} as it takes; retry later`, error_code: 'SYSTEM_OVERLOADED', request_id: request.id, retry_after: 10 });
  };
}
