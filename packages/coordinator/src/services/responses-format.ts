// OpenAI's Responses API (POST /v1/responses) around an ordinary AITBC chat job, as pure
// functions: a request becomes a ChatInput and job params (the answer side is
// responses-answer.ts). We keep no conversation state, so everything a turn needs
// must come in the request (no previous_response_id); an `item_reference` to an earlier answer
// is resolved by the caller from that answer's job (see `referencedItemIds`, `itemJobId`).
//
// Accepted: model, input (string, or message / function_call / function_call_output /
// item_reference items), instructions, tools of type 'function', tool_choice, text.format,
// max_output_tokens, temperature, top_p, stream, and the AITBC extra max_price.
// Ignored on purpose: store (nothing is stored either way), metadata, user, parallel_tool_calls,
// include, text.verbosity, reasoning items in the input (a model's own encrypted scratch, which
// no other model reads), and any field we do not know (as on /v1/chat/completions).
// Refused, naming the field: previous_response_id, conversation, background, prompt, reasoning
// effort or summary, built-in tools, n > 1, top_logprobs, and input parts we cannot carry.

import { ApiError, MAX_TOKENS_LIMIT, type ChatInput, type ChatMessage, type ContentPart, type ResponseFormat, type ToolCall, type ToolChoice, type ToolDefinition } from '@aitbc/protocol';
import type { OutputItem } from './responses-answer.ts';

type Json = Record<string, unknown>;

/** What the request asked for that a Response object repeats back (LangChain reads `text.format`). */
export interface ResponseEcho {
  instructions: string | null;
  max_output_tokens: number | null;
  temperature: number | null;
  top_p: number | null;
  tool_choice: unknown;
  tools: unknown[];
  text: { format: unknown };
}

export interface ChatRequest {
  model: string;
  input: ChatInput;
  params: { max_tokens?: number; temperature?: number; top_p?: number };
  /** AITBC extension: the most this request may cost, in AITBC. */
  max_price?: string;
  stream: boolean;
  echo: ResponseEcho;
}

const invalid = (field: string, detail: string) => new ApiError('VALIDATION_INVALID_FORMAT', detail, { field });
const unsupported = (field: string, detail: string) => new ApiError('VALIDATION_OUT_OF_RANGE', `Field '${field}' is not supported: ${detail}`, { field });
const wrongType = (field: string, expected: string) => new ApiError('VALIDATION_INVALID_TYPE', `Field '${field}' must be ${expected}`, { field });

const isObject = (value: unknown): value is Json => typeof value === 'object' && value !== null && !Array.isArray(value);
const present = (value: unknown) => value !== undefined && value !== null;

function stringAt(object: Json, key: string, field: string): string {
  const value = object[key];
  if (typeof value !== 'string') throw wrongType(field, 'a string');
  return value;
}

function numberIn(body: Json, key: string, min: number, max: number, integer = false): number | undefined {
  const value = body[key];
  if (!present(value)) return undefined;
  if (typeof value !== 'number' || !Number.isFinite(value) || (integer && !Number.isInteger(value))) throw wrongType(key, integer ? 'an integer' : 'a number');
  if (value < min || value > max) throw new ApiError('VALIDATION_OUT_OF_RANGE', `Field '${key}' must be between ${min} and ${max}`, { field: key });
  return value;
}

/** Fields that ask for state or work we do not have: each refused with what to do instead. */
function refuseUnsupported(body: Json): void {
  if (present(body.previous_response_id)) throw unsupported('previous_response_id', 'no conversation state is kept; send the whole conversation in `input`');
  if (present(body.conversation)) throw unsupported('conversation', 'no conversation state is kept; send the whole conversation in `input`');
  if (present(body.prompt)) throw unsupported('prompt', 'there are no stored prompt templates; send the text in `instructions` and `input`');
  if (body.background === true) throw unsupported('background', 'every response is answered on this request; leave `background` unset and use `stream: true` for long answers');
  if (present(body.n) && body.n !== 1) throw unsupported('n', 'each request is one AITBC job with one answer; send several requests');
  if (present(body.top_logprobs) && body.top_logprobs !== 0) throw unsupported('top_logprobs', 'miners do not return log probabilities; leave it unset');
  if (isObject(body.reasoning)) {
    const { effort, summary } = body.reasoning;
    if (present(effort) && effort !== 'none') throw unsupported('reasoning.effort', 'reasoning effort cannot be set on the models miners run; leave `reasoning` unset');
    if (present(summary)) throw unsupported('reasoning.summary', 'miners return no reasoning summaries; leave `reasoning` unset');
  }
}

/**
 * An OpenAI Responses request as an AITBC chat job. `references` holds the earlier output items
 * the request's `item_reference`s name, looked up by the caller; one not there is refused.
 */
