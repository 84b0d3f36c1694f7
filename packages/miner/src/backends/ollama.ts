// Backend for a local Ollama server, through its native API: /api/tags to list models, /api/show
// for what each can do, streamed /api/chat (chat jobs) and raw /api/generate (completions) as
// newline-delimited JSON, and /api/embed.

import { CAPABILITIES, DEFAULT_CAPABILITIES, type Capability, type ModelCapabilities, type ToolCall } from '@aitbc/protocol';
import { BackendError, type Backend, type EmbedRequest, type GenerateRequest, type GenerationEvent, type Usage } from './backend.ts';
import { DEFAULT_TIMEOUT_MS, HttpCall, kindForStatus, readServerError, trimBaseUrl } from './http.ts';
import { compact, isRecord, parseStreamJson, tokenCount, vectors } from './json.ts';
import { readLines } from '@aitbc/sdk';
import { normalizeDigest } from './model-digest.ts';
import { ollamaChat, ollamaToolCalls } from './ollama-chat.ts';

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
    const chat = request.input.kind === 'chat';
    // Built before connecting: a request Ollama cannot take (an image URL) is refused without a call.
    const body = requestBody(request);
    const call = new HttpCall(source, server, this.#timeoutMs, request.signal);
    try {
      const response = await call.send(this.#fetch, `${this.#baseUrl}/api/${chat ? 'chat' : 'generate'}`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify(body),
      });
      if (!response.ok) throw await this.#answerError(response, request.model);
      if (!response.body) throw new BackendError('unavailable', `${source}: empty answer`, { server });
      const calls: ToolCall[] = [];
      for await (const line of readLines(response.body, (waiting) => call.waiting(waiting))) {
        call.throwIfAborted();
        if (line.trim() === '') continue;
        const chunk = parseStreamJson(line, source, server);
        if (!isRecord(chunk)) throw new BackendError('unavailable', `${source}: unexpected stream line ${line.slice(0, 200)}`, { server });
        // Ollama reports failures after the 200 (model crash, out of memory) as an `error` line.
        if (chunk['error'] !== undefined) throw new BackendError('unavailable', `${source}: ${String(chunk['error'])}`, { server });
        // /api/chat streams message.content (and whole tool calls); /api/generate streams `response`.
        const message = chunk['message'];
        const content = chat ? (isRecord(message) ? message['content'] : undefined) : chunk['response'];
        if (typeof content === 'string' && content !== '') yield { type: 'text', text: content };
        if (chat) calls.push(...ollamaToolCalls(message, calls.length));
        if (chunk['done'] === true) {
          const usage = { promptTokens: tokenCount(chunk['prompt_eval_count']) ?? 0, completionTokens: tokenCount(chunk['eval_count']) ?? 0 };
          // Released before the last events, in case the consumer never asks for more.
          call.close();
          if (calls.length > 0) yield { type: 'tool_calls', calls };
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

  /** What each model can do, from /api/show: its `capabilities` and its architecture's context length. */
  async capabilities(models?: readonly string[]): Promise<Record<string, ModelCapabilities>> {
    const named = models ?? (await this.listModels());
    const result: Record<string, ModelCapabilities> = {};
    for (const model of named) {
      const shown = await this.#postJson('/api/show', { model }, model, undefined);
      result[model] = modelCapabilities(shown);
    }
    return result;
  }

  async embed(request: EmbedRequest): Promise<{ embeddings: number[][]; usage: Usage }> {
    const answer = await this.#postJson('/api/embed', compact({ model: request.model, input: request.input, dimensions: request.dimensions }), request.model, request.signal);
    const embeddings = isRecord(answer) ? vectors(answer['embeddings'], request.input.length) : undefined;
    if (!embeddings) throw new BackendError('unavailable', `ollama (model ${request.model}) sent no embedding for each input`, { server: this.#baseUrl });
    return { embeddings, usage: { promptTokens: tokenCount(isRecord(answer) ? answer['prompt_eval_count'] : undefined) ?? 0, completionTokens: 0 } };
  }

  /** One non-streamed POST and its JSON answer. */
  async #postJson(path: string, body: unknown, model: string, signal: AbortSignal | undefined): Promise<unknown> {
    const source = `ollama (model ${model})`;
    const server = this.#baseUrl;
    const call = new HttpCall(source, server, this.#timeoutMs, signal);
    try {
      const response = await call.send(this.#fetch, `${this.#baseUrl}${path}`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
      if (!response.ok) throw await this.#answerError(response, model);
      return (await response.json().catch((cause: unknown) => {
        throw new BackendError('unavailable', `${source}: malformed answer`, { cause, server });
      })) as unknown;
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

function requestBody(request: GenerateRequest): Record<string, unknown> {
  const options = compact({
    num_predict: request.maxTokens,
    temperature: request.temperature,
    top_p: request.topP,
    seed: request.seed,
    stop: request.stop && request.stop.length > 0 ? request.stop : undefined,
  });
  // A completion is continued as written: `raw` skips the model's chat template.
  const job = request.input.kind === 'chat' ? ollamaChat(request.input.input) : { prompt: request.input.input.prompt, raw: true };
  return compact({ model: request.model, ...job, stream: true, options: Object.keys(options).length > 0 ? options : undefined });
}

/** Ollama's capability names are its own: 'completion' is any text generation, which takes a format too. */
const FROM_OLLAMA: Record<string, Capability[]> = {
  completion: ['completion', 'chat', 'json_mode', 'json_schema'],
  tools: ['tools'],
  vision: ['vision'],
  embedding: ['embeddings'],
};

function modelCapabilities(shown: unknown): ModelCapabilities {
  const named = isRecord(shown) && Array.isArray(shown['capabilities']) ? shown['capabilities'] : undefined;
  // Ollama before 0.6.4 names none: take the model as the plain generator it was always taken for.
  const capabilities = named ? CAPABILITIES.filter((capability) => named.some((name) => typeof name === 'string' && FROM_OLLAMA[name]?.includes(capability))) : [...DEFAULT_CAPABILITIES];
  const info = isRecord(shown) ? shown['model_info'] : undefined;
  const architecture = isRecord(info) ? info['general.architecture'] : undefined;
  const contextLength = isRecord(info) && typeof architecture === 'string' ? tokenCount(info[`${architecture}.context_length`]) : undefined;
  return contextLength ? { capabilities, context_length: contextLength } : { capabilities };
}
