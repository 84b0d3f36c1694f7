// A seeded fuzzer for the HTTP edge of both servers (coordinator and chain node): it reads the
// routes from the app itself, makes malformed requests for each (bad JSON, wrong types, unpaired
// surrogates, huge numbers and strings, odd content types, bad percent-encoding, long path
// parameters, oversized bodies, GETs on WebSocket routes, broken HTTP over a raw socket), sends
// them to a real port and checks every answer: never a 5xx, always the seed envelope.
// The generator is seeded, so a failure names the seed and request that reproduce it.

import assert from 'node:assert/strict';
import { Agent, request as httpRequest } from 'node:http';
import { connect, type Socket } from 'node:net';
import { ERROR_CATALOGUE, isErrorCode } from '@aitbc/protocol';

/** mulberry32: tiny, fast, good enough to pick test cases, and the same on every run. */
export function prng(seed: number): Random {
  let state = seed >>> 0;
  const next = () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
  return {
    next,
    int: (below) => Math.floor(next() * below),
    pick: (items) => items[Math.floor(next() * items.length)]!,
    chance: (p) => next() < p,
  };
}

export interface Random {
  next(): number;
  int(below: number): number;
  pick<T>(items: readonly T[]): T;
  chance(p: number): boolean;
}

export interface Route {
  method: string;
  /** Fastify pattern, `:name` for parameters. */
  url: string;
}

/** Every (method, url) of an app, from `app.printRoutes({ commonPrefix: false })` (a tree of path pieces). */
export function routesFromTree(tree: string): Route[] {
  const routes: Route[] = [];
  const parents: string[] = [];
  for (const line of tree.split('\n')) {
    const match = /^([│ ]*)[├└]── (.*?)(?: \(([A-Z, ]+)\))?$/.exec(line);
    if (!match) continue;
    const depth = match[1]!.length / 4;
    const url = (parents[depth - 1] ?? '') + match[2]!;
    parents[depth] = url;
    parents.length = depth + 1;
    for (const method of (match[3] ?? '').split(', ').filter(Boolean)) routes.push({ method, url });
  }
  return routes;
}

export interface FuzzRequest {
  method: string;
  path: string;
  headers: Record<string, string>;
  body?: Buffer;
  /** What the case is, for the failure message. */
  label: string;
}

// A JSON text stand-in for numbers JSON.stringify cannot write (1e400 parses as Infinity).
const RAW_NUMBER = '\u0000raw:';
const rawNumber = (text: string) => `${RAW_NUMBER}${text}`;

/** JSON text of `value`, with `rawNumber` markers written as bare numbers. */
function jsonText(value: unknown): string {
  return JSON.stringify(value).replace(/"\\u0000raw:([^"]*)"/g, '$1');
}

const NASTY_STRINGS = ['\ud800', 'a\udc00b', '\udfff\ud800', '', ' ', '0', '-1', '1e400', 'NaN', '%zz', '\u0000', 'ait1', 'rcpt-', 'job-', "'; DROP TABLE jobs; --", '../../etc/passwd', '😀'];

function nastyValue(random: Random): unknown {
  switch (random.int(12)) {
    case 0:
      return random.pick(NASTY_STRINGS);
    case 1:
      return 'x'.repeat(random.pick([300, 5_000, 70_000]));
    case 2:
      return rawNumber(random.pick(['1e400', '-1e400', '1e-400', '123456789012345678901234567890', '-0', '9007199254740993', '0.1e1']));
    case 3:
      return random.pick([null, true, false, 0, -1, 1.5, 1e308, -2147483649]);
    case 4:
      return random.pick([[], {}, [null], { '\ud800': 1 }, ['\udc00']]);
    case 5:
      return Array.from({ length: random.pick([1, 50, 2_000]) }, () => random.pick(['a', 1, null]));
    case 6: {
      let deep: unknown = 'bottom';
      for (let i = random.pick([10, 70, 300]); i > 0; i--) deep = random.chance(0.5) ? [deep] : { a: deep };
      return deep;
    }
    case 7:
      return { ...Object.fromEntries(Array.from({ length: 20 }, (_, i) => [`k${i}`, i])) };
    case 8:
      return `${random.pick(NASTY_STRINGS)}${'é'.repeat(random.int(40))}\ud83d`;
    default:
      return random.pick(['a', 'demo', 'llama3.2', '1', '0.000001', 'client', 'ait1qqqq']);
  }
}

