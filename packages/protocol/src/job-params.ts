// Generation parameters a client may set on a job; the coordinator stores them and the miner
// passes them to its model server unchanged. A version-2 receipt binds them by `paramsHash`.

import { sha256Hex } from './encoding.ts';
import { canonicalize } from './jcs.ts';

export interface JobParams {
  max_tokens?: number;
  temperature?: number;
  top_p?: number;
  seed?: number;
  stop?: string[];
}

/** The most tokens a job may ask for. */
export const MAX_TOKENS_LIMIT = 32_768;

/** The parameters a receipt binds: the ones that change what a model generates. */
export const HASHED_JOB_PARAMS = ['seed', 'temperature', 'top_p', 'max_tokens', 'stop'] as const;

/**
 * `"sha256:"` + hex SHA-256 of JCS of exactly the hashed parameters the job set (absent ones are
 * left out, never defaulted, so `{}` hashes JCS `{}`); any other key is ignored. The miner puts
 * it in the receipt and the coordinator recomputes it from the job it stored.
 */
export function paramsHash(params: JobParams | Readonly<Record<string, unknown>>): string {
  const record = params as Record<string, unknown>;
  const chosen: Record<string, unknown> = {};
  for (const key of HASHED_JOB_PARAMS) {
    if (record[key] !== undefined && record[key] !== null) chosen[key] = record[key];
  }
  return `sha256:${sha256Hex(canonicalize(chosen))}`;
}
