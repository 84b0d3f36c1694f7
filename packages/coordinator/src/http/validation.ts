// Request validation with Ajv, answering in the seed's codes. Bodies are never coerced (a "5"
// where a number belongs is VALIDATION_INVALID_TYPE); query strings and path parameters are,
// since everything there arrives as text. The first error is reported, with its dotted field.

import { Ajv, type ErrorObject, type ValidateFunction } from 'ajv';
import addFormatsModule from 'ajv-formats';
import type { FastifySchema, FastifySchemaCompiler } from 'fastify';
import { ApiError, type ErrorCode } from '@aitbc/protocol';

// ajv-formats is CommonJS; under ESM its plugin may sit one `default` deeper.
const addFormats = ((addFormatsModule as unknown as { default?: unknown }).default ?? addFormatsModule) as (ajv: Ajv) => Ajv;

function makeAjv(coerceTypes: boolean): Ajv {
  const ajv = new Ajv({ allErrors: false, coerceTypes, useDefaults: true, removeAdditional: false, strict: false, verbose: true });
  addFormats(ajv);
  return ajv;
}

const bodyAjv = makeAjv(false);
const textAjv = makeAjv(true);

const RANGE_KEYWORDS = new Set(['minimum', 'maximum', 'exclusiveMinimum', 'exclusiveMaximum', 'minLength', 'maxLength', 'minItems', 'maxItems', 'minProperties', 'maxProperties']);

function dotted(instancePath: string): string {
  return instancePath
    .split('/')
    .slice(1)
    .map((part) => part.replace(/~1/g, '/').replace(/~0/g, '~'))
    .join('.');
}

const join = (parent: string, child: string) => (parent ? `${parent}.${child}` : child);

/** The seed error for the first Ajv error of a request part (`body`, `querystring`, `params`). */
export function toApiError(error: ErrorObject, part: string): ApiError {
  const where = part === 'body' ? 'Field' : part === 'querystring' ? 'Query' : 'Path parameter';
  const path = dotted(error.instancePath);
  const params = error.params as Record<string, unknown>;
  const fail = (code: ErrorCode, field: string, detail: string) => new ApiError(code, detail, { field: field || part });
  switch (error.keyword) {
    case 'required': {
      const field = join(path, String(params.missingProperty));
      return fail('VALIDATION_MISSING_FIELD', field, `${where} '${field}' is required`);
    }
    case 'additionalProperties': {
      const field = join(path, String(params.additionalProperty));
      return fail('VALIDATION_INVALID_FORMAT', field, `${where} '${field}' is not a known field; check its spelling against /openapi.json`);
    }
    case 'type': {
      if (!path) return fail('VALIDATION_INVALID_TYPE', part, `The request ${part} must be a JSON ${String(params.type)}`);
      return fail('VALIDATION_INVALID_TYPE', path, `${where} '${path}' must be of type ${String(params.type).replace(',', ' or ')}`);
    }
    default: {
      const field = path || part;
      if (RANGE_KEYWORDS.has(error.keyword)) {
        return fail('VALIDATION_OUT_OF_RANGE', field, `${where} '${field}' ${error.message ?? 'is out of range'}${error.data === undefined ? '' : ` (got ${JSON.stringify(error.data).slice(0, 80)})`}`);
      }
      const allowed = error.keyword === 'enum' ? `; allowed: ${(params.allowedValues as unknown[]).join(', ')}` : '';
      return fail('VALIDATION_INVALID_FORMAT', field, `${where} '${field}' ${error.message ?? 'has the wrong format'}${allowed}`);
    }
  }
}

/**
 * Of the errors of a failed union (each branch adds its own), the one deepest in the data: the
 * branch that matched the value's shape and failed inside it says what is wrong, e.g. a content
 * part's type, not that the content is not a string. The first of equally deep ones otherwise.
 */
function deepest(errors: ErrorObject[]): ErrorObject {
  const depth = (error: ErrorObject) => error.instancePath.split('/').length;
  return errors.reduce((best, error) => (depth(error) > depth(best) ? error : best));
}

// One compiled validator per schema and Ajv instance (a schema may serve both a body and a query).
const compiledFor = new Map<Ajv, WeakMap<object, ValidateFunction>>([
  [bodyAjv, new WeakMap()],
  [textAjv, new WeakMap()],
]);

export const validatorCompiler: FastifySchemaCompiler<FastifySchema> = ({ schema, httpPart }) => {
  const ajv = httpPart === 'body' ? bodyAjv : textAjv;
  const cache = compiledFor.get(ajv)!;
  let validate = cache.get(schema as object);
  if (!validate) {
    validate = ajv.compile(schema as object);
    cache.set(schema as object, validate);
  }
  const compiled = validate;
  return (data: unknown) => {
    if (compiled(data)) return { value: data };
    return { error: toApiError(deepest(compiled.errors!), httpPart ?? 'body') };
  };
};