interface Schema {
  type?: string | string[];
  properties?: Record<string, Schema>;
  required?: string[];
  items?: Schema;
  enum?: unknown[];
  anyOf?: Schema[];
  oneOf?: Schema[];
  additionalProperties?: boolean | Schema;
  minimum?: number;
  example?: unknown;
  pattern?: string;
}

/** A value that roughly fits `schema` (the document's request body), so mutations reach past the first check. */
export function plausible(schema: Schema | undefined, random: Random, depth = 0): unknown {
  if (!schema || depth > 6) return 'x';
  if (schema.example !== undefined && random.chance(0.7)) return schema.example;
  if (schema.enum) return random.pick(schema.enum);
  const variants = schema.anyOf ?? schema.oneOf;
  if (variants) return plausible(random.pick(variants), random, depth + 1);
  const type = Array.isArray(schema.type) ? random.pick(schema.type) : schema.type;
  switch (type) {
    case 'object': {
      const out: Record<string, unknown> = {};
      for (const [key, child] of Object.entries(schema.properties ?? {})) {
        if (schema.required?.includes(key) || random.chance(0.5)) out[key] = plausible(child, random, depth + 1);
      }
      if (typeof schema.additionalProperties === 'object' && random.chance(0.5)) out[random.pick(['demo', 'llama3.2', 'm'])] = plausible(schema.additionalProperties, random, depth + 1);
      return out;
    }
    case 'array':
      return Array.from({ length: 1 + random.int(2) }, () => plausible(schema.items, random, depth + 1));
    case 'integer':
      return Math.max(schema.minimum ?? 0, random.int(100));
    case 'number':
      return random.next() * 2;
    case 'boolean':
      return random.chance(0.5);
    case 'null':
      return null;
    default:
      return random.pick(['demo', 'llama3.2', '1', '0.5', 'hello', 'miner-1', 'job-1', 'rcpt-1', 'client', 'alice']);
  }
}

/** `value` with one random spot replaced by a nasty value, a key dropped, or an unknown key added. */
export function mutate(value: unknown, random: Random): unknown {
  if (value === null || typeof value !== 'object' || random.chance(0.15)) return nastyValue(random);
  const copy: Record<string, unknown> | unknown[] = Array.isArray(value) ? [...value] : { ...(value as Record<string, unknown>) };
  const keys = Object.keys(copy);
  if (keys.length === 0 || random.chance(0.1)) {
    (copy as Record<string, unknown>)[random.pick(['extra', '\ud800', '__proto__', 'constructor'])] = nastyValue(random);
    return copy;
  }
  const key = random.pick(keys);
  if (!Array.isArray(copy) && random.chance(0.15)) delete copy[key];
  else (copy as Record<string, unknown>)[key] = mutate((copy as Record<string, unknown>)[key], random);
  return copy;
}

const CONTENT_TYPES = [
  'application/json',
  'application/json; charset=utf-8',
  'text/plain',
  'application/x-www-form-urlencoded',
  'multipart/form-data; boundary=xyz',
  'application/octet-stream',
  'application/json; charset=utf-16',
  'application/xml',
  'image/png',
  ';;;',
  'application/json, text/html',
  '*/*',
  'application/vnd.aitbc+json',
];

