// Backend for any OpenAI-compatible server (vLLM, llama.cpp server, LM Studio…): /models to list,
// streamed /chat/completions (chat jobs) and /completions (completions) as server-sent events,
// and /embeddings. What its models can do the server does not say: the operator does, by flags.

import { DEFAULT_CAPABILITIES, type Capability, type ModelCapabilities, type ToolCall } from '@aitbc/protocol';
import { BackendError, promptTextOf, type Backend, type EmbedRequest, type GenerateRequest, type GenerationEvent, type Usage } from './backend.ts';
import { countTokens } from './demo.ts';
import { DEFAULT_TIMEOUT_MS, HttpCall, kindForStatus, readServerError, trimBaseUrl, type ServerError } from './http.ts';
import { compact, isRecord, parseStreamJson, tokenCount, vectors } from './json.ts';
import { readLines, readSseData } from '@aitbc/sdk';
import { toolCall } from './tool-calls.ts';

export interface OpenAiOptions {
  /** The API root, e.g. http://127.0.0.1:8000/v1 (paths /models and /chat/completions follow it). */
  baseUrl: string;
  apiKey?: string;
  fetch?: typeof fetch;
  /** Longest silence tolerated from the server (see DEFAULT_TIMEOUT_MS). */
  timeoutMs?: number;
  /** Model → "sha256:…", named by the operator (the server itself reports none). */
  digests?: Record<string, string> | undefined;
  /** What every offered model can do, as the operator says (default: completion and chat). */
  capabilities?: readonly Capability[] | undefined;
  /** Tokens of context the server runs every offered model with, as the operator says. */
  contextLength?: number | undefined;
}

export class OpenAiBackend implements Backend {
  readonly name = 'openai' as const;
  readonly #baseUrl: string;
  readonly #apiKey: string | undefined;
  readonly #fetch: typeof fetch;
  readonly #timeoutMs: number;
  readonly #digests: Record<string, string>;
  readonly #capabilities: readonly Capability[];
  readonly #contextLength: number | undefined;

