// Test scaffolding: a real HTTP server on 127.0.0.1 (port 0) that records what it received, and
// helpers to stream an answer in small chunks so lines and events arrive cut mid-way.

import { createServer, type IncomingHttpHeaders, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import assert from 'node:assert/strict';
import type { ChatInput, ChatMessage, ToolCall } from '@aitbc/protocol';
import { BackendError, type BackendErrorKind, type GenerationEvent, type Usage } from '../../src/backends/backend.ts';

export interface Received {
  method: string;
  path: string;
  headers: IncomingHttpHeaders;
  body: unknown;
}

export type Handler = (request: Received, res: ServerResponse, req: IncomingMessage) => void | Promise<void>;

export interface FakeServer {
  url: string;
  received: Received[];
  close(): Promise<void>;
}

export async function startServer(handler: Handler): Promise<FakeServer> {
  const received: Received[] = [];
  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => {
      const text = Buffer.concat(chunks).toString('utf8');
      const request: Received = { method: req.method ?? '', path: req.url ?? '', headers: req.headers, body: text ? (JSON.parse(text) as unknown) : undefined };
      received.push(request);
      Promise.resolve(handler(request, res, req)).catch((error: unknown) => {
        if (!res.headersSent) res.writeHead(599);
        res.end(String(error));
      });
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    received,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

/** A URL where nothing listens: a server is started, its port noted, and the server closed. */
export async function refusedUrl(): Promise<string> {
  const server = await startServer(() => {});
  await server.close();
  return server.url;
}

export function sendJson(res: ServerResponse, status: number, body: unknown): void {
  res.writeHead(status, { 'content-type': 'application/json' });
  res.end(JSON.stringify(body));
}

/** Writes `text` in `size`-byte pieces with a pause between, cutting lines and UTF-8 characters anywhere. */
export async function writeInChunks(res: ServerResponse, text: string, size = 7): Promise<void> {
  const bytes = Buffer.from(text, 'utf8');
  for (let at = 0; at < bytes.length; at += size) {
    if (res.destroyed) return;
    res.write(bytes.subarray(at, at + size));
    await new Promise((resolve) => setTimeout(resolve, 1));
  }
}

/** Resolves when the client drops the connection before the answer ended. */
export function closedEarly(res: ServerResponse): Promise<void> {
  return new Promise((resolve) => res.on('close', () => !res.writableFinished && resolve()));
}

export async function collect(events: AsyncIterable<GenerationEvent>): Promise<{ pieces: string[]; text: string; toolCalls: ToolCall[] | undefined; usage: Usage | undefined; doneCount: number }> {
  const pieces: string[] = [];
  let toolCalls: ToolCall[] | undefined;
  let usage: Usage | undefined;
  let doneCount = 0;
  for await (const event of events) {
    if (event.type === 'text') {
      assert.equal(toolCalls, undefined, 'no text after the tool calls');
      assert.equal(doneCount, 0, 'no text after done');
      pieces.push(event.text);
    } else if (event.type === 'tool_calls') {
      assert.equal(toolCalls, undefined, 'the tool calls come whole, once');
      assert.equal(doneCount, 0, 'no tool calls after done');
      toolCalls = event.calls;
    } else {
      doneCount++;
      usage = event.usage;
    }
  }
  return { pieces, text: pieces.join(''), toolCalls, usage, doneCount };
}

export async function rejectsWith(promise: Promise<unknown>, kind: BackendErrorKind, message?: RegExp): Promise<BackendError> {
  let caught: unknown;
  try {
    await promise;
  } catch (error) {
    caught = error;
  }
  assert.ok(caught instanceof BackendError, `expected a BackendError, got ${String(caught)}`);
  assert.equal(caught.kind, kind, caught.message);
  if (message) assert.match(caught.message, message);
  return caught;
}

export function within<T>(promise: Promise<T>, ms: number, what: string): Promise<T> {
  return Promise.race([promise, new Promise<never>((_, reject) => setTimeout(() => reject(new Error(`${what}: not within ${ms} ms`)), ms).unref())]);
}

/** A completion's input: a prompt continued as written. */
export const textInput = (prompt: string) => ({ kind: 'text' as const, input: { prompt } });

/** A chat turn's input: one user message, unless whole messages and other fields are given. */
export const chatInput = (content: string, extra: Omit<ChatInput, 'messages'> & { messages?: ChatMessage[] } = {}) => ({
  kind: 'chat' as const,
  input: { messages: [{ role: 'user' as const, content }], ...extra },
});
