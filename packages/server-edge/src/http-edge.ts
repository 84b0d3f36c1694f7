// The HTTP edge both servers (coordinator and chain node) share: how a body is read, how long a
// request may take to arrive, and how every failure below the handlers — malformed HTTP, bad
// percent-encoding, over-large bodies, unpaired surrogates, a GET on a WebSocket route — becomes
// the seed envelope instead of a 500 or a framework's own JSON. Node-only (raw sockets); typed
// structurally so that protocol needs no Fastify.

import { STATUS_CODES, maxHeaderSize, type ServerOptions } from 'node:http';
import type { Duplex } from 'node:stream';
import { ApiError, UnpairedSurrogateError, hasUnpairedSurrogate, newId } from '@aitbc/protocol';

export interface EdgeLimits {
  /** Largest request body in bytes. */
  bodyLimitBytes: number;
  /** Time for the request line and headers to arrive (Node's headersTimeout). */
  headersTimeoutMs: number;
  /** Time for the whole request, body included, to arrive (Node's requestTimeout). */
  requestTimeoutMs: number;
}

/**
 * Defaults: headers within 10 s; the whole request within 60 s, which carries a 4 MiB completion
 * at about 0.6 Mbit/s. A client that dribbles a body is cut when its time is up.
 */
export const EDGE_TIMEOUT_DEFAULTS = { headersTimeoutMs: 10_000, requestTimeoutMs: 60_000 } as const;

/** Deeper JSON than any of our bodies (a block is about 8 levels) is refused before anything walks it. */
export const MAX_JSON_DEPTH = 64;

/** Longest path parameter the router matches (ids are far shorter); longer is a 422, not a 404. */
export const MAX_PATH_PARAM_CHARS = 256;

/** `receipt.units.1` from the canonicalizer's `$.receipt.units[1]`; 'body' for the root. */
export function fieldOfJsonPath(path: string): string {
  const dotted = path.replace(/^\$\.?/, '').replace(/\[(\d+)\]/g, '.$1').replace(/^\./, '');
  return dotted || 'body';
}

/** What a server refuses in JSON bodies beyond the problems every server refuses. */
export interface BodyRules {
  /** Refuse NUL characters (U+0000) in strings and keys: a PostgreSQL text column cannot hold one. */
  refuseNul?: boolean;
}

/**
 * The first problem of a parsed JSON body that no handler should meet: nesting beyond
 * MAX_JSON_DEPTH, or a string or key with an unpaired surrogate (JSON.parse accepts "\ud800";
 * receipts, hashes and SQLite cannot carry it), or with `refuseNul` a NUL character. Iterative,
 * so a deep body cannot overflow the stack.
 */
export function jsonBodyProblem(value: unknown, rules: BodyRules = {}): ApiError | null {
  const stack: [unknown, string, number][] = [[value, '', 0]];
  while (stack.length > 0) {
    const [item, path, depth] = stack.pop()!;
    if (typeof item === 'string') {
      if (hasUnpairedSurrogate(item)) return surrogateError(path || 'body');
      if (rules.refuseNul && item.includes('\u0000')) return nulError(path || 'body');
      continue;
    }
    if (item === null || typeof item !== 'object') continue;
    if (depth >= MAX_JSON_DEPTH) return new ApiError('VALIDATION_INVALID_FORMAT', `The request body is nested deeper than ${MAX_JSON_DEPTH} levels`, { field: (path || 'body').slice(0, FIELD_MAX_CHARS) });
    for (const [key, child] of Object.entries(item)) {
      const childPath = path ? `${path}.${key}` : key;
      if (hasUnpairedSurrogate(key)) return surrogateError(path || 'body');
      if (rules.refuseNul && key.includes('\u0000')) return nulError(path || 'body');
      stack.push([child, childPath, depth + 1]);
    }
  }
  return null;
}

/** Paths are echoed back; a body made of huge keys must not make a huge answer. */
const FIELD_MAX_CHARS = 200;

function surrogateError(path: string): ApiError {
  const field = path.slice(0, FIELD_MAX_CHARS);
  return new ApiError('VALIDATION_INVALID_FORMAT', `Field '${field}' holds an unpaired UTF-16 surrogate (a lone \\ud800–\\udfff escape); strings must be valid Unicode`, { field });
}

