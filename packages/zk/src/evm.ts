// The ZKReceiptVerifier contract on an in-process EVM (@ethereumjs/evm, whose BN254 precompiles
// are the ones a real chain runs): deploy, register a receipt's commitment, verify and anchor.
// ABI encoding by hand: every argument here is a static word (bytes32, uint256, fixed arrays).

import { createEVM, type EVM } from '@ethereumjs/evm';
import { createAddressFromString, type Address } from '@ethereumjs/util';
import { keccak_256 } from '@noble/hashes/sha3.js';
import { type UnsignedReceipt } from '@aitbc/protocol';
import { receiptCommitment, type Groth16Proof } from '@aitbc/protocol/zk';
import { compileContracts, type CompiledContracts } from './solidity.ts';

const GAS_LIMIT = 10_000_000n;
const word = (value: bigint) => value.toString(16).padStart(64, '0');
const hexBytes = (hex: string) => Uint8Array.from(Buffer.from(hex, 'hex'));
const selector = (signature: string) => Buffer.from(keccak_256(new TextEncoder().encode(signature)).subarray(0, 4)).toString('hex');

/** A receipt id as bytes32: its 32 hex digits, as they are. */
export const receiptIdWord = (receiptId: string): bigint => BigInt(`0x${receiptId.replace(/^rcpt-/, '')}`);

/** The proof and signals as the verifier's (a, b, c, signals) words; G2 coordinates go imaginary part first (EIP-197). */
export function proofWords(proof: Groth16Proof, signals: readonly string[]): bigint[] {
  const [a, b, c] = [proof.pi_a, proof.pi_b, proof.pi_c];
  return [a[0], a[1], b[0][1], b[0][0], b[1][1], b[1][0], c[0], c[1], ...signals].map((value) => BigInt(value));
}

export interface CallResult {
  ok: boolean;
  returned: bigint;
  gasUsed: bigint;
}

export class ReceiptVerifierContract {
  private constructor(
    private readonly evm: EVM,
    private readonly address: Address,
    private readonly registrar: Address,
  ) {}

  static async deploy(compiled: CompiledContracts = compileContracts()): Promise<ReceiptVerifierContract> {
    const evm = await createEVM();
    const registrar = createAddressFromString('0x' + '11'.repeat(20));
    const create = async (bytecode: string) => {
      const result = await evm.runCall({ caller: registrar, data: hexBytes(bytecode), gasLimit: GAS_LIMIT });
      if (result.execResult.exceptionError || !result.createdAddress) throw new Error(`deploy failed: ${result.execResult.exceptionError?.error}`);
      return result.createdAddress;
    };
    const verifier = await create(compiled.Groth16Verifier);
    const wrapper = await create(compiled.ZKReceiptVerifier + word(BigInt(verifier.toString())));
    return new ReceiptVerifierContract(evm, wrapper, registrar);
  }

  private async call(signature: string, args: bigint[], caller = this.registrar): Promise<CallResult> {
    const data = hexBytes(selector(signature) + args.map(word).join(''));
    const result = await this.evm.runCall({ caller, to: this.address, data, gasLimit: GAS_LIMIT });
    const { exceptionError, returnValue, executionGasUsed } = result.execResult;
    const returned = returnValue.length >= 32 ? BigInt('0x' + Buffer.from(returnValue.subarray(0, 32)).toString('hex')) : 0n;
    return { ok: !exceptionError, returned, gasUsed: executionGasUsed };
  }

  /** The registrar records a settled receipt's commitment (computed from the receipt). */
  async register(receipt: UnsignedReceipt): Promise<CallResult> {
    return this.call('register(bytes32,uint256)', [receiptIdWord(receipt.receipt_id), receiptCommitment(receipt)]);
  }

  /** The view check: true only for a valid proof whose commitment is the one registered for this id. */
  async verify(receiptId: string, proof: Groth16Proof, signals: readonly string[]): Promise<{ valid: boolean; gasUsed: bigint }> {
    const result = await this.call('verifyReceipt(bytes32,uint256[2],uint256[2][2],uint256[2],uint256[5])', [receiptIdWord(receiptId), ...proofWords(proof, signals)]);
    return { valid: result.ok && result.returned === 1n, gasUsed: result.gasUsed };
  }

  /** The state-changing anchor; reverts on an invalid proof or a second anchor. */
  async anchor(receiptId: string, proof: Groth16Proof, signals: readonly string[]): Promise<CallResult> {
    return this.call('anchor(bytes32,uint256[2],uint256[2][2],uint256[2],uint256[5])', [receiptIdWord(receiptId), ...proofWords(proof, signals)]);
  }
}
