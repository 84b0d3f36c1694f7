// The error codes every route of a kind can answer (any authenticated route, any route with a
// body, any route at all), which the app adds to each route's documented responses. The routes'
// own schemas are the wire's (@aitbc/protocol/wire).

import type { ErrorCode } from '@aitbc/protocol';

export const AUTH_ERRORS: ErrorCode[] = ['AUTH_MISSING_KEY', 'AUTH_INVALID_KEY', 'AUTH_EXPIRED_KEY', 'AUTH_INSUFFICIENT_SCOPE'];
export const BODY_ERRORS: ErrorCode[] = ['VALIDATION_MISSING_FIELD', 'VALIDATION_INVALID_TYPE', 'VALIDATION_OUT_OF_RANGE', 'VALIDATION_INVALID_FORMAT', 'PAYLOAD_TOO_LARGE'];
export const ALWAYS_ERRORS: ErrorCode[] = ['SYSTEM_INTERNAL_ERROR'];
