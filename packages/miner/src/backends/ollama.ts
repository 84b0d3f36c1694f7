// Backend for a local Ollama server, through its native API: /api/tags to list models and a
// streamed /api/chat (newline-delimited JSON) to generate.

import { BackendError, type Backend, type GenerateRequest, type GenerationEvent } from './backend.ts';
import { DEFAULT_TIMEOUT_MS, HttpCall, kindForStatus, readServerError, trimBaseUrl } from './http.ts';
import { compact, isRecord, parseStreamJson, tokenCount } from './json.ts';
import { readLines } from './lines.ts';
import { normalizeDigest } from './model-digest.ts';

export interface OllamaOptions {
  /** Default http://127.0.0.1:11434. */
  baseUrl?: string;
  fetch?: typeof fetch;
  /** Longest silence tolerated from the server (see DEFAULT_TIMEOUT_MS). */
  timeoutMs?: number;
}

export class OllamaBackend implements Backend {
  readonly name = 'ollama' as const;
  readonly #baseUrl: string;
  readonly #fetch: typeof fetch;
  readonly #timeoutMs: number;

  constructor(options: OllamaOptions = {}) {
    this.#baseUrl = trimBaseUrl(options.baseUrl ?? 'http://127.0.0.1:11434');
    this.#fetch = options.fetch ?? ((input, init) => fetch(input, init));
    this.#timeoutMs = options.timeoutMs ?? DEFAULT_TIMEOUT_MS;
  }

  async listModels(): Promise<string[]> {
    return [...(await this.#tags()).keys()];
  }

  /** The `digest` /api/tags gives each model (64 hex digits), as "sha256:…". */
  async modelDigests(): Promise<Record<string, string>> {
    const digests: Record<string, string> = {};
    for (const [name, digest] of await this.#tags()) if (digest) digests[name] = digest;
    return digests;
  }

  /** Model name → its digest where /api/tags gives a well-formed one. */
  async #tags(): Promise<Map<string, string | undefined>> {
    const server = this.#baseUrl;
    const call = new HttpCall('ollama', server, this.#timeoutMs, undefined);
    try {
      const response = await call.send(this.#fetch, `${this.#baseUrl}/api/tags`, { method: 'GET' });
      if (!response.ok) {
        const error = await readServerError(response);
        throw new BackendError(kindForStatus(error.status), `ollama answered ${error.status} to its model list: ${error.message}`, { server });
      }
      const body: unknown = await response.json().catch((cause: unknown) => {
        throw new BackendError('unavailable', 'ollama sent a malformed model list', { cause, server });
      });
      const models = isRecord(body) && Array.isArray(body['models']) ? body['models'] : [];
      const names = new Map<string, string | undefined>();
      for (const model of models) {
        if (!isRecord(model)) continue;
        const name = typeof model['name'] === 'string' ? model['name'] : model['model'];
        if (typeof name !== 'string' || name === '') continue;
        const digest = typeof model['digest'] === 'string' ? normalizeDigest(model['digest']) : undefined;
        names.set(name, digest);
        // Ollama resolves a bare name to its `:latest` tag, so jobs may ask for either.
        if (name.endsWith(':latest')) names.set(name.slice(0, -':latest'.length), digest);
      }
      return names;
    } catch (error) {
      throw call.fail(error);
    } finally {
      call.close();
    }
  }

  async *generate(request: GenerateRequest): AsyncGenerator<GenerationEvent> {
    const source = `ollama (model ${request.model})`;
    const server = this.#baseUrl;
    const call = new HttpCall(source, server, this.#timeoutMs, request.signal);
    try {
      const response = await call.send(this.#fetch, `${this.#baseUrl}/api/chat`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify(chatBody(request)),
      });
      if (!response.ok) throw await this.#answerError(response, request.model);
      if (!response.body) throw new BackendError('unavailable', `${source}: empty answer`, { server });
      for await (const line of readLines(response.body, (waiting) => call.waiting(waiting))) {
        call.throwIfAborted();
        if (line.trim() === '') continue;
        const chunk = parseStreamJson(line, source, server);
        if (!isRecord(chunk)) throw new BackendError('unavailable', `${source}: unexpected stream line ${line.slice(0, 200)}`, { server });
        // Ollama reports failures after the 200 (model crash, out of memory) as an `error` line.
        if (chunk['error'] !== undefined) throw new BackendError('unavailable', `${source}: ${String(chunk['error'])}`, { server });
        const message = chunk['message'];
        const content = isRecord(message) ? message['content'] : undefined;
        if (typeof content === 'string' && content !== '') yield { type: 'text', text: content };
        if (chunk['done'] === true) {
          const usage = { promptTokens: tokenCount(chunk['prompt_eval_count']) ?? 0, completionTokens: tokenCount(chunk['eval_count']) ?? 0 };
          // Released before the last event, in case the consumer never asks for more.
          call.close();
          yield { type: 'done', usage };
          return;
        }
      }
      throw new BackendError('unavailable', `${source}: the stream ended before generation was done`, { server });
    } catch (error) {
      throw call.fail(error);
    } finally {
      call.close();
    }
  }

  async #answerError(response: Response, model: string): Promise<BackendError> {
    const error = await readServerError(response);
    // Ollama: 404 {"error":"model \"x\" not found, try pulling it first"}. A 404 saying anything
    // else (e.g. no /api/chat at all) is not about the model.
    if (error.status === 404 && /\bmodel\b.*not found/i.test(error.message)) {
      return new BackendError('model_not_found', `ollama has no model ${model} (${error.message}); run: ollama pull ${model}`, { server: this.#baseUrl });
    }
    return new BackendError(kindForStatus(error.status), `ollama answered ${error.status}: ${error.message}`, { server: this.#baseUrl });
  }
}

function chatBody(request: GenerateRequest): Record<string, unknown> {
  const options = compact({
    num_predict: request.maxTokens,
    temperature: request.temperature,
    top_p: request.topP,
    seed: request.seed,
    stop: request.stop && request.stop.length > 0 ? request.stop : undefined,
  });
  return compact({
    model: request.model,
    messages: [{ role: 'user', content: request.prompt }],
    stream: true,
    options: Object.keys(options).length > 0 ? options : undefined,
  });
}
