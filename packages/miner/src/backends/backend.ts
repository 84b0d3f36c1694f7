// What the miner asks of a model server: list its models and what each can do, generate for a
// job's input (a prompt to continue or a chat to answer), yielding text pieces as they are
// produced (so streaming to clients can follow unchanged), then any tool calls, and ending with
// the token usage the server reported; and, where the server has them, embeddings.

import { jobType, locatorsOf, redactLocators, type BackendKind, type ChatInput, type ModelCapabilities, type TextInput, type ToolCall } from '@aitbc/protocol';

/** What a generation runs on: a completion continues a prompt as written, a chat turn answers messages. */
export type GenerateInput = { kind: 'text'; input: TextInput } | { kind: 'chat'; input: ChatInput };

export interface GenerateRequest {
  model: string;
  input: GenerateInput;
  maxTokens?: number | undefined;
  temperature?: number | undefined;
  topP?: number | undefined;
  seed?: number | undefined;
  stop?: string[] | undefined;
  /** Aborted when the job is cancelled, its lease is lost or the miner shuts down. */
  signal?: AbortSignal | undefined;
}

export interface EmbedRequest {
  model: string;
  input: string[];
  /** Truncate each vector to this many dimensions, where the model allows it. */
  dimensions?: number | undefined;
  signal?: AbortSignal | undefined;
}

export interface Usage {
  promptTokens: number;
  completionTokens: number;
}

export type GenerationEvent =
  | { type: 'text'; text: string }
  /** The whole calls of a chat turn that called tools, once, before 'done'. */
  | { type: 'tool_calls'; calls: ToolCall[] }
  | { type: 'done'; usage: Usage };

/** The text a request's prompt-token estimate measures (all message text for a chat). */
export function promptTextOf(input: GenerateInput): string {
  return input.kind === 'text' ? input.input.prompt : jobType('chat').promptText(input.input);
}

export type BackendErrorKind =
  /** The server has no such model: not retryable on this miner. */
  | 'model_not_found'
  /** The server could not be reached or answered 5xx: retryable (another attempt may work). */
  | 'unavailable'
  /** The server refused the request itself (4xx other than a missing model): not retryable. */
  | 'rejected'
  /** The generation was aborted through `signal`. */
  | 'aborted';

export class BackendError extends Error {
  readonly kind: BackendErrorKind;
  /** The whole story for the miner's own log: the reason as given and the server it came from. */
  readonly detail: string;

  /**
   * `message` is what may leave the machine (it becomes the job's failure reason, which clients
   * read): the reason with the server's URL, host and any other URL, address or path hidden.
   */
  constructor(kind: BackendErrorKind, reason: string, options?: { cause?: unknown; server?: string | undefined }) {
    super(redactLocators(reason, options?.server ? locatorsOf(options.server) : []), options);
    this.name = 'BackendError';
    this.kind = kind;
    this.detail = options?.server ? `${reason} (server ${options.server})` : reason;
  }

  get retryable(): boolean {
    return this.kind === 'unavailable';
  }
}

export interface Backend {
  /** `demo`, `ollama` or `openai`: the `backend` of a version-2 receipt. */
  readonly name: BackendKind | (string & {});
  listModels(): Promise<string[]>;
  /**
   * Model → `"sha256:…"` of the weights it serves, for the models whose digest is known: what the
   * miner advertises at registration and signs into version-2 receipts. A backend without it (or
   * with no digest for any offered model) advertises none, and its miner signs version-1 receipts.
   */
  modelDigests?(): Promise<Record<string, string>>;
  /**
   * Model → what it can do (tools, JSON output, vision, embeddings…) and its context length, for
   * `models` (default: every model it lists). A model left out is taken as plain text generation.
   */
  capabilities?(models?: readonly string[]): Promise<Record<string, ModelCapabilities>>;
  generate(request: GenerateRequest): AsyncIterable<GenerationEvent>;
  /** One vector per input text; a backend without it runs no embedding jobs. */
  embed?(request: EmbedRequest): Promise<{ embeddings: number[][]; usage: Usage }>;
}
