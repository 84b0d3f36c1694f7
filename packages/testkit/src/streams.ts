// The two ends of a live stream, spoken as the wire has them: a client of the OpenAI-compatible
// route reading (or not reading) server-sent events, and a miner that claims the job and dials
// WS /v1/jobs/{id}/stream to send whatever the test wants, honest or not.

import { request as httpRequest, type IncomingMessage } from 'node:http';
import WebSocket from 'ws';
import { TestMiner } from './coordinator.ts';
import type { RequestFn } from './http.ts';
import { until } from './polling.ts';

export const STREAM_MODEL = 'stream-model';

/** A streamed chat completion over plain HTTP; resolves once the response headers are in. */
export function openChatStream(url: string, apiKey: string, content = 'hello', extra: Record<string, unknown> = {}): Promise<IncomingMessage> {
  const body = JSON.stringify({ model: STREAM_MODEL, messages: [{ role: 'user', content }], stream: true, max_price: '1', ...extra });
  return new Promise((resolve, reject) => {
    const request = httpRequest(`${url}/v1/chat/completions`, { method: 'POST', headers: { authorization: `Bearer ${apiKey}`, 'content-type': 'application/json' } }, resolve);
    request.on('error', reject);
    request.end(body);
  });
}

export interface StreamReader {
  /** The `data:` events parsed so far ('[DONE]' kept as the string). */
  events: unknown[];
  /** The content of the text pieces so far. */
  text(): string;
  /** Resolves when the response ends or is cut. */
  done: Promise<void>;
}

/** Reads a server-sent event response as it comes. */
export function readEvents(response: IncomingMessage): StreamReader {
  const events: unknown[] = [];
  let buffer = '';
  response.setEncoding('utf8');
  response.on('data', (chunk: string) => {
    buffer += chunk;
    let end: number;
    while ((end = buffer.indexOf('\n\n')) >= 0) {
      const line = buffer.slice(0, end);
      buffer = buffer.slice(end + 2);
      if (!line.startsWith('data: ')) continue;
      const data = line.slice(6);
      events.push(data === '[DONE]' ? data : JSON.parse(data));
    }
  });
  const done = new Promise<void>((resolve) => {
    response.on('end', resolve);
    response.on('close', resolve);
    response.on('error', () => resolve());
  });
  const text = () =>
    events
      .map((event) => (event as { choices?: { delta?: { content?: string } }[] }).choices?.[0]?.delta?.content ?? '')
      .join('');
  return { events, text, done };
}

/** The error event of a stream, if one came. */
export function errorEvent(events: unknown[]): { error_code: string; detail: string } | undefined {
  return events.find((event) => typeof event === 'object' && event !== null && 'error_code' in event) as { error_code: string; detail: string } | undefined;
}

export interface MinerStream {
  socket: WebSocket;
  /** Messages the coordinator sent on the stream. */
  received: { type?: string; reason?: string; error_code?: string; detail?: string }[];
  closed: Promise<{ code: number; reason: string }>;
  text(text: string): Promise<void>;
  end(): Promise<void>;
}

/** Registers a miner for the stream model. */
export async function streamingMiner(request: RequestFn, apiKey: string, minerId: string, price = '0.000001'): Promise<TestMiner> {
  const miner = new TestMiner({ request }, apiKey, minerId, { [STREAM_MODEL]: price });
  const registered = await miner.register();
  if (registered.status !== 200 && registered.status !== 201) throw new Error(`register failed: ${registered.text}`);
  return miner;
}

/** Polls until the miner holds a job (the claim answer). */
export async function claimJob(miner: TestMiner): Promise<any> {
  return until(async () => {
    const answer = await miner.poll(1);
    return answer.status === 200 ? answer.body : null;
  }, 'a job to claim');
}

/** Dials the job's stream as its miner. */
export function dialStream(url: string, miner: TestMiner, jobId: string): Promise<MinerStream> {
  const socket = new WebSocket(`${url.replace(/^http/, 'ws')}/v1/jobs/${jobId}/stream?miner_id=${encodeURIComponent(miner.minerId)}`, { headers: { 'x-api-key': miner.apiKey } });
  const received: MinerStream['received'] = [];
  socket.on('message', (data) => received.push(JSON.parse(data.toString())));
  socket.on('error', () => undefined); // a cut connection shows as the close
  const closed = new Promise<{ code: number; reason: string }>((resolve) => socket.on('close', (code, reason) => resolve({ code, reason: reason.toString() })));
  const send = (message: unknown) =>
    new Promise<void>((resolve, reject) => socket.send(JSON.stringify(message), (error) => (error ? reject(error) : resolve())));
  return new Promise((resolve, reject) => {
    socket.once('open', () =>
      resolve({
        socket,
        received,
        closed,
        text: (text) => send({ type: 'text', text }),
        end: async () => {
          await send({ type: 'end' });
          socket.close(1000);
          await closed;
        },
      }),
    );
    socket.once('unexpected-response', (_request, response) => reject(new Error(`stream refused: ${response.statusCode}`)));
  });
}

/**
 * A client of `client` asks for a stream; the miner (polling its own coordinator, which may be
 * another one) claims the job, streams `shown`, ends, and completes with `output`. With
 * `hangUp`, the client hangs up once shown the text, and the miner ends when told to stop.
 */
export async function streamThenComplete(client: { url: string; key: string }, miner: TestMiner, minerUrl: string, shown: string, output: string, hangUp = false) {
  const response = await openChatStream(client.url, client.key, 'Yes or no?');
  const reader = readEvents(response);
  const claim = await claimJob(miner);
  const stream = await dialStream(minerUrl, miner, claim.job_id);
  await stream.text(shown);
  await until(() => reader.text() === shown, `the client to be shown ${shown}`);
  if (hangUp) {
    response.destroy();
    await until(() => stream.received.some((message) => message.type === 'stop'), 'the miner to be told to stop');
  }
  await stream.end();
  const answer = await miner.complete(claim.job_id, miner.completion(claim, output));
  return { reader, claim, answer };
}