/** A NUL character in a string the server would store (a body field, a path or query parameter). */
export function nulError(field: string): ApiError {
  const named = field.slice(0, FIELD_MAX_CHARS);
  return new ApiError('VALIDATION_INVALID_FORMAT', `Field '${named}' holds a NUL character (\\u0000), which this server cannot store; remove it`, { field: named });
}

/**
 * A request body as JSON, whatever its Content-Type (curl -d sends form encoding by default):
 * empty means none; anything else must be JSON without the problems `jsonBodyProblem` names.
 */
export function parseJsonBody(text: string, rules: BodyRules = {}): unknown {
  if (text.trim() === '') return undefined;
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    throw new ApiError('VALIDATION_INVALID_FORMAT', 'Request body is not valid JSON', { field: 'body' });
  }
  const problem = jsonBodyProblem(value, rules);
  if (problem) throw problem;
  return value;
}

interface BodyParserHost {
  removeAllContentTypeParsers(): void;
  addContentTypeParser(type: string, options: { parseAs: 'string' }, parser: (request: never, body: string, done: (error: Error | null, body?: unknown) => void) => void): void;
}

/** Replaces the framework's parsers (which refuse unknown types with their own 415) by `parseJsonBody`. */
export function installJsonBodyParser(app: BodyParserHost, rules: BodyRules = {}): void {
  app.removeAllContentTypeParsers();
  app.addContentTypeParser('*', { parseAs: 'string' }, (_request, body, done) => {
    try {
      done(null, parseJsonBody(body, rules));
    } catch (error) {
      done(error as Error, undefined);
    }
  });
}

interface FrameworkError {
  code?: string;
  statusCode?: number;
  validation?: { instancePath?: string; params?: { missingProperty?: string } }[];
  validationContext?: string;
}

/**
 * The seed error for a failure the framework (or the canonicalizer) raised before or around a
 * handler, or null for a real bug (then: SYSTEM_INTERNAL_ERROR, logged).
 */
export function edgeError(error: unknown, limits: Pick<EdgeLimits, 'bodyLimitBytes'>): ApiError | null {
  if (error instanceof ApiError) return error;
  if (error instanceof UnpairedSurrogateError) return surrogateError(fieldOfJsonPath(error.path));
  const framework = (error ?? {}) as FrameworkError;
  switch (framework.code) {
    case 'FST_ERR_CTP_BODY_TOO_LARGE':
      return new ApiError('PAYLOAD_TOO_LARGE', `Request body is over the limit of this server (${limits.bodyLimitBytes} bytes)`);
    case 'FST_ERR_CTP_INVALID_CONTENT_LENGTH':
      return new ApiError('VALIDATION_INVALID_FORMAT', 'Content-Length does not match the body sent', { field: 'Content-Length' });
    case 'FST_ERR_CTP_INVALID_MEDIA_TYPE':
    case 'FST_ERR_CTP_INVALID_TYPE':
    case 'FST_ERR_CTP_EMPTY_TYPE':
      return new ApiError('VALIDATION_INVALID_FORMAT', 'Content-Type is not one this server reads; send application/json', { field: 'Content-Type' });
    case 'FST_ERR_CTP_EMPTY_JSON_BODY':
    case 'FST_ERR_CTP_INVALID_JSON_BODY':
      return new ApiError('VALIDATION_INVALID_FORMAT', 'Request body is not valid JSON', { field: 'body' });
    case 'FST_ERR_BAD_URL':
      return new ApiError('VALIDATION_INVALID_FORMAT', 'The URL is not valid (bad percent-encoding?)', { field: 'url' });
    case 'FST_ERR_MAX_PARAM_LENGTH':
      return new ApiError('VALIDATION_OUT_OF_RANGE', `A path parameter is longer than ${MAX_PATH_PARAM_CHARS} characters`, { field: 'params' });
  }
  if (framework.validation) {
    const first = framework.validation[0];
    const part = framework.validationContext ?? 'body';
    const path = (first?.instancePath ?? '').split('/').filter(Boolean).join('.');
    const field = [path, first?.params?.missingProperty].filter(Boolean).join('.') || part;
    return new ApiError('VALIDATION_INVALID_FORMAT', `${part} '${field}' is not valid`, { field });
  }
  // Any other client error of the framework (a 4xx it raised itself) still gets the envelope.
  if (typeof framework.statusCode === 'number' && framework.statusCode >= 400 && framework.statusCode < 500) {
    if (framework.statusCode === 413) return new ApiError('PAYLOAD_TOO_LARGE', `Request body is over the limit of this server (${limits.bodyLimitBytes} bytes)`);
    return new ApiError('VALIDATION_INVALID_FORMAT', 'The request is malformed', { field: 'request' });
  }
  return null;
}