const PARAM_VALUES = ['job-1', 'rcpt-1', 'miner-1', 'alice', '1', '0', '-1', '99999999999999999999', '%zz', '%E0%A4%A', '%ED%A0%80', '%C0%AF', '%F0%9F%98%80', '%00', '%2F', '..', 'ait1qqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqq', '%25', '+', '%20'];
const QUERY_KEYS = ['limit', 'cursor', 'status', 'from', 'topics', 'miner_id', 'wait', 'x', '__proto__'];
const QUERY_VALUES = ['1', '0', '-5', '1e400', '100000', 'abc', '%zz', '%ED%A0%80', '', 'queued', 'heads,nope', '%00', 'x'.repeat(3_000)];

function pathFor(route: Route, random: Random): string {
  let path = route.url
    .split('/')
    .map((part) => {
      if (part === '*') return random.pick(['x', 'index.html', '%zz', '..%2F..%2Fetc%2Fpasswd']);
      if (!part.startsWith(':')) return part;
      const roll = random.next();
      if (roll < 0.15) return 'a'.repeat(random.pick([257, 1_000, 6_000]));
      return random.pick(PARAM_VALUES);
    })
    .join('/');
  if (random.chance(0.35)) {
    const pairs = Array.from({ length: 1 + random.int(3) }, () => `${random.pick(QUERY_KEYS)}=${random.pick(QUERY_VALUES)}`);
    path += `?${pairs.join('&')}`;
  } else if (random.chance(0.05)) {
    path += random.pick(['?', '?&&', '?=', '?%', '#frag']);
  }
  return path;
}

export interface FuzzPlan {
  routes: Route[];
  /** Request body schemas by `METHOD url` (from the OpenAPI document), to build plausible bodies. */
  bodySchemas?: Record<string, Schema>;
  /** Known-good bodies by `METHOD url`, mutated like the plausible ones. */
  seedBodies?: Record<string, unknown[]>;
  /** Header sets to authenticate with (none, bad, and real keys of each scope). */
  credentials: Record<string, string>[];
  /** Body limit of the server, to send bodies just over it. */
  bodyLimitBytes: number;
}

/** `perRoute` malformed requests for every route of the plan, deterministic for a seed. */
export function fuzzRequests(plan: FuzzPlan, seed: number, perRoute: number): FuzzRequest[] {
  const random = prng(seed);
  const out: FuzzRequest[] = [];
  for (const route of plan.routes) {
    const key = `${route.method} ${route.url}`;
    for (let i = 0; i < perRoute; i++) {
      const headers: Record<string, string> = { ...random.pick(plan.credentials) };
      let body: Buffer | undefined;
      let label = 'no body';
      const roll = random.next();
      // Oversized bodies go where bodies belong: a GET answered before its body is read ends in a
      // TCP reset that the client sees as an aborted answer, whoever is right.
      if (roll < 0.06 && !['GET', 'HEAD', 'DELETE'].includes(route.method)) {
        body = Buffer.alloc(plan.bodyLimitBytes + 1 + random.int(1_000), 0x20);
        label = 'oversized body';
      } else if (roll < 0.18) {
        body = Buffer.from(random.pick(['{', '{"a":', 'nul', '[1,]', '{"a":1}}', '\u0000', '"\\ud800', '{"a":"\\x41"}', '\ufeff{}', '[' .repeat(20_000), '{"a":1e400}']));
        label = 'broken JSON';
      } else if (roll < 0.22) {
        body = Buffer.from([0xed, 0xa0, 0x80, 0x7b, 0xff, 0xfe, 0x22]);
        label = 'invalid UTF-8';
      } else if (roll < 0.9) {
        const seeds = plan.seedBodies?.[key];
        const base = seeds && random.chance(0.7) ? random.pick(seeds) : plausible(plan.bodySchemas?.[key], random);
        const value = random.chance(0.9) ? mutate(base, random) : base;
        body = Buffer.from(jsonText(value));
        label = 'mutated JSON';
      }
      if (body || random.chance(0.2)) headers['content-type'] = random.pick(CONTENT_TYPES);
      if (body && random.chance(0.05)) headers['content-length'] = String(body.length + random.pick([-1, 1, 1_000]));
      if (random.chance(0.03)) headers['x-request-id'] = random.pick(['\u00e9', 'a'.repeat(500), 'ok-id-1']);
      out.push({ method: route.method, path: pathFor(route, random), headers, body, label: `${label} (seed ${seed}, #${out.length})` });
    }
  }
  return out;
}

