// A chat job in Ollama's /api/chat dialect: its messages (images inline as base64, the arguments
// of earlier tool calls as objects, tool results named after their tool), its tools and the
// output format; and the tool calls Ollama answers, back in OpenAI's shape.

import { messageText, type ChatInput, type ChatMessage, type ContentPart, type ToolCall, type ToolDefinition } from '@aitbc/protocol';
import { BackendError } from './backend.ts';
import { compact, isRecord } from './json.ts';
import { toolCall } from './tool-calls.ts';

/** The chat fields of an /api/chat body: messages, tools and format (options are added by the caller). */
export function ollamaChat(input: ChatInput): Record<string, unknown> {
  const toolNames = new Map<string, string>();
  const messages = input.messages.map((message) => {
    for (const call of message.tool_calls ?? []) toolNames.set(call.id, call.function.name);
    return ollamaMessage(message, toolNames);
  });
  return compact({ messages, tools: offeredTools(input), format: ollamaFormat(input) });
}

function ollamaMessage(message: ChatMessage, toolNames: ReadonlyMap<string, string>): Record<string, unknown> {
  const images = Array.isArray(message.content) ? message.content.flatMap(imageBase64) : [];
  return compact({
    // Ollama's templates know system, user, assistant and tool; OpenAI's developer role is its system.
    role: message.role === 'developer' ? 'system' : message.role,
    content: messageText(message),
    images: images.length > 0 ? images : undefined,
    tool_calls: message.tool_calls?.map((call) => ({ function: { name: call.function.name, arguments: parseArguments(call) } })),
    tool_name: message.role === 'tool' && message.tool_call_id !== undefined ? toolNames.get(message.tool_call_id) : undefined,
  });
}

/** Ollama takes images as base64 beside the text; it fetches nothing, so only inline `data:` URLs will do. */
function imageBase64(part: ContentPart): string[] {
  if (part.type !== 'image_url') return [];
  const match = /^data:([^,]*),(.*)$/s.exec(part.image_url.url);
  if (!match) throw new BackendError('rejected', 'the ollama backend takes images only inline, as data: URLs (base64); it does not fetch image URLs');
  const [, meta, payload] = match as unknown as [string, string, string];
  return [meta.endsWith(';base64') ? payload : Buffer.from(decodeURIComponent(payload), 'utf8').toString('base64')];
}

function parseArguments(call: ToolCall): unknown {
  try {
    return JSON.parse(call.function.arguments) as unknown;
  } catch (cause) {
    throw new BackendError('rejected', `messages: the arguments of tool call ${call.id} (${call.function.name}) are not JSON`, { cause });
  }
}

/** Ollama has no tool_choice: 'none' sends no tools, a named function only that one; 'required' cannot be enforced. */
function offeredTools(input: ChatInput): ToolDefinition[] | undefined {
  const choice = input.tool_choice;
  if (!input.tools || input.tools.length === 0 || choice === 'none') return undefined;
  if (typeof choice === 'object') return input.tools.filter((tool) => tool.function.name === choice.function.name);
  return input.tools;
}

function ollamaFormat(input: ChatInput): unknown {
  const format = input.response_format;
  if (format?.type === 'json_object') return 'json';
  if (format?.type === 'json_schema') return format.json_schema.schema ?? 'json';
  return undefined;
}

/** The tool calls of one /api/chat stream object, numbered on from `first`. */
export function ollamaToolCalls(message: unknown, first: number): ToolCall[] {
  const calls = isRecord(message) && Array.isArray(message['tool_calls']) ? message['tool_calls'] : [];
  return calls.flatMap((call, offset) => {
    const fn = isRecord(call) ? call['function'] : undefined;
    if (!isRecord(fn) || typeof fn['name'] !== 'string') return [];
    const args = fn['arguments'];
    return [toolCall(first + offset, fn['name'], typeof args === 'string' ? args : JSON.stringify(args ?? {}))];
  });
}
