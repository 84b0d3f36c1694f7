// The MIT Poseidon in @aitbc/protocol (noble's permutation, constants from the Grain LFSR) gives
// circomlibjs' values for every width the circuit could use, on random and edge inputs.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { buildPoseidon } from 'circomlibjs';
import { BN254_FR_ORDER, poseidonHash } from '@aitbc/protocol/zk';

const randomField = () => BigInt(`0x${randomBytes(32).toString('hex')}`) % BN254_FR_ORDER;

test('poseidonHash equals circomlibjs for 1–16 inputs, on random and edge values', async () => {
  const reference = await buildPoseidon();
  const expected = (inputs: bigint[]) => reference.F.toObject(reference(inputs));
  let compared = 0;
  for (let width = 1; width <= 16; width++) {
    const cases = [Array(width).fill(0n), Array(width).fill(BN254_FR_ORDER - 1n), ...Array.from({ length: 8 }, () => Array.from({ length: width }, randomField))];
    for (const inputs of cases) {
      assert.equal(poseidonHash(inputs), expected(inputs), `width ${width}: ${inputs.join(',')}`);
      compared++;
    }
  }
  assert.equal(compared, 160);
});

test('poseidonHash refuses what is not 1–16 field elements', () => {
  assert.throws(() => poseidonHash([]), RangeError);
  assert.throws(() => poseidonHash(Array(17).fill(1n)), RangeError);
  assert.throws(() => poseidonHash([BN254_FR_ORDER]), RangeError);
  assert.throws(() => poseidonHash([1 as unknown as bigint]), TypeError);
});