export interface Answer {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  text: string;
}

/** Sends one request (keep-alive agent) and resolves with whatever came back; rejects only on a network failure. */
export function send(port: number, agent: Agent, fuzz: FuzzRequest, timeoutMs = 15_000): Promise<Answer> {
  return new Promise((resolve, reject) => {
    const headers: Record<string, string> = { ...fuzz.headers };
    if (fuzz.body && headers['content-length'] === undefined) headers['content-length'] = String(fuzz.body.length);
    // A wrong Content-Length desynchronises the connection: such a request gets a socket of its own.
    const ownSocket = fuzz.headers['content-length'] !== undefined;
    const req = httpRequest({ host: '127.0.0.1', port, method: fuzz.method, path: fuzz.path, headers, agent: ownSocket ? false : agent, timeout: timeoutMs }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (chunk: Buffer) => chunks.push(chunk));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, text: Buffer.concat(chunks).toString('utf8') }));
      res.on('error', reject);
    });
    req.on('timeout', () => req.destroy(new Error(`no answer within ${timeoutMs} ms`)));
    req.on('error', reject);
    // A too-long Content-Length may leave the server waiting: end what we have; the request timer answers.
    req.end(fuzz.body);
  });
}

/** Writes raw bytes on a fresh socket and resolves with the first HTTP response read (or '' if closed without one). */
export function sendRaw(port: number, bytes: string | Buffer, timeoutMs = 15_000): Promise<string> {
  return new Promise((resolve) => {
    const socket = connect(port, '127.0.0.1');
    const chunks: Buffer[] = [];
    const finish = () => {
      clearTimeout(timer);
      socket.destroy();
      resolve(Buffer.concat(chunks).toString('utf8'));
    };
    const timer = setTimeout(finish, timeoutMs);
    socket.on('connect', () => socket.write(bytes));
    socket.on('data', (chunk: Buffer) => {
      chunks.push(chunk);
      const text = Buffer.concat(chunks).toString('utf8');
      const split = text.indexOf('\r\n\r\n');
      const length = /\r\ncontent-length: *(\d+)/i.exec(text.slice(0, split));
      if (split >= 0 && length && Buffer.byteLength(text.slice(split + 4)) >= Number(length[1])) finish();
    });
    socket.on('error', () => undefined);
    socket.on('close', finish);
  });
}

/** Status and body of a raw response text. */
export function parseRaw(text: string): Answer {
  const split = text.indexOf('\r\n\r\n');
  const head = text.slice(0, split < 0 ? text.length : split);
  const status = Number(/^HTTP\/1\.[01] (\d{3})/.exec(head)?.[1] ?? 0);
  const headers: Record<string, string> = {};
  for (const line of head.split('\r\n').slice(1)) {
    const colon = line.indexOf(':');
    if (colon > 0) headers[line.slice(0, colon).toLowerCase()] = line.slice(colon + 1).trim();
  }
  return { status, headers, text: split < 0 ? '' : text.slice(split + 4) };
}

