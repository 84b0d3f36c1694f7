// The OpenAI-compatible routes on the wire: the fields we honour are checked; any other field an
// OpenAI client sends (penalties, logit_bias, …) is accepted and ignored, so that clients work
// unchanged. The answers are OpenAI's objects with an `aitbc` extra, left open here: OpenAI
// grows them, and a serializer must not drop what a presenter adds.

import { Type, type Static } from 'typebox';
import { MAX_TOKENS_LIMIT } from '../job-params.ts';
import { Amount, CapabilityName, ModelName, Nullable, ToolCall, ToolName } from './common.ts';

const OpenAiCommon = {
  model: ModelName,
  max_tokens: Type.Optional(Type.Integer({ minimum: 1, maximum: MAX_TOKENS_LIMIT })),
  max_completion_tokens: Type.Optional(Type.Integer({ minimum: 1, maximum: MAX_TOKENS_LIMIT })),
  temperature: Type.Optional(Type.Number({ minimum: 0, maximum: 2 })),
  top_p: Type.Optional(Type.Number({ minimum: 0, maximum: 1 })),
  seed: Type.Optional(Type.Integer({ minimum: 0, maximum: 2 ** 32 - 1 })),
  stop: Type.Optional(Type.Union([Type.String({ minLength: 1, maxLength: 64 }), Type.Array(Type.String({ minLength: 1, maxLength: 64 }), { maxItems: 4 }), Type.Null()])),
  n: Type.Optional(Type.Integer({ minimum: 1, description: 'Must be 1' })),
  stream: Type.Optional(Type.Boolean()),
  stream_options: Type.Optional(Type.Union([Type.Object({ include_usage: Type.Optional(Type.Boolean()) }, { additionalProperties: true }), Type.Null()])),
  user: Type.Optional(Type.String({ maxLength: 256 })),
  max_price: Type.Optional(Type.String({ description: 'AITBC extension: the most this request may cost (escrowed), in AITBC; default set by the operator' })),
};

const ContentPartShapes = Type.Union([
  Type.Object({ type: Type.Literal('text'), text: Type.String() }, { additionalProperties: true }),
  Type.Object(
    { type: Type.Literal('image_url'), image_url: Type.Object({ url: Type.String({ minLength: 1 }), detail: Type.Optional(Type.String()) }, { additionalProperties: true }) },
    { additionalProperties: true },
  ),
]);
/**
 * The part's `type` is checked first, so an audio or file part (OpenAI clients send them) is
 * refused on `messages.N.content.M.type`, naming the types there are, rather than as a content
 * that "must be of type string".
 */
const ContentPart = Type.Unsafe<Static<typeof ContentPartShapes>>({
  allOf: [{ type: 'object', required: ['type'], properties: { type: { type: 'string', enum: ['text', 'image_url'] } } }, ContentPartShapes],
});

export const ChatMessage = Type.Object(
  {
    role: Type.Union([Type.Literal('system'), Type.Literal('developer'), Type.Literal('user'), Type.Literal('assistant'), Type.Literal('tool')]),
    content: Type.Optional(Type.Union([Type.String(), Type.Array(ContentPart, { description: 'text and image_url parts (audio and file parts are refused)' }), Type.Null()])),
    name: Type.Optional(Type.String({ maxLength: 64 })),
    tool_calls: Type.Optional(Type.Array(ToolCall, { maxItems: 128 })),
    tool_call_id: Type.Optional(Type.String({ minLength: 1, maxLength: 128 })),
  },
  { additionalProperties: true },
);

export const ToolDefinition = Type.Object(
  {
    type: Type.Literal('function', { description: 'Only function tools exist here' }),
    function: Type.Object(
      {
        name: ToolName,
        description: Type.Optional(Type.String({ maxLength: 4096 })),
        parameters: Type.Optional(Type.Object({}, { additionalProperties: true, description: 'JSON Schema of the arguments' })),
        strict: Type.Optional(Nullable(Type.Boolean())),
      },
      { additionalProperties: false },
    ),
  },
  { additionalProperties: false },
);

export const ToolChoice = Type.Union([
  Type.Literal('none'),
  Type.Literal('auto'),
  Type.Literal('required'),
  Type.Object({ type: Type.Literal('function'), function: Type.Object({ name: ToolName }, { additionalProperties: false }) }, { additionalProperties: false }),
]);