/** A whole HTTP/1.1 error response carrying the envelope, for a socket the framework never turned into a request. */
export function rawHttpError(error: ApiError, requestId = newId('req')): string {
  const body = JSON.stringify(error.toEnvelope(requestId));
  const retry = error.retryAfterSeconds === undefined ? '' : `Retry-After: ${error.retryAfterSeconds}\r\n`;
  return (
    `HTTP/1.1 ${error.status} ${STATUS_CODES[error.status] ?? 'Error'}\r\n` +
    `Content-Type: application/json; charset=utf-8\r\nContent-Length: ${Buffer.byteLength(body)}\r\n` +
    `X-Request-ID: ${requestId}\r\n${retry}Connection: close\r\n\r\n${body}`
  );
}

/** The seed error for what Node's HTTP parser or its timers reported on a socket (`headersIn`: a request was parsed). */
export function clientErrorOf(error: { code?: string }, limits: EdgeLimits, headersIn = false): ApiError {
  switch (error.code) {
    case 'ERR_HTTP_REQUEST_TIMEOUT':
      return new ApiError(
        'VALIDATION_INVALID_FORMAT',
        `The request did not arrive in time (headers within ${limits.headersTimeoutMs / 1000} s, the whole body within ${limits.requestTimeoutMs / 1000} s); send it at once`,
        // With its headers in, what was missing is the body; without, the request itself.
        { field: headersIn ? 'body' : 'request' },
      );
    case 'HPE_HEADER_OVERFLOW':
      return new ApiError('PAYLOAD_TOO_LARGE', `Request headers are over the limit of this server (${maxHeaderSize} bytes)`);
    default:
      return new ApiError('VALIDATION_INVALID_FORMAT', `Malformed HTTP request${error.code?.startsWith('HPE_') ? ` (${error.code})` : ''}`, { field: 'request' });
  }
}

interface PendingResponse {
  headersSent?: boolean;
  req?: { complete?: boolean };
  once(event: string, listener: () => void): void;
}

/** Time left for the envelope to drain before a socket that is no longer read is dropped. */
const DRAIN_MS = 1_000;

/**
 * Node's 'clientError' handler: answers malformed HTTP and timed-out requests with the envelope
 * when nothing has been sent on the socket yet, then closes it. Never throws.
 */
export function clientErrorHandler(limits: EdgeLimits): (error: Error & { code?: string }, socket: Duplex) => void {
  return (error, socket) => {
    if (error.code === 'ECONNRESET' || socket.destroyed) return;
    const close = () => {
      socket.end();
      setTimeout(() => socket.destroy(), DRAIN_MS).unref();
    };
    const pending = (socket as { _httpMessage?: PendingResponse })._httpMessage;
    // An answer is on its way: already started, or to an earlier request whose body is complete
    // (these bad bytes come after it: pipelined, or past a short Content-Length). Ours must not
    // precede or cut into it: close once it is out, or after one more request time at the latest.
    if (pending && (pending.headersSent || pending.req?.complete || error.code === 'HPE_CLOSED_CONNECTION')) {
      pending.once('finish', close);
      pending.once('close', close);
      setTimeout(() => socket.destroy(), limits.requestTimeoutMs).unref();
      return;
    }
    // The client said Connection: close and then sent more: nobody will read an answer to that.
    if (error.code === 'HPE_CLOSED_CONNECTION') return void close();
    if (socket.writable) {
      socket.write(rawHttpError(clientErrorOf(error, limits, pending !== undefined)));
      close();
    } else {
      socket.destroy();
    }
  };
}

/**
 * Fastify options for the edge: body limit, Node's header and request timers (checked every
 * quarter of the header time, at most every second, instead of Node's 30 s), the envelope on
 * client errors, and a path parameter limit above any real id.
 */