/** Requests that are not HTTP, or almost: each must still get the envelope. */
export function malformedHttp(random: Random, count: number, validPaths: string[]): (string | Buffer)[] {
  const fixed = [
    'GARBAGE\r\n\r\n',
    'GET /v1/health HTTP/9.9\r\n\r\n',
    'GET\r\n\r\n',
    'GET / HTTP/1.1\r\nHost x\r\n\r\n',
    'GET / HTTP/1.1\r\nHost: a\r\nBad Header: \u0001\r\n\r\n',
    'POST /v1/jobs HTTP/1.1\r\nHost: a\r\nContent-Length: abc\r\n\r\n',
    'POST /v1/jobs HTTP/1.1\r\nHost: a\r\nContent-Length: -1\r\n\r\n',
    'POST /v1/jobs HTTP/1.1\r\nHost: a\r\nContent-Length: 5\r\nContent-Length: 6\r\n\r\nhello',
    'POST /v1/jobs HTTP/1.1\r\nHost: a\r\nContent-Length: 5\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n',
    'POST /rpc/txs HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\nhello\r\n0\r\n\r\n',
    `GET /${'a'.repeat(100_000)} HTTP/1.1\r\nHost: a\r\n\r\n`,
    `GET / HTTP/1.1\r\nHost: a\r\nX-Big: ${'b'.repeat(20_000)}\r\n\r\n`,
    'GET /v1/he\u0000alth HTTP/1.1\r\nHost: a\r\n\r\n',
    'GET /v1/health HTTP/1.1\nHost: a\n\n',
    'PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n',
    '\x16\x03\x01\x02\x00\x01\x00\x01\xfc\x03\x03',
    'GET /v1/health HTTP/1.1\r\nHost: a\r\n folded: header\r\n\r\n',
    'POST /v1/receipts/verify HTTP/1.1\r\nHost: a\r\nContent-Type: application/json\r\nContent-Length: 40\r\n\r\n{"receipt":',
    'GET /v1/jobs/%zz HTTP/1.1\r\nHost: a\r\n\r\n',
    'GET /rpc/blocks/%ED%A0%80 HTTP/1.1\r\nHost: a\r\n\r\n',
  ];
  const out: (string | Buffer)[] = [...fixed];
  // Broken WebSocket handshakes on every kind of path (never a valid one: that would switch protocols).
  for (const path of validPaths) {
    const broken = random.pick(['Sec-WebSocket-Key: bad\r\nSec-WebSocket-Version: 13', 'Sec-WebSocket-Version: 13', 'Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 99']);
    out.push(`GET ${path} HTTP/1.1\r\nHost: a\r\nConnection: Upgrade\r\nUpgrade: ${random.pick(['websocket', 'h2c', 'WebSocket'])}\r\n${broken}\r\n\r\n`);
  }
  for (let i = 0; i < count; i++) {
    const valid = Buffer.from(`${random.pick(['GET', 'POST', 'PUT', 'DELETE'])} ${random.pick(validPaths)} HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\nContent-Length: 2\r\n\r\n{}`);
    for (let flips = 1 + random.int(3); flips > 0; flips--) valid[random.int(valid.length)] = random.int(256);
    out.push(valid);
  }
  return out;
}

/**
 * An answer below 500 that, when it is an error, is exactly the seed envelope: JSON, a detail,
 * a catalogued code (or one of `extraCodes`, the chain's own) with its status, a request id,
 * `field` on every VALIDATION_*, nothing else, and nothing internal. `tolerated5xx` names the
 * by-design 5xx answers of a test's setup (none by default).
 */
