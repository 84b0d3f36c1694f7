// Groth16 proofs of receipts with snarkjs. A Prover loads the proving key and instantiates the
// circuit's witness calculator once, so every proof after the first skips the file reads, the
// WASM compile and the curve set-up (the "warm" figure).

import { readFile } from 'node:fs/promises';
import { WitnessCalculatorBuilder, type WitnessCalculator } from 'circom_runtime';
import * as snarkjs from 'snarkjs';
import type { UnsignedReceipt } from '@aitbc/protocol';
import type { Groth16Proof } from '@aitbc/protocol/zk';
import { RECEIPT_CIRCUIT, type CircuitArtifacts } from './artifacts.ts';
import { receiptWitnessInput, type CircuitInput } from './witness.ts';

/** What `aitbc receipt prove` writes and `verify-proof` and the chain's anchor_proof read. */
export interface ReceiptProof {
  receipt_id: string;
  proof: Groth16Proof;
  public_signals: string[];
}

type Curve = { terminate(): Promise<void> };
/**
 * snarkjs builds its curve (with worker threads) on first use and keeps it in a global; two
 * proofs started at once would each build one and leak the first. One shared promise avoids that.
 */
let curve: Promise<Curve> | null = null;
const sharedCurve = () => (curve ??= snarkjs.curves.getCurveFromName('bn128'));

export class Prover {
  private loaded: Promise<{ witness: WitnessCalculator; zkey: Uint8Array }> | null = null;

  constructor(private readonly artifacts: CircuitArtifacts = RECEIPT_CIRCUIT) {}

  private load() {
    this.loaded ??= Promise.all([readFile(this.artifacts.wasm).then((wasm) => WitnessCalculatorBuilder(wasm)), readFile(this.artifacts.zkey)]).then(([witness, zkey]) => ({ witness, zkey }));
    return this.loaded;
  }

  /** Proofs run one at a time: the witness calculator is one WASM instance with one memory. */
  private queue: Promise<unknown> = Promise.resolve();

  /** A proof for any circuit input (tests use it to build forgeries). */
  proveInput(input: CircuitInput): Promise<{ proof: Groth16Proof; publicSignals: string[] }> {
    const next = this.queue.then(() => this.proveNow(input));
    this.queue = next.catch(() => undefined);
    return next;
  }

  private async proveNow(input: CircuitInput): Promise<{ proof: Groth16Proof; publicSignals: string[] }> {
    const [{ witness, zkey }] = await Promise.all([this.load(), sharedCurve()]);
    // Throws when an input breaks a constraint (the sanity check runs every assert).
    const { proof, publicSignals } = await snarkjs.groth16.prove(zkey, await witness.calculateWTNSBin(input, true));
    return { proof: { pi_a: proof.pi_a, pi_b: proof.pi_b, pi_c: proof.pi_c, protocol: 'groth16', curve: 'bn128' }, publicSignals };
  }

  /** Proves knowledge of this receipt; throws if it breaks a circuit rule (price cap, times, ranges). */
  async prove(receipt: UnsignedReceipt): Promise<ReceiptProof> {
    const { proof, publicSignals } = await this.proveInput(receiptWitnessInput(receipt));
    return { receipt_id: receipt.receipt_id, proof, public_signals: publicSignals };
  }
}

/** snarkjs' own verifier, for cross-checking the node's and the EVM's. */
export async function verifyWithSnarkjs(vkey: unknown, publicSignals: readonly string[], proof: Groth16Proof): Promise<boolean> {
  await sharedCurve();
  return snarkjs.groth16.verify(vkey, publicSignals, proof, { info() {}, debug() {}, warn() {}, error() {} });
}

/** snarkjs keeps worker threads for the curve; a process that proved must end them to exit. */
export async function shutdownProver(): Promise<void> {
  const ending = curve;
  curve = null;
  await (await ending)?.terminate();
}
