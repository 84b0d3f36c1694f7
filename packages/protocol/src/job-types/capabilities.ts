// What a miner's model can do, advertised per model at registration and required per job. Stored
// as a bit set so that matching a job to a miner is one integer test: (offered & required) = required.

/** The order is the bit order: append only, never reorder (the bits are stored). */
export const CAPABILITIES = ['completion', 'chat', 'embeddings', 'tools', 'json_mode', 'json_schema', 'vision', 'logprobs'] as const;
export type Capability = (typeof CAPABILITIES)[number];

/** What a miner offers for a model it registered without naming capabilities (an older miner): plain text generation. */
export const DEFAULT_CAPABILITIES: readonly Capability[] = ['completion', 'chat'];

export function capabilityBits(capabilities: readonly Capability[]): number {
  let bits = 0;
  for (const capability of capabilities) bits |= 1 << CAPABILITIES.indexOf(capability);
  return bits;
}

export function capabilityNames(bits: number): Capability[] {
  return CAPABILITIES.filter((_, index) => (bits & (1 << index)) !== 0);
}

export function isCapability(name: string): name is Capability {
  return (CAPABILITIES as readonly string[]).includes(name);
}

/** A capability a request needs, with the request field that asks for it (OpenAI's `param`). */
export interface Requirement {
  capability: Capability;
  param: string;
}

export interface ModelCapabilities {
  capabilities: Capability[];
  /** Tokens of context the backend runs the model with, when it says. */
  context_length?: number;
}
