// The coordinator's own plumbing around the wire schemas (@aitbc/protocol/wire): the error codes
// every route of a kind can answer, which app.ts adds to each route's documented responses.

import type { ErrorCode } from '@aitbc/protocol';

export const AUTH_ERRORS: ErrorCode[] = ['AUTH_MISSING_KEY', 'AUTH_INVALID_KEY', 'AUTH_EXPIRED_KEY', 'AUTH_INSUFFICIENT_SCOPE'];
export const BODY_ERRORS: ErrorCode[] = ['VALIDATION_MISSING_FIELD', 'VALIDATION_INVALID_TYPE', 'VALIDATION_OUT_OF_RANGE', 'VALIDATION_INVALID_FORMAT', 'PAYLOAD_TOO_LARGE'];
export const ALWAYS_ERRORS: ErrorCode[] = ['SYSTEM_INTERNAL_ERROR'];
