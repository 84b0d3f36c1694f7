// AITBC amounts: bigint µAIT in code (1 AITBC = 1,000,000 µAIT), decimal strings of AITBC on the
// wire. Pure string and bigint arithmetic: no float ever touches an amount.

import { memoize } from './memo.ts';

export const MICRO_PER_AITBC = 1_000_000n;
const DECIMALS = 6;

/**
 * The most any one amount may be, and the most the money a coordinator holds or a chain's whole
 * supply may reach: 10^9 AITBC = 10^15 µAIT. Why this figure: SQLite and the chain store signed
 * 64-bit integers (below 2^63 µAIT, about 9.2 × 10^18), so every balance, and every sum of
 * balances, stays over 9,000 times below that limit. Documented in docs/API.md ("Amounts").
 */
export const MAX_AMOUNT_MICRO = 1_000_000_000n * MICRO_PER_AITBC;

export class AmountFormatError extends RangeError {
  constructor(message: string) {
    super(message);
    this.name = 'AmountFormatError';
  }
}

/** An amount written correctly but past MAX_AMOUNT_MICRO. */
export class AmountRangeError extends RangeError {
  constructor(message: string) {
    super(message);
    this.name = 'AmountRangeError';
  }
}

/** The problem with an amount of µAIT past the bound, or null; the message names the bound. */
export function amountRangeProblem(micro: bigint): string | null {
  return micro > MAX_AMOUNT_MICRO ? `is more than ${formatAmount(MAX_AMOUNT_MICRO)} AITBC, the most any amount or balance may be` : null;
}

/**
 * AITBC decimal string → µAIT. Tolerates "2.50" and "007" on input; the value must fit in 6
 * decimals (AmountFormatError) and be at most MAX_AMOUNT_MICRO (AmountRangeError).
 */
export function parseAmount(text: string): bigint {
  if (typeof text !== 'string') throw new TypeError('amount must be a string');
  return parsedAmount(text);
}

// A chain node parses each transaction's amount and fee several times (its form, admission,
// production), and most are the same few values: each text is parsed once (a refused one is not kept).
const parsedAmount = memoize(10_000, (text: string): bigint => {
  const match = /^(\d+)(?:\.(\d+))?$/.exec(text);
  if (!match) throw new AmountFormatError(`must be a decimal string of AITBC with at most ${DECIMALS} decimal places, like "2.5" (got ${JSON.stringify(text).slice(0, 40)})`);
  const fraction = (match[2] ?? '').replace(/0+$/, '');
  if (fraction.length > DECIMALS) throw new AmountFormatError(`has more than ${DECIMALS} decimal places; 0.000001 AITBC (1 µAIT) is the smallest amount`);
  // The digit count is checked before BigInt so that a megabyte of digits costs nothing.
  const whole = match[1]!.replace(/^0+(?=\d)/, '');
  const micro = whole.length > 20 ? MAX_AMOUNT_MICRO + 1n : BigInt(whole) * MICRO_PER_AITBC + BigInt(fraction.padEnd(DECIMALS, '0') || '0');
  const range = amountRangeProblem(micro);
  if (range) throw new AmountRangeError(range);
  return micro;
});

/**
 * Why a wire amount is not a canonical amount within the bound (its format first), or null.
 * For validators that report a problem instead of throwing (chain transactions, genesis, receipts).
 */
export function amountProblem(text: unknown): string | null {
  if (typeof text !== 'string' || !isCanonicalAmount(text)) return 'must be a canonical decimal string of AITBC';
  try {
    parseAmount(text);
    return null;
  } catch (error) {
    return (error as Error).message;
  }
}

/** µAIT → canonical AITBC string: no exponent, no leading or trailing zeros, no bare point. */
export function formatAmount(micro: bigint): string {
  if (typeof micro !== 'bigint') throw new TypeError('amount must be a bigint of µAIT');
  const sign = micro < 0n ? '-' : '';
  const magnitude = micro < 0n ? -micro : micro;
  const whole = magnitude / MICRO_PER_AITBC;
  const fraction = (magnitude % MICRO_PER_AITBC).toString().padStart(DECIMALS, '0').replace(/0+$/, '');
  return `${sign}${whole}${fraction ? `.${fraction}` : ''}`;
}

const CANONICAL = /^(?:0|[1-9]\d*)(?:\.\d{0,5}[1-9])?$/;

export function isCanonicalAmount(text: string): boolean {
  return typeof text === 'string' && CANONICAL.test(text);
}

/** What a job costs: its units at the miner's price, capped by what the client allowed. */
export function priceFor(units: bigint, unitPriceMicro: bigint, maxPriceMicro: bigint): bigint {
  const full = units * unitPriceMicro;
  return full < maxPriceMicro ? full : maxPriceMicro;
}