export function assertEnvelope(answer: Answer, context: string, extraCodes: ReadonlySet<string> = new Set(), tolerated5xx: (code: string, detail: string) => boolean = () => false): void {
  assert.ok(answer.status > 0, `${context}: no HTTP response at all`);
  if (answer.status < 400) return;
  let body: Record<string, unknown>;
  try {
    body = JSON.parse(answer.text);
  } catch {
    assert.fail(`${context}: ${answer.status} answer is not JSON: ${JSON.stringify(answer.text.slice(0, 200))}`);
  }
  const code = body.error_code;
  assert.ok(answer.status < 500 || tolerated5xx(String(code), String(body.detail)), `${context}: ${answer.status} ${answer.text.slice(0, 300)}`);
  assert.equal(typeof body.detail, 'string', `${context}: no detail in ${answer.text.slice(0, 200)}`);
  assert.ok((body.detail as string).length > 0, `${context}: empty detail`);
  assert.ok(isErrorCode(code) || extraCodes.has(String(code)), `${context}: error_code ${String(code)} is not in the catalogue`);
  if (isErrorCode(code)) assert.equal(answer.status, ERROR_CATALOGUE[code].status, `${context}: ${code} with status ${answer.status}`);
  assert.equal(typeof body.request_id, 'string', `${context}: no request_id`);
  if (String(code).startsWith('VALIDATION_')) assert.equal(typeof body.field, 'string', `${context}: ${String(code)} without field: ${answer.text.slice(0, 200)}`);
  // A chain refusal (CHAIN_TX_*, CHAIN_BLOCK_*) carries its typed context; nothing else does.
  const refusal = /^CHAIN_(TX|BLOCK)_/.test(String(code));
  assert.equal(typeof body.context === 'object' && body.context !== null, refusal, `${context}: ${String(code)} ${refusal ? 'without' : 'with'} a context: ${answer.text.slice(0, 200)}`);
  const extraKeys = Object.keys(body).filter((key) => !['detail', 'error_code', 'request_id', 'field', 'retry_after', 'error', 'context'].includes(key));
  assert.deepEqual(extraKeys, [], `${context}: keys outside the envelope`);
  assert.doesNotMatch(answer.text, /\n\s+at |node_modules|\/work\/|SQLITE|sqlite_/i, `${context}: internals leaked`);
}

/** Runs `tasks` with at most `width` at a time. */
export async function pool<T>(items: T[], width: number, task: (item: T) => Promise<void>): Promise<void> {
  let next = 0;
  await Promise.all(
    Array.from({ length: width }, async () => {
      while (next < items.length) await task(items[next++]!);
    }),
  );
}

/** Connections that sent their headers and a few bytes of a large body (or, without a path, nothing), then stalled. */
export class StalledUploads {
  private readonly sockets: Socket[] = [];
  private readonly received = new Map<Socket, string>();
  private readonly connected = new Set<Socket>();
  private readonly closed = new Set<Socket>();

  constructor(port: number, count: number, path: string | null, contentLength = 0) {
    for (let i = 0; i < count; i++) {
      const socket = connect(port, '127.0.0.1');
      socket.on('error', () => undefined);
      socket.on('connect', () => this.connected.add(socket));
      socket.on('data', (chunk: Buffer) => this.received.set(socket, (this.received.get(socket) ?? '') + chunk.toString()));
      socket.on('close', () => this.closed.add(socket));
      if (path) socket.write(`POST ${path} HTTP/1.1\r\nHost: a\r\nContent-Type: application/json\r\nContent-Length: ${contentLength}\r\n\r\n{"a`);
      this.sockets.push(socket);
    }
  }

  /** Resolves once every connection is open; they then hold what the server gives a request. */
  opened(ms = 5_000): Promise<void> {
    return this.waitFor(() => this.connected.size === this.sockets.length, 'stalled connections open', ms);
  }

  /** Resolves once the server has closed every one, with what each was answered. */
  async allClosed(ms = 15_000): Promise<Answer[]> {
    await this.waitFor(() => this.closed.size === this.sockets.length, 'every stalled upload closed', ms);
    return this.sockets.map((socket) => parseRaw(this.received.get(socket) ?? ''));
  }

  destroy(): void {
    for (const socket of this.sockets) socket.destroy();
  }

  private async waitFor(check: () => boolean, what: string, ms: number): Promise<void> {
    const giveUpAt = Date.now() + ms;
    while (!check()) {
      if (Date.now() > giveUpAt) assert.fail(`timed out waiting for ${what}`);
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
  }
}