  constructor(options: OpenAiOptions) {
    this.#digests = { ...options.digests };
    this.#capabilities = [...(options.capabilities ?? DEFAULT_CAPABILITIES)];
    this.#contextLength = options.contextLength;
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

  /** What the operator said the server's models can do (--capabilities, --context-length): the server does not say. */
  async capabilities(models?: readonly string[]): Promise<Record<string, ModelCapabilities>> {
    const named = models ?? (await this.listModels());
    const offered: ModelCapabilities = this.#contextLength ? { capabilities: [...this.#capabilities], context_length: this.#contextLength } : { capabilities: [...this.#capabilities] };
    return Object.fromEntries(named.map((model) => [model, structuredClone(offered)]));
  }

  async *generate(request: GenerateRequest): AsyncGenerator<GenerationEvent> {
    const source = `the OpenAI-compatible server (model ${request.model})`;
    const server = this.#baseUrl;
    const chat = request.input.kind === 'chat';
    const call = new HttpCall(source, server, this.#timeoutMs, request.signal);
    try {
      const response = await call.send(this.#fetch, `${this.#baseUrl}/${chat ? 'chat/completions' : 'completions'}`, {
        method: 'POST',
        headers: { ...this.#headers(), 'content-type': 'application/json', accept: 'text/event-stream' },
        body: JSON.stringify(requestBody(request)),
      });
      if (!response.ok) throw modelError(await readServerError(response), source, server, request.model);
      if (!response.body) throw new BackendError('unavailable', `${source}: empty answer`, { server });
      let output = '';
      const calls = new ToolCallAccumulator();
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
        // A chat stream carries deltas; a completion stream carries `text`.
        const delta = choice['delta'];
        const content = chat ? (isRecord(delta) ? delta['content'] : undefined) : choice['text'];
        if (typeof content === 'string' && content !== '') {
          output += content;
          yield { type: 'text', text: content };
        }
        if (isRecord(delta)) calls.add(delta['tool_calls']);
      }
      // Without [DONE] the answer may be cut short, unless the server at least said why it stopped.
      if (!ended && !finished) throw new BackendError('unavailable', `${source}: the stream ended before generation was done`, { server });
      const toolCalls = calls.whole();
      // Some servers ignore stream_options.include_usage; then count whitespace-separated words as
      // the demo backend does, a rough but never-zero measure for real output.
      const usage = {
        promptTokens: tokenCount(reported?.['prompt_tokens']) ?? countTokens(promptTextOf(request.input)),
        completionTokens: tokenCount(reported?.['completion_tokens']) ?? countTokens(output) + toolCalls.length,
      };
      call.close();
      if (toolCalls.length > 0) yield { type: 'tool_calls', calls: toolCalls };
      yield { type: 'done', usage };
    } catch (error) {
      throw call.fail(error);
    } finally {
      call.close();
    }
  }

  async embed(request: EmbedRequest): Promise<{ embeddings: number[][]; usage: Usage }> {
    const source = `the OpenAI-compatible server (model ${request.model})`;
    const server = this.#baseUrl;
    const call = new HttpCall(source, server, this.#timeoutMs, request.signal);
    try {
      const response = await call.send(this.#fetch, `${this.#baseUrl}/embeddings`, {
        method: 'POST',
        headers: { ...this.#headers(), 'content-type': 'application/json' },
        body: JSON.stringify(compact({ model: request.model, input: request.input, dimensions: request.dimensions, encoding_format: 'float' })),
      });
      if (!response.ok) throw modelError(await readServerError(response), source, server, request.model);
      const body: unknown = await response.json().catch((cause: unknown) => {
        throw new BackendError('unavailable', `${source}: malformed answer`, { cause, server });
      });
      // Each vector comes with its input's index; the order of `data` is not promised.
      const data = isRecord(body) && Array.isArray(body['data']) ? body['data'].filter(isRecord) : [];
      const ordered = [...data].sort((a, b) => Number(a['index'] ?? 0) - Number(b['index'] ?? 0)).map((item) => item['embedding']);
      const embeddings = vectors(ordered, request.input.length);
      if (!embeddings) throw new BackendError('unavailable', `${source}: no embedding for each input`, { server });
      const usage = isRecord(body) && isRecord(body['usage']) ? body['usage'] : {};
      return { embeddings, usage: { promptTokens: tokenCount(usage['prompt_tokens']) ?? countTokens(request.input.join(' ')), completionTokens: 0 } };
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

function requestBody(request: GenerateRequest): Record<string, unknown> {
  // The chat's own fields go as the client gave them: the server applies its chat template, tools and format.
  const job = request.input.kind === 'chat' ? request.input.input : { prompt: request.input.input.prompt };
  return compact({
    model: request.model,
    ...job,
    stream: true,
    stream_options: { include_usage: true },
    max_tokens: request.maxTokens,
    temperature: request.temperature,
    top_p: request.topP,
    seed: request.seed,
    stop: request.stop && request.stop.length > 0 ? request.stop : undefined,
  });
}

/** Streamed tool calls arrive in pieces keyed by index: the name first, the arguments in fragments. */
class ToolCallAccumulator {
  readonly #calls = new Map<number, { name: string; args: string }>();

  add(deltas: unknown): void {
    if (!Array.isArray(deltas)) return;
    for (const delta of deltas) {
      if (!isRecord(delta)) continue;
      const index = typeof delta['index'] === 'number' ? delta['index'] : this.#calls.size;
      const call = this.#calls.get(index) ?? { name: '', args: '' };
      const fn = delta['function'];
      if (isRecord(fn) && typeof fn['name'] === 'string') call.name += fn['name'];
      if (isRecord(fn) && typeof fn['arguments'] === 'string') call.args += fn['arguments'];
      this.#calls.set(index, call);
    }
  }

  whole(): ToolCall[] {
    return [...this.#calls.entries()].sort(([a], [b]) => a - b).map(([, call], position) => toolCall(position, call.name, call.args));
  }
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
