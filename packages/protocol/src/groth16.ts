// Groth16 verification on BN254 for proofs made by snarkjs, in snarkjs' JSON forms, on
// @noble/curves (MIT) alone: the chain and browsers check proofs without the GPL prover.
// The check is e(A, B) = e(α, β) · e(vk_x, γ) · e(C, δ) with vk_x = IC₀ + Σ sᵢ·ICᵢ₊₁, done as one
// batch e(−A, B) · e(α, β) · e(vk_x, γ) · e(C, δ) = 1 (one shared final exponentiation).

import { bn254 } from '@noble/curves/bn254.js';
import { BN254_FR_ORDER } from './poseidon.ts';

type Affine1 = [string, string, string];
type Affine2 = [[string, string], [string, string], [string, string]];

/** snarkjs `zkey export verificationkey` output (groth16, bn128). */
export interface Groth16VerificationKey {
  protocol: 'groth16';
  curve: 'bn128';
  nPublic: number;
  vk_alpha_1: Affine1;
  vk_beta_2: Affine2;
  vk_gamma_2: Affine2;
  vk_delta_2: Affine2;
  IC: Affine1[];
}

/** snarkjs proof JSON. */
export interface Groth16Proof {
  pi_a: Affine1;
  pi_b: Affine2;
  pi_c: Affine1;
  protocol?: string;
  curve?: string;
}

const { G1, G2, fields } = bn254;
type G1Point = ReturnType<typeof G1.Point.fromAffine>;
type G2Point = ReturnType<typeof G2.Point.fromAffine>;

const decimal = (value: unknown): bigint => {
  if (typeof value !== 'string' || !/^(0|[1-9]\d{0,77})$/.test(value)) throw new TypeError('a coordinate must be a decimal string');
  return BigInt(value);
};

/** A G1 point from snarkjs' projective [x, y, 1]; checked on the curve. */
function g1(value: unknown): G1Point {
  const [x, y, z] = value as unknown[];
  if (!Array.isArray(value) || value.length !== 3 || z !== '1') throw new TypeError('a G1 point must be [x, y, "1"]');
  const point = G1.Point.fromAffine({ x: fields.Fp.create(decimal(x)), y: fields.Fp.create(decimal(y)) });
  if (decimal(x) >= fields.Fp.ORDER || decimal(y) >= fields.Fp.ORDER) throw new RangeError('a G1 coordinate is not below the field order');
  point.assertValidity();
  return point;
}

/** A G2 point from snarkjs' [[x.c0, x.c1], [y.c0, y.c1], [1, 0]]; checked on the curve and in the subgroup. */
function g2(value: unknown): G2Point {
  if (!Array.isArray(value) || value.length !== 3) throw new TypeError('a G2 point must be [[x0, x1], [y0, y1], ["1", "0"]]');
  const [x, y, z] = value as unknown[][];
  if (!Array.isArray(z) || z[0] !== '1' || z[1] !== '0') throw new TypeError('a G2 point must be affine ([1, 0] last)');
  const coordinate = (pair: unknown[] | undefined) => {
    if (!Array.isArray(pair) || pair.length !== 2) throw new TypeError('a G2 coordinate must be [c0, c1]');
    const [c0, c1] = [decimal(pair[0]), decimal(pair[1])];
    if (c0 >= fields.Fp.ORDER || c1 >= fields.Fp.ORDER) throw new RangeError('a G2 coordinate is not below the field order');
    return fields.Fp2.fromBigTuple([c0, c1]);
  };
  const point = G2.Point.fromAffine({ x: coordinate(x), y: coordinate(y) });
  point.assertValidity();
  return point;
}

/** A prepared key: its points parsed and checked once, for many verifications. */
export interface PreparedVerificationKey {
  nPublic: number;
  alpha: G1Point;
  beta: G2Point;
  gamma: G2Point;
  delta: G2Point;
  ic: G1Point[];
}

/** Parses and checks a verification key; throws TypeError/RangeError naming what is wrong. */
export function prepareVerificationKey(vk: Groth16VerificationKey): PreparedVerificationKey {
  if (vk?.protocol !== 'groth16' || vk.curve !== 'bn128') throw new TypeError('verification key: must be groth16 on bn128');
  if (!Array.isArray(vk.IC) || vk.IC.length !== vk.nPublic + 1) throw new RangeError('verification key: IC must have nPublic + 1 points');
  return { nPublic: vk.nPublic, alpha: g1(vk.vk_alpha_1), beta: g2(vk.vk_beta_2), gamma: g2(vk.vk_gamma_2), delta: g2(vk.vk_delta_2), ic: vk.IC.map(g1) };
}

/**
 * True only for a valid proof of exactly these public signals (decimal strings, each below the
 * field order, as many as the key has inputs). Never throws: anything malformed is false.
 */
export function verifyGroth16(key: Groth16VerificationKey | PreparedVerificationKey, publicSignals: readonly string[], proof: Groth16Proof): boolean {
  try {
    const vk = 'ic' in key ? key : prepareVerificationKey(key);
    if (!Array.isArray(publicSignals) || publicSignals.length !== vk.nPublic) return false;
    const signals = publicSignals.map(decimal);
    // A signal ≥ r would alias signal − r: refuse it, as snarkjs and the Solidity verifier do.
    if (signals.some((signal) => signal >= BN254_FR_ORDER)) return false;
    let vkX = vk.ic[0]!;
    signals.forEach((signal, i) => {
      if (signal !== 0n) vkX = vkX.add(vk.ic[i + 1]!.multiply(signal));
    });
    const a = g1(proof.pi_a);
    const b = g2(proof.pi_b);
    const c = g1(proof.pi_c);
    const product = bn254.pairingBatch([
      { g1: a.negate(), g2: b },
      { g1: vk.alpha, g2: vk.beta },
      { g1: vkX, g2: vk.gamma },
      { g1: c, g2: vk.delta },
    ]);
    return fields.Fp12.eql(product, fields.Fp12.ONE);
  } catch {
    return false;
  }
}
