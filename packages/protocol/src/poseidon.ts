// Poseidon over the BN254 scalar field with circomlib's parameters (x^5 S-box, 8 full rounds,
// the partial rounds of the Poseidon paper's table for each width, constants and MDS matrix from
// the paper's Grain LFSR), so the chain recomputes the commitment a circom circuit makes.
// The permutation and the Grain generator are @noble/curves' (MIT, audited); nothing is copied
// from circomlib. packages/zk tests this against circomlibjs on many inputs.

import { grainGenConstants, poseidon } from '@noble/curves/abstract/poseidon.js';
import { Field } from '@noble/curves/abstract/modular.js';
import { bn254 } from '@noble/curves/bn254.js';

/** The BN254 scalar field order: every circuit signal is an integer below it. */
export const BN254_FR_ORDER = bn254.fields.Fr.ORDER;

const Fr = Field(BN254_FR_ORDER);
/** Partial rounds for widths t = 2…17 (1…16 inputs), as the paper's security table gives for BN254. */
const PARTIAL_ROUNDS = [56, 57, 56, 60, 60, 63, 64, 63, 60, 66, 60, 65, 70, 60, 64, 68];
const FULL_ROUNDS = 8;

const permutations = new Map<number, (state: bigint[]) => bigint[]>();

function permutation(width: number): (state: bigint[]) => bigint[] {
  let permute = permutations.get(width);
  if (!permute) {
    const opts = { Fp: Fr, t: width, roundsFull: FULL_ROUNDS, roundsPartial: PARTIAL_ROUNDS[width - 2]! };
    permute = poseidon({ ...opts, ...grainGenConstants(opts), sboxPower: 5 });
    permutations.set(width, permute);
  }
  return permute;
}

/** Poseidon of 1–16 field elements, as circomlib's `Poseidon(n)`: state [0, …inputs], first word out. */
export function poseidonHash(inputs: readonly bigint[]): bigint {
  if (inputs.length < 1 || inputs.length > 16) throw new RangeError(`poseidonHash: takes 1–16 inputs, got ${inputs.length}`);
  for (const input of inputs) {
    if (typeof input !== 'bigint') throw new TypeError('poseidonHash: inputs must be bigints');
    if (input < 0n || input >= BN254_FR_ORDER) throw new RangeError('poseidonHash: inputs must be field elements (0 ≤ x < r)');
  }
  return permutation(inputs.length + 1)([0n, ...inputs])[0]!;
}