export const ResponseFormat = Type.Union([
  Type.Object({ type: Type.Literal('text') }, { additionalProperties: false }),
  Type.Object({ type: Type.Literal('json_object') }, { additionalProperties: false }),
  Type.Object(
    {
      type: Type.Literal('json_schema'),
      json_schema: Type.Object(
        {
          name: Type.String({ pattern: '^[A-Za-z0-9_-]{1,64}$' }),
          description: Type.Optional(Type.String()),
          schema: Type.Optional(Type.Object({}, { additionalProperties: true })),
          strict: Type.Optional(Nullable(Type.Boolean())),
        },
        { additionalProperties: false },
      ),
    },
    { additionalProperties: false },
  ),
]);

export const ChatCompletionBody = Type.Object(
  {
    ...OpenAiCommon,
    messages: Type.Array(ChatMessage, { minItems: 1, maxItems: 1024 }),
    tools: Type.Optional(Type.Array(ToolDefinition, { maxItems: 128 })),
    tool_choice: Type.Optional(ToolChoice),
    parallel_tool_calls: Type.Optional(Type.Boolean({ description: 'Accepted and ignored: a miner may answer with several calls either way' })),
    response_format: Type.Optional(ResponseFormat),
    logprobs: Type.Optional(Nullable(Type.Boolean({ description: 'true is refused: receipts do not bind log probabilities yet' }))),
    top_logprobs: Type.Optional(Nullable(Type.Integer({ minimum: 0, maximum: 20, description: 'More than 0 is refused, as logprobs' }))),
  },
  { additionalProperties: true },
);

export const CompletionBody = Type.Object(
  { ...OpenAiCommon, prompt: Type.Union([Type.String({ minLength: 1 }), Type.Array(Type.String({ minLength: 1 }), { minItems: 1, maxItems: 1 })]) },
  { additionalProperties: true },
);

/** The Responses API's request: its fields are read by the route's own decoder, which names the one wrong. */
export const ResponsesBody = Type.Object({ model: ModelName }, { additionalProperties: true });

export const EmbeddingsBody = Type.Object(
  {
    model: ModelName,
    input: Type.Union([Type.String(), Type.Array(Type.String(), { minItems: 1, maxItems: 2048 }), Type.Array(Type.Any(), { minItems: 1, maxItems: 2048 })], {
      description: 'A string or a list of up to 2,048 strings (token arrays are refused)',
    }),
    encoding_format: Type.Optional(Type.Union([Type.Literal('float'), Type.Literal('base64')])),
    dimensions: Type.Optional(Type.Integer({ minimum: 1, maximum: 8192 })),
    user: Type.Optional(Type.String({ maxLength: 256 })),
    max_price: Type.Optional(Type.String({ description: 'AITBC extension: the most this request may cost (escrowed), in AITBC; default set by the operator' })),
  },
  { additionalProperties: true },
);

const OpenAiAnswer = (description: string) => Type.Object({}, { additionalProperties: true, description });
export const CompletionAnswer = OpenAiAnswer("OpenAI's answer object (or an event stream), with an `aitbc` extra: job_id, receipt_id, price");
export const ResponseAnswer = OpenAiAnswer("OpenAI's Response object (or its event stream), with an `aitbc` extra: job_id, receipt_id, price");
export const EmbeddingsAnswer = OpenAiAnswer("OpenAI's embedding list, with an `aitbc` extra: job_id, receipt_id, price");

/** OpenAI's model object, with what the market offers it at (per token, over the online miners offering it; null when none is online). */
export const ModelObject = Type.Object({
  id: Type.String(),
  object: Type.Literal('model'),
  created: Type.Integer({ description: 'Always 0: a model on the market has no creation time' }),
  owned_by: Type.String(),
  miners_online: Type.Integer(),
  min_price: Nullable(Amount),
  median_price: Nullable(Amount),
  capabilities: Type.Array(CapabilityName, {
    description: 'What at least one online miner serving it supports (protocol CAPABILITIES); [] when none is online',
  }),
  context_length: Nullable(Type.Integer({ description: 'The longest context an online miner runs it with, when one says' })),
});

export const ModelList = Type.Object({ object: Type.Literal('list'), data: Type.Array(ModelObject) });

export type ChatMessage = Static<typeof ChatMessage>;
export type ToolDefinition = Static<typeof ToolDefinition>;
export type ChatCompletionBody = Static<typeof ChatCompletionBody>;
export type CompletionBody = Static<typeof CompletionBody>;
export type ResponsesBody = Static<typeof ResponsesBody>;
export type EmbeddingsBody = Static<typeof EmbeddingsBody>;
export type ModelObject = Static<typeof ModelObject>;
export type ModelList = Static<typeof ModelList>;
