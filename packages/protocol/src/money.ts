// AITBC amounts: bigint µAIT in code (1 AITBC = 1,000,000 µAIT), decimal strings of AITBC on the
// wire. Pure string and bigint arithmetic: no float ever touches an amount.

export const MICRO_PER_AITBC = 1_000_000n;
const DECIMALS = 6;

export class AmountFormatError extends RangeError {
  constructor(message: string) {
    super(message);
    this.name = 'AmountFormatError';
  }
}

/** AITBC decimal string → µAIT. Tolerates "2.50" and "007" on input; the value must fit in 6 decimals. */
export function parseAmount(text: string): bigint {
  if (typeof text !== 'string') throw new TypeError('amount must be a string');
  const match = /^(\d+)(?:\.(\d+))?$/.exec(text);
  if (!match) throw new AmountFormatError(`must be a decimal string of AITBC with at most ${DECIMALS} decimal places, like "2.5" (got ${JSON.stringify(text).slice(0, 40)})`);
  const fraction = (match[2] ?? '').replace(/0+$/, '');
  if (fraction.length > DECIMALS) throw new AmountFormatError(`has more than ${DECIMALS} decimal places; 0.000001 AITBC (1 µAIT) is the smallest amount`);
  return BigInt(match[1]!) * MICRO_PER_AITBC + BigInt(fraction.padEnd(DECIMALS, '0') || '0');
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
