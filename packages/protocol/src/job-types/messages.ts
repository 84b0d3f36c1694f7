// The chat request as OpenAI clients send it, carried to the miner unchanged: roles, content
// parts, tool definitions, tool calls and tool results, and the requested output format.

export type ChatRole = 'system' | 'developer' | 'user' | 'assistant' | 'tool';

export type ContentPart = { type: 'text'; text: string } | { type: 'image_url'; image_url: { url: string; detail?: string } };

export interface ToolCall {
  id: string;
  type: 'function';
  function: { name: string; arguments: string };
}

export interface ChatMessage {
  role: ChatRole;
  content: string | ContentPart[] | null;
  name?: string;
  /** An assistant turn that called tools. */
  tool_calls?: ToolCall[];
  /** A tool result: the call it answers. */
  tool_call_id?: string;
}

export interface ToolDefinition {
  type: 'function';
  function: { name: string; description?: string; parameters?: Record<string, unknown>; strict?: boolean };
}

export type ToolChoice = 'none' | 'auto' | 'required' | { type: 'function'; function: { name: string } };

export type ResponseFormat =
  | { type: 'text' }
  | { type: 'json_object' }
  | { type: 'json_schema'; json_schema: { name: string; description?: string; schema?: Record<string, unknown>; strict?: boolean } };

/** The text of a message's content (image parts contribute nothing). */
export function messageText(message: Pick<ChatMessage, 'content'>): string {
  if (typeof message.content === 'string') return message.content;
  return (message.content ?? []).map((part) => (part.type === 'text' ? part.text : '')).join('');
}

export function hasImages(message: Pick<ChatMessage, 'content'>): boolean {
  return Array.isArray(message.content) && message.content.some((part) => part.type === 'image_url');
}