export function toChatRequest(body: unknown, references: ReadonlyMap<string, OutputItem> = new Map()): ChatRequest {
  if (!isObject(body)) throw wrongType('body', 'a JSON object');
  const model = stringAt(body, 'model', 'model');
  refuseUnsupported(body);
  const messages: ChatMessage[] = [];
  if (present(body.instructions)) messages.push({ role: 'system', content: stringAt(body, 'instructions', 'instructions') });
  messages.push(...inputMessages(body.input, references));
  if (!messages.some((message) => message.role !== 'system' && message.role !== 'developer')) {
    throw new ApiError('VALIDATION_MISSING_FIELD', "Field 'input' is required: a string, or a list with at least one message", { field: 'input' });
  }
  const input: ChatInput = { messages };
  const tools = toolDefinitions(body.tools);
  if (tools.length > 0) input.tools = tools;
  const toolChoice = toToolChoice(body.tool_choice);
  if (toolChoice !== undefined) input.tool_choice = toolChoice;
  const format = isObject(body.text) ? toResponseFormat(body.text.format) : undefined;
  if (format !== undefined) input.response_format = format;

  const params: ChatRequest['params'] = {};
  const maxTokens = numberIn(body, 'max_output_tokens', 1, MAX_TOKENS_LIMIT, true);
  const temperature = numberIn(body, 'temperature', 0, 2);
  const topP = numberIn(body, 'top_p', 0, 1);
  if (maxTokens !== undefined) params.max_tokens = maxTokens;
  if (temperature !== undefined) params.temperature = temperature;
  if (topP !== undefined) params.top_p = topP;
  const request: ChatRequest = {
    model,
    input,
    params,
    stream: body.stream === true,
    echo: {
      instructions: typeof body.instructions === 'string' ? body.instructions : null,
      max_output_tokens: maxTokens ?? null,
      temperature: temperature ?? null,
      top_p: topP ?? null,
      tool_choice: body.tool_choice ?? 'auto',
      tools: Array.isArray(body.tools) ? body.tools : [],
      text: { format: (isObject(body.text) && body.text.format) || { type: 'text' } },
    },
  };
  if (present(body.max_price)) request.max_price = stringAt(body, 'max_price', 'max_price');
  return request;
}

/** The ids `item_reference` items name, for the caller to look up before `toChatRequest`. */
export function referencedItemIds(body: unknown): string[] {
  if (!isObject(body) || !Array.isArray(body.input)) return [];
  return body.input.filter((item): item is Json => isObject(item) && item.type === 'item_reference' && typeof item.id === 'string').map((item) => item.id as string);
}

/** The job whose answer an output item id belongs to (ids are `msg_<job>` and `fc_<job>_<n>`). */
export function itemJobId(itemId: string): string | undefined {
  return /^(?:msg_(job-[0-9a-f]+)|fc_(job-[0-9a-f]+)_\d+)$/.exec(itemId)?.slice(1).find((id) => id !== undefined);
}

function inputMessages(input: unknown, references: ReadonlyMap<string, OutputItem>): ChatMessage[] {
  if (!present(input)) return [];
  if (typeof input === 'string') return [{ role: 'user', content: input }];
  if (!Array.isArray(input)) throw wrongType('input', 'a string or a list of items');
  const messages: ChatMessage[] = [];
  input.forEach((raw, index) => {
    const field = `input.${index}`;
    if (!isObject(raw)) throw wrongType(field, 'an object');
    const item = raw.type === 'item_reference' ? referencedItem(raw, field, references) : raw;
    addItem(messages, item, field);
  });
  return messages;
}

function referencedItem(item: Json, field: string, references: ReadonlyMap<string, OutputItem>): Json {
  const id = stringAt(item, 'id', `${field}.id`);
  const found = references.get(id);
  if (!found) throw invalid(`${field}.id`, `Item '${id}' is not an answer of yours this coordinator knows; send the item itself instead of a reference (or set store: false in your client)`);
  return found as unknown as Json;
}

function addItem(messages: ChatMessage[], item: Json, field: string): void {
  const type = item.type ?? 'message';
  if (type === 'message') {
    messages.push(messageOf(item, field));
  } else if (type === 'function_call') {
    const call: ToolCall = {
      id: stringAt(item, 'call_id', `${field}.call_id`),
      type: 'function',
      function: { name: stringAt(item, 'name', `${field}.name`), arguments: stringAt(item, 'arguments', `${field}.arguments`) },
    };
    // A turn's text and its tool calls arrive as separate items; a chat template wants one assistant message.
    const last = messages.at(-1);
    if (last?.role === 'assistant') last.tool_calls = [...(last.tool_calls ?? []), call];
    else messages.push({ role: 'assistant', content: null, tool_calls: [call] });
  } else if (type === 'function_call_output') {
    messages.push({ role: 'tool', tool_call_id: stringAt(item, 'call_id', `${field}.call_id`), content: toolOutputText(item.output, `${field}.output`) });
  } else if (type !== 'reasoning') {
    throw invalid(`${field}.type`, `Input item type '${String(type)}' is not supported; send messages, function_call and function_call_output items`);
  }
}

