// Ports for tests' servers: a port nothing listens on right now.

import { createServer } from 'node:net';

/** A port nothing listens on right now (a server is bound to port 0, noted and closed). */
export async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as { port: number }).port;
  await new Promise((resolve) => server.close(resolve));
  return port;
}
