// Small helpers for reading untyped JSON answers from model servers without trusting their shape.

import { BackendError } from './backend.ts';

export function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** Parses one JSON document from a stream; a malformed one means the server is misbehaving. */
export function parseStreamJson(text: string, source: string, server?: string): unknown {
  try {
    return JSON.parse(text) as unknown;
  } catch (error) {
    throw new BackendError('unavailable', `${source} sent a malformed stream line: ${text.slice(0, 200)}`, { cause: error, server });
  }
}

/** A non-negative token count, or undefined when the server did not give one. */
export function tokenCount(value: unknown): number | undefined {
  return typeof value === 'number' && Number.isFinite(value) && value >= 0 ? Math.trunc(value) : undefined;
}

/** Drops undefined entries so request bodies carry only the parameters the caller set. */
export function compact(fields: Record<string, unknown>): Record<string, unknown> {
  return Object.fromEntries(Object.entries(fields).filter(([, value]) => value !== undefined));
}

/** `count` vectors of finite numbers, or undefined when the answer is anything else. */
export function vectors(value: unknown, count: number): number[][] | undefined {
  if (!Array.isArray(value) || value.length !== count) return undefined;
  const ok = value.every((vector) => Array.isArray(vector) && vector.length > 0 && vector.every((x) => typeof x === 'number' && Number.isFinite(x)));
  return ok ? (value as number[][]) : undefined;
}