const ROLES = new Set(['system', 'developer', 'user', 'assistant']);

function messageOf(item: Json, field: string): ChatMessage {
  const role = stringAt(item, 'role', `${field}.role`);
  if (!ROLES.has(role)) throw invalid(`${field}.role`, `Role '${role}' is not one of system, developer, user, assistant`);
  const content = item.content;
  if (typeof content === 'string') return { role: role as ChatMessage['role'], content };
  if (!Array.isArray(content)) throw wrongType(`${field}.content`, 'a string or a list of content parts');
  return { role: role as ChatMessage['role'], content: content.map((part, index) => contentPart(part, `${field}.content.${index}`)) };
}

function contentPart(part: unknown, field: string): ContentPart {
  if (!isObject(part)) throw wrongType(field, 'an object');
  if (part.type === 'input_text' || part.type === 'output_text') return { type: 'text', text: stringAt(part, 'text', `${field}.text`) };
  if (part.type === 'refusal') return { type: 'text', text: stringAt(part, 'refusal', `${field}.refusal`) };
  if (part.type === 'input_image') {
    // Miners take images inline: a URL would have each miner fetch what the client named.
    if (typeof part.image_url !== 'string' || !part.image_url.startsWith('data:')) throw invalid(`${field}.image_url`, "An image must be sent inline as a data: URL ('data:image/png;base64,…'); file ids and web URLs are not supported");
    return { type: 'image_url', image_url: { url: part.image_url, ...(typeof part.detail === 'string' ? { detail: part.detail } : {}) } };
  }
  throw invalid(`${field}.type`, `Content part type '${String(part.type)}' is not supported; send input_text, output_text or input_image parts`);
}

function toolOutputText(output: unknown, field: string): string {
  if (typeof output === 'string') return output;
  if (!Array.isArray(output)) throw wrongType(field, 'a string or a list of input_text parts');
  return output
    .map((part, index) => {
      if (!isObject(part) || part.type !== 'input_text') throw invalid(`${field}.${index}`, 'A tool output may only hold text; send it as a string or input_text parts');
      return stringAt(part, 'text', `${field}.${index}.text`);
    })
    .join('');
}

function toolDefinitions(tools: unknown): ToolDefinition[] {
  if (!present(tools)) return [];
  if (!Array.isArray(tools)) throw wrongType('tools', 'a list of tools');
  return tools.map((tool, index) => {
    const field = `tools.${index}`;
    if (!isObject(tool)) throw wrongType(field, 'an object');
    if (tool.type !== 'function') throw unsupported(`${field}.type`, `only function tools run on AITBC (OpenAI's built-in '${String(tool.type)}' does not); define it as a function tool and run it yourself`);
    const definition: ToolDefinition['function'] = { name: stringAt(tool, 'name', `${field}.name`) };
    if (typeof tool.description === 'string') definition.description = tool.description;
    if (isObject(tool.parameters)) definition.parameters = tool.parameters;
    if (typeof tool.strict === 'boolean') definition.strict = tool.strict;
    return { type: 'function', function: definition };
  });
}

function toToolChoice(choice: unknown): ToolChoice | undefined {
  if (!present(choice)) return undefined;
  if (choice === 'auto' || choice === 'none' || choice === 'required') return choice;
  if (isObject(choice) && choice.type === 'function') return { type: 'function', function: { name: stringAt(choice, 'name', 'tool_choice.name') } };
  throw unsupported('tool_choice', "only 'auto', 'none', 'required' or {type: 'function', name} can be chosen");
}

function toResponseFormat(format: unknown): ResponseFormat | undefined {
  if (!present(format)) return undefined;
  if (!isObject(format)) throw wrongType('text.format', 'an object');
  if (format.type === 'text' || format.type === 'json_object') return { type: format.type };
  if (format.type !== 'json_schema') throw invalid('text.format.type', "Output format must be 'text', 'json_object' or 'json_schema'");
  const schema: Extract<ResponseFormat, { type: 'json_schema' }>['json_schema'] = { name: typeof format.name === 'string' ? format.name : 'response' };
  if (typeof format.description === 'string') schema.description = format.description;
  if (isObject(format.schema)) schema.schema = format.schema;
  if (typeof format.strict === 'boolean') schema.strict = format.strict;
  return { type: 'json_schema', json_schema: schema };
}
