// A chat turn read as the miner writes it: the conversation goes to POST /v1/chat/completions
// (the route OpenAI clients use) with `stream: true`, and the caller iterates plain text pieces;
// the job's facts (id, tokens, price, receipt) are there once the answer is complete.

import { jobStreamEvents } from './job-stream.ts';
import type { HttpRequest } from './transport.ts';

/** One turn of the conversation, as text. */
export interface ChatTurn {
  role: 'system' | 'user' | 'assistant';
  content: string;
}

/** What to ask: the whole conversation so far (the model keeps no memory between jobs). */
export interface ChatStreamParameters {
  model: string;
  messages: ChatTurn[];
  /** AITBC, escrowed at submit; the coordinator's default for OpenAI requests when absent. */
  max_price?: string;
  max_tokens?: number;
  temperature?: number;
  /** Aborting hangs up: a queued job is cancelled (refunded), a running one stopped (you pay for what it produced). */
  signal?: AbortSignal;
}

/** The facts of a completed answer. */
export interface ChatOutcome {
  job_id: string;
  receipt_id: string;
  /** AITBC charged. */
  price: string;
  /** 'stop', or 'length' when max_tokens cut the answer. */
  finish_reason: string | null;
  usage: { prompt_tokens: number; completion_tokens: number } | null;
  /** The whole answer: the pieces joined. */
  text: string;
}

/**
 * An answer being streamed: iterate it (once) for its text pieces. `jobId` is known as soon as
 * the coordinator accepted the request, `outcome` once the iteration ended with the answer
 * complete. Errors, including the job's own failure mid-stream, throw the SDK's error classes;
 * an aborted signal throws its reason (an `AbortError` unless given another).
 */
export class ChatStream implements AsyncIterable<string> {
  #jobId: string | undefined;
  #outcome: ChatOutcome | undefined;
  #started = false;

  constructor(
    private readonly open: (request: HttpRequest) => Promise<Response>,
    private readonly parameters: ChatStreamParameters,
  ) {}

  /** The job's id, once the coordinator accepted the request (undefined before, or if it refused). */
  get jobId(): string | undefined {
    return this.#jobId;
  }

  /** The answer's facts, once it completed (undefined while streaming, and after an error or abort). */
  get outcome(): ChatOutcome | undefined {
    return this.#outcome;
  }

  async *[Symbol.asyncIterator](): AsyncGenerator<string> {
    if (this.#started) throw new TypeError('A ChatStream is read once; ask again with client.chat.stream()');
    this.#started = true;
    const { signal } = this.parameters;
    let text = '';
    try {
      const response = await this.open({ method: 'POST', path: '/v1/chat/completions', body: chatRequest(this.parameters), idempotent: false, signal });
      for await (const event of jobStreamEvents(response)) {
        if (event.type === 'submitted') this.#jobId = event.job_id;
        else if (event.type === 'text') {
          text += event.text;
          yield event.text;
        } else {
          this.#jobId = event.job_id;
          this.#outcome = { job_id: event.job_id, receipt_id: event.receipt_id, price: event.price, finish_reason: event.finish_reason, usage: event.usage, text };
        }
      }
    } catch (error) {
      // Aborted before the answer's headers, the transport calls it a NetworkError; after, the
      // body read fails with the abort reason: either way the caller asked for it, so say so.
      if (signal?.aborted) throw signal.reason;
      throw error;
    }
  }
}

/** The body of POST /v1/chat/completions for the turn, asking for the stream and its usage. */
function chatRequest(parameters: ChatStreamParameters): Record<string, unknown> {
  const { model, messages, max_price, max_tokens, temperature } = parameters;
  return {
    model,
    messages,
    ...(max_price !== undefined ? { max_price } : {}),
    ...(max_tokens !== undefined ? { max_tokens } : {}),
    ...(temperature !== undefined ? { temperature } : {}),
    stream: true,
    stream_options: { include_usage: true },
  };
}
