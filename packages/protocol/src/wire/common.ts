// The building blocks every wire schema shares: amounts, times, names and pages. Amounts are
// decimal strings of AITBC (never numbers: a float cannot hold every µAIT), times RFC 3339.

import { Type, type TSchema } from 'typebox';
import { CAPABILITIES, type Capability } from '../job-types/capabilities.ts';

export const Nullable = <T extends TSchema>(schema: T) => Type.Union([schema, Type.Null()]);

export const Amount = Type.String({ description: 'Decimal string of AITBC, at most 6 decimals (1 µAIT)', examples: ['2.5'] });
export const Timestamp = Type.String({ format: 'date-time', description: 'RFC 3339' });
export const ModelName = Type.String({ pattern: '^[A-Za-z0-9][A-Za-z0-9._:/-]{0,127}$', description: 'Model name, e.g. llama3.2' });
export const MinerId = Type.String({ pattern: '^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$', description: '1–64 of A-Z a-z 0-9 . _ -' });
export const AccountName = Type.String({ pattern: '^[A-Za-z0-9][A-Za-z0-9._@-]{0,63}$' });
/** Whether a coordinator reaches its chain node (disabled: it runs without one). */
export const ChainStatus = Type.Union([Type.Literal('ok'), Type.Literal('unreachable'), Type.Literal('disabled')]);
/** What a model can do (protocol CAPABILITIES). */
export const CapabilityName = Type.Unsafe<Capability>({ type: 'string', enum: [...CAPABILITIES] });
export const Count = Type.Integer({ minimum: 0 });

/** The paging fields of a list's query: `cursor` is the previous page's next_cursor. */
export const PageQuery = {
  limit: Type.Optional(Type.Integer({ minimum: 1, maximum: 100, default: 20 })),
  cursor: Type.Optional(Type.String({ maxLength: 200 })),
};

/** A page of a list: `next_cursor` asks for the next one, null on the last. */
export const PageOf = <T extends TSchema>(item: T) => Type.Object({ items: Type.Array(item), next_cursor: Nullable(Type.String()) });

export const ToolName = Type.String({ pattern: '^[A-Za-z0-9_-]{1,64}$', description: '1–64 of A-Z a-z 0-9 _ -' });

/** A tool call in OpenAI's shape, as a chat job's output and a chat message carry it. */
export const ToolCall = Type.Object(
  {
    id: Type.String({ minLength: 1, maxLength: 128 }),
    type: Type.Literal('function'),
    function: Type.Object({ name: ToolName, arguments: Type.String({ maxLength: 1_000_000 }) }, { additionalProperties: false }),
  },
  { additionalProperties: false },
);

export const Usage = Type.Object(
  {
    prompt_tokens: Type.Integer({ minimum: 0, maximum: 100_000_000 }),
    completion_tokens: Type.Integer({ minimum: 0, maximum: 100_000_000 }),
  },
  { additionalProperties: false },
);

/** true when two types describe the same values: a schema's Static type and the interface it mirrors. */
export type Same<A, B> = [A] extends [B] ? ([B] extends [A] ? true : false) : false;
