// `anchor_proof`: anyone may anchor a Groth16 proof of a settled receipt (packages/zk's
// receipt_simple circuit). The node checks the public signals against the receipt it holds
// (commitment, job id, provider, price, units) and the proof against genesis' `zk_receipt_vkey`;
// the receipt is then proven (the receipt_proofs table). It moves only its fee.

import { receiptPublicSignals, verifyGroth16, ZK_PUBLIC_SIGNALS, type Groth16Proof } from '@aitbc/protocol/zk';
import { TxRejectedError } from '../errors.ts';
import type { AnchorProofBody } from '@aitbc/protocol/wire';
import type { ShapeProblem, TxType } from './types.ts';

/** The body's shape is the wire's (@aitbc/protocol/wire), which documents each field. */
export type { AnchorProofBody };

/** A field element or coordinate: a decimal string of at most 78 digits. */
const isDecimal = (value: unknown): boolean => typeof value === 'string' && /^(0|[1-9]\d{0,77})$/.test(value);
const isDecimals = (value: unknown, length: number): value is string[] => Array.isArray(value) && value.length === length && value.every(isDecimal);

/** snarkjs' proof JSON: the first thing wrong, or null. */
function proofShapeProblem(proof: unknown): ShapeProblem | null {
  const problem = (suffix: string, text: string): ShapeProblem => ({ field: `body.proof${suffix}`, problem: text });
  if (typeof proof !== 'object' || proof === null || Array.isArray(proof)) return problem('', 'must be a Groth16 proof {pi_a, pi_b, pi_c}');
  const { pi_a, pi_b, pi_c, protocol, curve, ...rest } = proof as Record<string, unknown>;
  const extra = Object.keys(rest)[0];
  if (extra !== undefined) return problem(`.${extra}`, 'is not a proof field');
  if (!isDecimals(pi_a, 3)) return problem('.pi_a', 'must be three decimal strings');
  if (!Array.isArray(pi_b) || pi_b.length !== 3 || !pi_b.every((pair) => isDecimals(pair, 2))) return problem('.pi_b', 'must be three pairs of decimal strings');
  if (!isDecimals(pi_c, 3)) return problem('.pi_c', 'must be three decimal strings');
  if (protocol !== undefined && protocol !== 'groth16') return problem('.protocol', "must be 'groth16'");
  if (curve !== undefined && curve !== 'bn128') return problem('.curve', "must be 'bn128'");
  return null;
}

const provenClaim = (receiptId: string) => `proven:${receiptId}`;

export const anchorProof: TxType<AnchorProofBody> = {
  type: 'anchor_proof',
  fields: ['receipt_id', 'proof', 'public_signals'],

  shapeProblem(body) {
    if (typeof body.receipt_id !== 'string' || !/^rcpt-[0-9a-f]{32}$/.test(body.receipt_id)) return { field: 'body.receipt_id', problem: 'must be "rcpt-" and 32 hex digits' };
    const proofProblem = proofShapeProblem(body.proof);
    if (proofProblem) return proofProblem;
    const signals = body.public_signals;
    if (!Array.isArray(signals) || signals.length === 0 || signals.length > 16 || !signals.every(isDecimal)) return { field: 'body.public_signals', problem: 'must list 1–16 decimal strings' };
    return null;
  },

  /** The receipt must be settled here and not proven yet, the signals exactly those the node recomputes from it, and the proof valid for genesis' key. */
  check(body, { store, receiptVkey }, claimed) {
    const { receipt_id: id, public_signals: signals, proof } = body;
    const vkey = receiptVkey();
    if (!vkey) throw new TxRejectedError('CHAIN_TX_PROOFS_DISABLED', 'this chain takes no proofs: its genesis has no zk_receipt_vkey', {});
    const stored = store.receipt(id);
    if (!stored) throw new TxRejectedError('CHAIN_TX_RECEIPT_NOT_SETTLED', `receipt ${id} is not settled on this chain`, { receipt_id: id }, 'body.receipt_id');
    if (claimed.has(provenClaim(id)) || store.receiptProof(id)) throw new TxRejectedError('CHAIN_TX_RECEIPT_ALREADY_PROVEN', `receipt ${id} is already proven`, { receipt_id: id }, 'body.receipt_id');
    const expected = receiptPublicSignals(stored.receipt);
    const wrongSignals = (detail: string) => new TxRejectedError('CHAIN_TX_PROOF_INVALID', detail, { receipt_id: id }, 'body.public_signals');
    if (signals.length !== expected.length) throw wrongSignals(`public_signals must be the ${expected.length} signals ${ZK_PUBLIC_SIGNALS.join(', ')}`);
    const wrong = ZK_PUBLIC_SIGNALS.find((_, i) => signals[i] !== expected[i]);
    if (wrong) throw wrongSignals(`public signal ${wrong} is not receipt ${id}'s`);
    if (!verifyGroth16(vkey, expected, proof)) throw new TxRejectedError('CHAIN_TX_PROOF_INVALID', `the proof does not verify for receipt ${id}`, { receipt_id: id }, 'body.proof');
  },

  claims: (body) => [provenClaim(body.receipt_id)],
  credits: () => [],
  effects: (body) => ({ proves: [body.receipt_id] }),
};
