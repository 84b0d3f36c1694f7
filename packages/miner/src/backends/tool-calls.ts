// Tool calls as the miner hands them back (OpenAI's shape), with ids made from the call itself
// rather than by the model server (Ollama makes none, others make random ones): the same calls
// always read the same, so a re-execution that makes them hashes to the same output.

import { createHash } from 'node:crypto';
import type { ToolCall } from '@aitbc/protocol';

export function toolCall(index: number, name: string, args: string): ToolCall {
  const digest = createHash('sha256').update(`${index}\n${name}\n${args}`).digest('hex');
  return { id: `call_${digest.slice(0, 24)}`, type: 'function', function: { name, arguments: args } };
}
