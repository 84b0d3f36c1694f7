// A chat turn: the conversation as messages, with tools and an output format, answered by the
// model's chat template (OpenAI's /v1/chat/completions and /v1/responses).

import { canonicalize } from '../jcs.ts';
import type { Requirement } from './capabilities.ts';
import type { JobType } from './job-type.ts';
import { hasImages, messageText, type ChatMessage, type ResponseFormat, type ToolChoice, type ToolDefinition } from './messages.ts';

export interface ChatInput {
  messages: ChatMessage[];
  tools?: ToolDefinition[];
  tool_choice?: ToolChoice;
  response_format?: ResponseFormat;
}

const FORMAT_CAPABILITY = { json_object: 'json_mode', json_schema: 'json_schema' } as const;

export const chatJob: JobType<ChatInput> = {
  kind: 'chat',
  capability: 'chat',
  generates: true,
  encode: (input) => canonicalize(input),
  decode: (prompt) => JSON.parse(prompt) as ChatInput,
  requirements(input) {
    const needs: Requirement[] = [];
    if (input.tools && input.tools.length > 0 && input.tool_choice !== 'none') needs.push({ capability: 'tools', param: 'tools' });
    const format = input.response_format?.type;
    if (format === 'json_object' || format === 'json_schema') needs.push({ capability: FORMAT_CAPABILITY[format], param: 'response_format' });
    if (input.messages.some(hasImages)) needs.push({ capability: 'vision', param: 'messages' });
    return needs;
  },
  promptText: (input) => input.messages.map(messageText).join('\n'),
  // Tool calls are part of what the model answered: hashed with the text when there are any.
  outputText: (output) => (output.tool_calls && output.tool_calls.length > 0 ? canonicalize({ content: output.text, tool_calls: output.tool_calls }) : output.text),
};
