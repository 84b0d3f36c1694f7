// The model-server backends of the miner and the factory that picks one from configuration.

import type { BackendKind, Capability } from '@aitbc/protocol';
import type { Backend } from './backend.ts';
import { DemoBackend } from './demo.ts';
import { OllamaBackend } from './ollama.ts';
import { OpenAiBackend } from './openai.ts';

export * from './backend.ts';
export { DEMO_EMBED_MODEL, DEMO_MODEL, DemoBackend, countTokens } from './demo.ts';
export { OllamaBackend } from './ollama.ts';
export { CHEAT_MODES, CheatingBackend, type CheatMode, type CheatingOptions } from './cheating.ts';
export { OpenAiBackend } from './openai.ts';

export type { BackendKind } from '@aitbc/protocol';
export { hashModelFile, normalizeDigest, operatorDigests } from './model-digest.ts';

export interface BackendOptions {
  url?: string | undefined;
  apiKey?: string | undefined;
  /** openai: model → digest, as the operator names them. */
  digests?: Record<string, string>;
  /** openai: what every offered model can do, as the operator says (the others report their own). */
  capabilities?: readonly Capability[] | undefined;
  /** openai: tokens of context every offered model runs with. */
  contextLength?: number | undefined;
}

export function createBackend(kind: BackendKind, options: BackendOptions = {}): Backend {
  switch (kind) {
    case 'demo':
      return new DemoBackend();
    case 'ollama':
      return new OllamaBackend(options.url ? { baseUrl: options.url } : {});
    case 'openai':
      // No default: vLLM, llama.cpp and LM Studio each listen on a different port.
      if (!options.url) throw new Error('the openai backend needs the server URL, e.g. http://127.0.0.1:8000/v1');
      return new OpenAiBackend({ baseUrl: options.url, apiKey: options.apiKey, digests: options.digests, capabilities: options.capabilities, contextLength: options.contextLength });
  }
}
