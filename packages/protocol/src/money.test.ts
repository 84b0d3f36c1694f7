import { test } from 'node:test';
import assert from 'node:assert/strict';
import { amountProblem, AmountFormatError, AmountRangeError, formatAmount, isCanonicalAmount, MAX_AMOUNT_MICRO, parseAmount, priceFor } from './money.ts';

test('parses AITBC strings to µAIT exactly', () => {
  const cases: [string, bigint][] = [
    ['0', 0n], ['2.5', 2_500_000n], ['0.000001', 1n], ['3', 3_000_000n], ['2.50', 2_500_000n], ['007', 7_000_000n],
    ['1.1000000', 1_100_000n], ['1000000000', 1_000_000_000_000_000n], ['0001000000000.000000', 1_000_000_000_000_000n], ['999999999.999999', 999_999_999_999_999n],
  ];
  for (const [text, micro] of cases) assert.equal(parseAmount(text), micro, text);
});

test('refuses what is not an amount, saying what to send', () => {
  for (const text of ['', '.5', '5.', '-1', '+1', '1e3', '1,5', ' 1', '0x10', 'NaN', '1.2.3']) {
    assert.throws(() => parseAmount(text), (error: unknown) => error instanceof AmountFormatError && /decimal string of AITBC/.test((error as Error).message), text);
  }
  assert.throws(() => parseAmount('0.0000001'), /more than 6 decimal places/);
  assert.throws(() => parseAmount(2.5 as unknown as string), TypeError);
});

test('refuses an amount past the bound of 10^9 AITBC with a RangeError naming the bound', () => {
  assert.equal(MAX_AMOUNT_MICRO, 10n ** 15n);
  // Just past, the int64 limit, past 2^64, and a megabyte of digits (refused without building a huge bigint).
  for (const text of ['1000000000.000001', '1000000001', '9223372036854.775807', '99999999999999999999', '18446744073709551616', '9'.repeat(1 << 20)]) {
    assert.throws(() => parseAmount(text), (error: unknown) => error instanceof AmountRangeError && error instanceof RangeError && /more than 1000000000 AITBC/.test((error as Error).message), text.slice(0, 30));
  }
  assert.equal(amountProblem('1000000000'), null);
  assert.match(amountProblem('1000000000.000001') ?? '', /more than 1000000000 AITBC/);
  assert.match(amountProblem('2.50') ?? '', /canonical/);
  assert.match(amountProblem(5) ?? '', /canonical/);
});

test('formats canonically and round-trips', () => {
  assert.equal(formatAmount(2_500_000n), '2.5');
  assert.equal(formatAmount(246_000n), '0.246');
  assert.equal(formatAmount(3_000_000n), '3');
  assert.equal(formatAmount(0n), '0');
  assert.equal(formatAmount(1n), '0.000001');
  assert.equal(formatAmount(-1_500_000n), '-1.5');
  for (const micro of [0n, 1n, 10n, 999_999n, 1_000_000n, 1_000_001n, 123_456_789_012n]) {
    const text = formatAmount(micro);
    assert.equal(parseAmount(text), micro);
    assert.ok(isCanonicalAmount(text), text);
  }
  for (const text of ['2.50', '02', '1.', '.1', '1e3', '-1', '0.0000001']) assert.equal(isCanonicalAmount(text), false, text);
});

test('price is the smaller of units × unit price and max_price', () => {
  assert.equal(priceFor(12n, 2000n, 2_500_000n), 24_000n);
  assert.equal(priceFor(4000n, 500_000n, 1_000_000n), 1_000_000n);
  assert.equal(priceFor(0n, 2000n, 5n), 0n);
});
