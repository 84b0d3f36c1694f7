// What both servers (coordinator and chain node) give web pages: CORS for the origins the operator
// allows, the built web app at / (a single-page app: a page path the API does not own gets
// index.html, so a reload of /explorer/block/12 works), and /web-config.json telling the page where
// the other server is. Node-only. The servers install CORS before their own hooks, so its headers
// are set before authentication, maintenance or load shedding can refuse a request (a browser can
// then read the error envelope), and the web app after their route hooks, so it is documented.

import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import cors from '@fastify/cors';
import staticFiles from '@fastify/static';
import type { FastifyInstance, FastifyReply, FastifyRequest, FastifySchema } from 'fastify';
import { WebConfig } from '@aitbc/protocol/wire';

/** The headers our clients send (SDK, web app, OpenAI clients) and those they read back. */
const ALLOWED_HEADERS = ['x-api-key', 'authorization', 'content-type', 'idempotency-key', 'x-request-id'];
const EXPOSED_HEADERS = ['retry-after', 'x-ratelimit-limit', 'x-ratelimit-remaining', 'x-ratelimit-reset', 'x-request-id'];

/** Paths the APIs own: an unknown one is a JSON 404, never the web app. */
const API_PATH = /^\/(v1|rpc|docs|p2p)(\/|$)|^\/(openapi\.json|metrics|health|web-config\.json)/;
/** Whether a path belongs to an API (or to GET /web-config.json) rather than to the web app's pages and files. */
export const isApiPath = (path: string): boolean => API_PATH.test(path);

/** A missing file (a stale asset name) is a 404, not the app's HTML. */
const FILE_PATH = /\/[^/]*\.[A-Za-z0-9]+$/;

export interface WebAppOptions {
  /** The built web app's directory; undefined: packages/web/dist as installed; null: no web app (not even the how-to-build page). */
  webDir?: string | null;
  /** Where the page finds each server, given this server's origin as the browser reached it. */
  webConfig: (ownOrigin: string) => WebConfig;
}

/** Answers a GET for a page path with the app; null when the request is not one (the caller's 404). */
export type WebFallback = (request: FastifyRequest, reply: FastifyReply) => FastifyReply | null;

/** packages/web/dist: from the installed package when it is one, else beside this package in the repository. */
export function defaultWebDir(): string {
  try {
    return join(dirname(fileURLToPath(import.meta.resolve('@aitbc/web/package.json'))), 'dist');
  } catch {
    return fileURLToPath(new URL('../../web/dist/', import.meta.url));
  }
}

const HOW_TO_BUILD = `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1"><title>AITBC</title></head>
<body><main><h1>AITBC</h1><p>The web app is not built on this server. Build it with <code>npm run build -w @aitbc/web</code> (or <code>npm ci</code> at the repository root) and restart.</p>
<p>The API answers here: <a href="/docs">API docs</a>, <a href="/web-config.json">web-config.json</a>.</p></main></body></html>
`;

const ownOrigin = (request: FastifyRequest) => `${request.protocol}://${request.host}`;

/** `origins`: those allowed to call from a browser; none → no CORS headers at all; ['*'] → any. */
export async function installCors(app: FastifyInstance, origins: readonly string[]): Promise<void> {
  if (origins.length === 0) return;
  const origin = origins.includes('*') ? '*' : [...origins];
  // Preflights are answered in cors's own onRequest hook, before any key is asked for.
  await app.register(cors, { origin, methods: ['GET', 'HEAD', 'POST', 'PUT', 'DELETE'], allowedHeaders: ALLOWED_HEADERS, exposedHeaders: EXPOSED_HEADERS, maxAge: 600 });
}

export async function installWebApp(app: FastifyInstance, options: WebAppOptions): Promise<WebFallback> {
  app.get('/web-config.json', { schema: { summary: 'Where the web app finds the coordinator and the chain node', tags: ['public'], response: { 200: WebConfig } } }, async (request) => options.webConfig(ownOrigin(request)));

  // Off (tests that study the API alone): no page at all, every unknown path a 404 envelope.
  if (options.webDir === null) return () => null;
  const dir = options.webDir ?? defaultWebDir();
  const built = existsSync(join(dir, 'index.html'));
  if (built) {
    // One route per file found at start (wildcard off), so unknown paths still reach the 404 handler.
    await app.register(staticFiles, { root: dir, wildcard: false, index: ['index.html'] });
  } else {
    // `hide` is @fastify/swagger's (the servers register it): the page is no API operation.
    app.get('/', { schema: { hide: true } as FastifySchema }, async (_request, reply) => reply.type('text/html; charset=utf-8').send(HOW_TO_BUILD));
  }

  return (request, reply) => {
    const path = request.url.split('?')[0] ?? '/';
    if ((request.method !== 'GET' && request.method !== 'HEAD') || isApiPath(path) || FILE_PATH.test(path)) return null;
    reply.code(200);
    return built ? reply.sendFile('index.html') : reply.type('text/html; charset=utf-8').send(HOW_TO_BUILD);
  };
}
