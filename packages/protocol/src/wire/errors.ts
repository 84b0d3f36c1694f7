// The error envelope every AITBC service answers with, and its OpenAPI responses: one per HTTP
// status, listing the catalogue's codes that status carries on the route.

import { Type, type Static, type TSchema } from 'typebox';
import { ERROR_CATALOGUE, type ErrorCode } from '../errors.ts';

export const ErrorEnvelope = Type.Object(
  {
    detail: Type.String(),
    error_code: Type.String(),
    request_id: Type.String(),
    field: Type.Optional(Type.String({ description: 'Dotted path of the offending field, or a header name' })),
    retry_after: Type.Optional(Type.Integer({ minimum: 1, description: 'Seconds to wait before retrying' })),
    context: Type.Optional(Type.Object({}, { additionalProperties: true, description: "The chain's refusals only: the facts behind the code (CHAIN_TX_*, CHAIN_BLOCK_*)" })),
    error: Type.Optional(
      Type.Object(
        { message: Type.String(), type: Type.String(), code: Type.String(), param: Type.Union([Type.String(), Type.Null()]) },
        { description: "OpenAI's error object, on the OpenAI-compatible routes only" },
      ),
    ),
  },
  { description: 'The seed error envelope' },
);
export type ErrorEnvelope = Static<typeof ErrorEnvelope>;

/**
 * An item of a batch refused on its own (POST /v1/jobs/batch, a miner's batch completion, POST
 * /rpc/txs/batch): the envelope the single route would have answered it with, `field` under the
 * item's path (`jobs.<i>.`, `transactions.<i>`).
 */
export const BatchItemError = Type.Object({ error: ErrorEnvelope });
export type BatchItemError = Static<typeof BatchItemError>;

/** Response schemas for the given error codes, grouped by HTTP status, each listing its codes. */
export function errorResponses(...codes: ErrorCode[]): Record<number, TSchema> {
  const byStatus = new Map<number, ErrorCode[]>();
  for (const code of new Set(codes)) {
    const status = ERROR_CATALOGUE[code].status;
    byStatus.set(status, [...(byStatus.get(status) ?? []), code]);
  }
  const responses: Record<number, TSchema> = {};
  for (const [status, list] of byStatus) {
    responses[status] = { ...ErrorEnvelope, description: list.map((code) => `\`${code}\`: ${ERROR_CATALOGUE[code].description}`).join('; ') };
  }
  return responses;
}
