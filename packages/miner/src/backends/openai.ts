// Backend for any OpenAI-compatible server (vLLM, llama.cpp server, LM Studio…): /models to list
// and a streamed /chat/completions (server-sent events) to generate.

import { BackendError, type Backend, type GenerateRequest, type GenerationEvent } from './backend.ts';
import { countTokens } from './demo.ts';
import { DEFAULT_TIMEOUT_MS, HttpCall, kindForStatus, readServerError, trimBaseUrl, type ServerError } from './http.ts';
import { compact, isRecord, parseStreamJson, tokenCount } from './json.ts';
import { readLines } from './lines.ts';
import { readSseData } from './sse.ts';

export interface OpenAiOptions {
  /** The API root, e.g. http://127.0.0.1:8000/v1 (paths /models and /chat/completions follow it). */
  baseUrl: string;
  apiKey?: string;
  fetch?: typeof fetch;
  /** Longest silence tolerated from the server (see DEFAULT_TIMEOUT_MS). */
  timeoutMs?: number;
  /** Model → "sha256:…", named by the operator (the server itself reports none). */
  digests?: Record<string, string> | undefined;
}

export class OpenAiBackend implements Backend {
  readonly name = 'openai' as const;
  readonly #baseUrl: string;
  readonly #apiKey: string | undefined;
  readonly #fetch: typeof fetch;
  readonly #timeoutMs: number;
  readonly #digests: Record<string, string>;

  constructor(options: OpenAiOptions) {
    this.#digests = { ...options.digests };
    this.#baseUrl = trimBaseUrl(options.baseUrl);
    this.#apiKey = options.apiKey;
    this.#fetch = options.fetch ?? ((input, init) => fetch(input, init));
    this.#timeoutMs = options.timeoutMs ?? DEFAULT_TIMEOUT_MS;
  }

  async listModels(): Promise<string[]> {
    const server = this.#baseUrl;
    const call = new HttpCall('the OpenAI-compatible server', server, this.#timeoutMs, undefined);
    try {
      const response = await call.send(this.#fetch, `${this.#baseUrl}/models`, { method: 'GET', headers: this.#headers() });
      if (!response.ok) {
        const error = await readServerError(response);
        const hint = error.status === 404 ? ' (does the base URL end in /v1?)' : '';
        throw new BackendError(kindForStatus(error.status), `the OpenAI-compatible server answered ${error.status} to its model list: ${error.message}${hint}`, { server });
      }
      const body: unknown = await response.json().catch((cause: unknown) => {
        throw new BackendError('unavailable', 'the OpenAI-compatible server sent a malformed model list', { cause, server });
      });
      const data = isRecord(body) && Array.isArray(body['data']) ? body['data'] : [];
      const ids = data.flatMap((model) => (isRecord(model) && typeof model['id'] === 'string' ? [model['id']] : []));
      return [...new Set(ids)];
    } catch (error) {
      throw call.fail(error);
    } finally {
      call.close();
    }
  }

  async modelDigests(): Promise<Record<string, string>> {
    return { ...this.#digests };
  }

  async *generate(request: GenerateRequest): AsyncGenerator<GenerationEvent> {
    const source = `the OpenAI-compatible server (model ${request.model})`;
    const server = this.#baseUrl;
    const call = new HttpCall(source, server, this.#timeoutMs, request.signal);
    try {
      const response = await call.send(this.#fetch, `${this.#baseUrl}/chat/completions`, {
        method: 'POST',
        headers: { ...this.#headers(), 'content-type': 'application/json', accept: 'text/event-stream' },
        body: JSON.stringify(completionBody(request)),
      });
      if (!response.ok) throw modelError(await readServerError(response), source, server, request.model);
      if (!response.body) throw new BackendError('unavailable', `${source}: empty answer`, { server });
      let output = '';
      let reported: Record<string, unknown> | undefined;
      let finished = false;
      let ended = false;
      for await (const data of readSseData(readLines(response.body, (waiting) => call.waiting(waiting)))) {
        call.throwIfAborted();
        if (data.trim() === '[DONE]') {
          ended = true;
          break;
        }
        const chunk = parseStreamJson(data, source, server);
        if (!isRecord(chunk)) continue;
        if (chunk['error'] !== undefined) throw streamError(chunk['error'], source, server);
        // Servers differ on where usage comes: a last chunk without choices, or on every chunk.
        if (isRecord(chunk['usage'])) reported = chunk['usage'];
        const choices = chunk['choices'];
        const choice: unknown = Array.isArray(choices) ? choices[0] : undefined;
        if (!isRecord(choice)) continue;
        if (typeof choice['finish_reason'] === 'string') finished = true;
        const delta = choice['delta'];
        const content = isRecord(delta) ? delta['content'] : undefined;
        if (typeof content === 'string' && content !== '') {
          output += content;
          yield { type: 'text', text: content };
        }
      }
      // Without [DONE] the answer may be cut short, unless the server at least said why it stopped.
      if (!ended && !finished) throw new BackendError('unavailable', `${source}: the stream ended before generation was done`, { server });
      // Some servers ignore stream_options.include_usage; then count whitespace-separated words as
      // the demo backend does, a rough but never-zero measure for real output.
      const usage = {
        promptTokens: tokenCount(reported?.['prompt_tokens']) ?? countTokens(request.prompt),
        completionTokens: tokenCount(reported?.['completion_tokens']) ?? countTokens(output),
      };
      call.close();
      yield { type: 'done', usage };
    } catch (error) {
      throw call.fail(error);
    } finally {
      call.close();
    }
  }

  #headers(): Record<string, string> {
    return this.#apiKey ? { authorization: `Bearer ${this.#apiKey}` } : {};
  }
}

function completionBody(request: GenerateRequest): Record<string, unknown> {
  return compact({
    model: request.model,
    messages: [{ role: 'user', content: request.prompt }],
    stream: true,
    stream_options: { include_usage: true },
    max_tokens: request.maxTokens,
    temperature: request.temperature,
    top_p: request.topP,
    seed: request.seed,
    stop: request.stop && request.stop.length > 0 ? request.stop : undefined,
  });
}

/** OpenAI answers 404 with code model_not_found; vLLM 404 "The model `x` does not exist". */
function modelError(error: ServerError, source: string, server: string, model: string): BackendError {
  if (error.status === 404 || error.code === 'model_not_found') {
    return new BackendError('model_not_found', `${source}: no model ${model} (${error.message})`, { server });
  }
  return new BackendError(kindForStatus(error.status), `${source} answered ${error.status}: ${error.message}`, { server });
}

function streamError(error: unknown, source: string, server: string): BackendError {
  const message = isRecord(error) && typeof error['message'] === 'string' ? error['message'] : JSON.stringify(error);
  if (isRecord(error) && error['code'] === 'model_not_found') return new BackendError('model_not_found', `${source}: ${message}`, { server });
  return new BackendError('unavailable', `${source}: ${message}`, { server });
}
