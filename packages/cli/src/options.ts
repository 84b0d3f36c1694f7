// Parsers for command-line values that say exactly what was wrong.

import { InvalidArgumentError, Option } from 'commander';
import { amountProblem, CAPABILITIES, isCanonicalAmount, parseAmount, type Capability } from '@aitbc/protocol';

export function integerIn(min: number, max: number) {
  return (text: string): number => {
    if (!/^\d+$/.test(text.trim())) throw new InvalidArgumentError(`expected a whole number from ${min} to ${max}, got '${text}'.`);
    const value = Number(text);
    if (value < min || value > max) throw new InvalidArgumentError(`expected a whole number from ${min} to ${max}, got ${value}.`);
    return value;
  };
}

export function commaList(text: string): string[] {
  return text
    .split(',')
    .map((item) => item.trim())
    .filter((item) => item.length > 0);
}

/** Capability names as the protocol spells them (CAPABILITIES), comma-separated, each once. */
export function capabilityList(text: string): Capability[] {
  const names = commaList(text);
  const unknown = names.filter((name) => !(CAPABILITIES as readonly string[]).includes(name));
  if (unknown.length > 0) throw new InvalidArgumentError(`unknown capability '${unknown[0]}'; expected some of ${CAPABILITIES.join(', ')}.`);
  if (names.length === 0) throw new InvalidArgumentError(`expected some of ${CAPABILITIES.join(', ')}.`);
  return [...new Set(names)] as Capability[];
}

/** An amount of AITBC as the API writes it ("2.5", "0.000001"), more than zero. */
export function positiveAmount(text: string): string {
  const problem = amountProblem(text);
  if (problem && isCanonicalAmount(text)) throw new InvalidArgumentError(`'${text}' ${problem}.`);
  if (problem || parseAmount(text) <= 0n) throw new InvalidArgumentError(`expected an amount of AITBC such as 0.5 (a decimal with at most 6 places, more than 0), got '${text}'.`);
  return text;
}

/** An amount of AITBC as the API writes it, 0 allowed ("0" turns a requirement off). */
export function amountOrZero(text: string): string {
  const problem = amountProblem(text);
  if (problem && isCanonicalAmount(text)) throw new InvalidArgumentError(`'${text}' ${problem}.`);
  if (problem) throw new InvalidArgumentError(`expected an amount of AITBC such as 100 (a decimal with at most 6 places, 0 or more), got '${text}'.`);
  return text;
}

/** A share from 0 to 1 written as a decimal: "0", "0.1", "1". */
export function share(text: string): number {
  if (!/^(0|1)(\.\d+)?$|^\.\d+$/.test(text.trim()) || !(Number(text) <= 1)) throw new InvalidArgumentError(`expected a share from 0 to 1 such as 0.1, got '${text}'.`);
  return Number(text);
}

/** `--cors-origins` / AITBC_CORS_ORIGINS: comma-separated origins, or `*`; empty: none. */
export function parseCorsOrigins(text: string | undefined): string[] {
  const origins = (text ?? '')
    .split(',')
    .map((origin) => origin.trim().replace(/\/+$/, ''))
    .filter((origin) => origin.length > 0);
  for (const origin of origins) {
    if (origin !== '*' && !/^https?:\/\/[^/\s?#]+$/.test(origin)) throw new RangeError(`cors origin '${origin}' is not '*' or an origin such as https://app.example.com (scheme://host[:port], no path)`);
  }
  return origins.includes('*') ? ['*'] : origins;
}

/** `--cors-origins` on every command that serves HTTP (coordinator, node, devnet). */
export function corsOriginsOption(): Option {
  return new Option('--cors-origins <list>', "origins web pages may call this API from: comma-separated (https://app.example.com) or '*' (default: none, no CORS headers)")
    .env('AITBC_CORS_ORIGINS')
    .default([])
    .argParser((text: string) => {
      try {
        return parseCorsOrigins(text);
      } catch (error) {
        throw new InvalidArgumentError((error as Error).message + '.');
      }
    });
}