export function edgeServerOptions(limits: EdgeLimits, routerOptions: { ignoreTrailingSlash?: boolean } = {}) {
  const http: ServerOptions = {
    headersTimeout: limits.headersTimeoutMs,
    requestTimeout: limits.requestTimeoutMs,
    connectionsCheckingInterval: Math.max(50, Math.min(1_000, Math.floor(limits.headersTimeoutMs / 4))),
    // Node answers a missing Host with a bare 400 of its own, outside the envelope; nothing here needs Host.
    requireHostHeader: false,
  };
  return {
    bodyLimit: limits.bodyLimitBytes,
    requestTimeout: limits.requestTimeoutMs,
    http,
    routerOptions: { ...routerOptions, maxParamLength: MAX_PATH_PARAM_CHARS },
    clientErrorHandler: clientErrorHandler(limits),
  };
}

interface RouteShape {
  websocket?: boolean;
  wsHandler?: unknown;
  handler?: unknown;
  schema?: { hide?: boolean };
  config?: object;
}

/**
 * For an onRoute hook added before @fastify/websocket: a plain HTTP request to a WebSocket route
 * (no `Upgrade: websocket`) gets a 422 in the envelope instead of the plugin's empty 404.
 */
export function refusePlainHttpOnWebSocketRoute(route: RouteShape): void {
  if (!route.websocket) return;
  route.websocket = false;
  route.config = { ...route.config, [WEBSOCKET_ROUTE]: true };
  // OpenAPI 3.0 cannot describe a WebSocket; the plugin hides such routes only when it sees `websocket`.
  route.schema = { ...route.schema, hide: true };
  route.wsHandler = route.handler;
  route.handler = async () => {
    throw new ApiError('VALIDATION_INVALID_FORMAT', 'This route is a WebSocket: connect with the headers Connection: Upgrade and Upgrade: websocket', { field: 'Upgrade' });
  };
}

const WEBSOCKET_ROUTE = 'webSocketRoute';

interface UpgradeRequest {
  headers: Record<string, unknown>;
  routeOptions: { config?: object };
  is404?: boolean;
  raw: { socket: Duplex | null };
}

const isUpgrade = (request: { headers: Record<string, unknown> }) => typeof request.headers.upgrade === 'string' && request.headers.upgrade.toLowerCase() === 'websocket';

/**
 * For an onResponse hook: an upgrade request answered in HTTP (refused) leaves a socket that Node
 * no longer parses or times out; it is closed once the answer is out.
 */
export function closeAnsweredUpgrade(request: UpgradeRequest): void {
  if (isUpgrade(request)) request.raw.socket?.end();
}

/**
 * For an onRequest hook: an `Upgrade: websocket` on a plain route is refused in the envelope
 * (without it the WebSocket plugin would complete the handshake and hang up at once).
 */
export function upgradeOnPlainRouteError(request: UpgradeRequest): ApiError | null {
  if (!isUpgrade(request) || request.is404) return null;
  if ((request.routeOptions.config as Record<string, unknown> | undefined)?.[WEBSOCKET_ROUTE]) return null;
  return new ApiError('VALIDATION_INVALID_FORMAT', 'This route is not a WebSocket: send it as a plain HTTP request, without Upgrade', { field: 'Upgrade' });
}

/**
 * For ws's 'wsClientError': a broken WebSocket handshake (no or bad Sec-WebSocket-Key, an
 * unknown version) is answered in the envelope instead of ws's own text/html 400.
 */
export function answerWebSocketHandshakeError(error: Error, socket: Duplex): void {
  const field = /(Sec-WebSocket-[A-Za-z]+|Upgrade) header/.exec(error.message)?.[1] ?? 'Upgrade';
  if (socket.writable) socket.end(rawHttpError(new ApiError('VALIDATION_INVALID_FORMAT', `WebSocket handshake refused: ${error.message}`, { field })));
  setTimeout(() => socket.destroy(), DRAIN_MS).unref();
}

/**
 * OpenAPI 3.0.3 has no JSON Schema `examples` array in a Schema Object (3.1 does); the swagger
 * generator converts it where it looks, but not everywhere (record values, for instance). Every
 * array-valued `examples` left becomes `example` (its first entry). `examples` maps of Example
 * Objects, which 3.0.3 allows on parameters and media types, are objects and stay.
 */
export function toOpenApi303<T>(document: T): T {
  const stack: unknown[] = [document];
  while (stack.length > 0) {
    const item = stack.pop();
    if (item === null || typeof item !== 'object') continue;
    const record = item as Record<string, unknown>;
    if (Array.isArray(record.examples)) {
      if (record.example === undefined && record.examples.length > 0) record.example = record.examples[0];
      delete record.examples;
    }
    stack.push(...Object.values(record));
  }
  return document;
}
