// Turns every failure into the seed envelope: ApiErrors as they are, Fastify's own errors (bad
// JSON, body too large, bad URL, unknown route) into the matching code (shared with the chain
// node: `edgeError`), and anything else into SYSTEM_INTERNAL_ERROR, logged with the request id
// and never shown to the caller.

import type { FastifyError, FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { ApiError } from '@aitbc/protocol';
import { edgeError, type EdgeLimits } from '@aitbc/server-edge';
import type { WebFallback } from '@aitbc/server-edge';
import { withOpenAiError } from '../services/openai-format.ts';

declare module 'fastify' {
  interface FastifyContextConfig {
    /** An OpenAI-compatible route: errors also carry OpenAI's `error` object. */
    openai?: boolean;
  }
}

/** The body of an error answer: the seed envelope, plus OpenAI's error object on OpenAI routes. */
export function errorBody(request: FastifyRequest, error: ApiError, openai = request.routeOptions?.config?.openai === true) {
  const envelope = error.toEnvelope(request.id);
  return openai ? withOpenAiError(envelope, error.status) : envelope;
}

export function sendError(reply: FastifyReply, request: FastifyRequest, error: ApiError, openai?: boolean): FastifyReply {
  if (error.retryAfterSeconds !== undefined) reply.header('Retry-After', String(error.retryAfterSeconds));
  return reply.code(error.status).type('application/json; charset=utf-8').send(errorBody(request, error, openai));
}

/** Under /v1 an unknown path may be an OpenAI endpoint we lack (images, audio): its client reads `error`. */
const underV1 = (path: string) => path === '/v1' || path.startsWith('/v1/');

function internalError(request: FastifyRequest, error: unknown): ApiError {
  request.log.error({ err: error, request_id: request.id }, 'unexpected error');
  return new ApiError('SYSTEM_INTERNAL_ERROR', `Unexpected server error; retry, and report request id ${request.id} if it persists`);
}

/** Fastify's `frameworkErrors`: bad percent-encoding and over-long path parameters, caught by the router before any hook. */
export function frameworkErrorHandler(limits: EdgeLimits) {
  return (error: FastifyError, request: FastifyRequest, reply: FastifyReply) => {
    reply.header('X-Request-ID', request.id);
    return sendError(reply, request, edgeError(error, limits) ?? internalError(request, error));
  };
}

/** Route patterns by method, to tell 405 (path known, method not) from 404. */
export class RouteTable {
  private readonly routes: { method: string; pattern: RegExp }[] = [];

  add(methods: string | string[], url: string): void {
    const source = url
      .split('/')
      .map((part) => (part.startsWith(':') ? '[^/]+' : part === '*' ? '.*' : part.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')))
      .join('/');
    const pattern = new RegExp(`^${source}/?$`);
    for (const method of [methods].flat()) this.routes.push({ method, pattern });
  }

  methodsFor(path: string): string[] {
    return [...new Set(this.routes.filter((route) => route.pattern.test(path)).map((route) => route.method))];
  }
}

/** `webFallback`: a page path of the web app (not an API path) gets its index.html instead of a 404. */
export function installErrorHandling(app: FastifyInstance, routes: RouteTable, limits: EdgeLimits, webFallback: WebFallback): void {
  // Framework errors (body too large, bad Content-Length…) and unpaired surrogates met by the
  // canonicalizer map to their seed codes; anything else is a bug, logged and never shown.
  app.setErrorHandler((error: FastifyError | ApiError, request, reply) => sendError(reply, request, edgeError(error, limits) ?? internalError(request, error)));

  app.setNotFoundHandler((request, reply) => {
    const page = webFallback(request, reply);
    if (page) return page;
    const path = request.url.split('?')[0] ?? '/';
    const allowed = routes.methodsFor(path).filter((method) => method !== 'HEAD');
    if (allowed.length > 0) {
      reply.header('Allow', allowed.join(', '));
      return sendError(reply, request, new ApiError('METHOD_NOT_ALLOWED', `${request.method} is not allowed on ${path}; use ${allowed.join(' or ')}`), underV1(path));
    }
    return sendError(reply, request, new ApiError('ROUTE_NOT_FOUND', `No route ${request.method} ${path}; see /openapi.json for the API`), underV1(path));
  });
}
