// The genesis file: the chain's id, its authorities (who may propose and sign blocks), the block
// interval, the initial allocations, the coordinators allowed to settle receipts and, optionally,
// the verification key of receipt proofs, and the bond rules (unbonding delay, slash amount).
// Every node of a chain starts from the same file; its
// hash is the chain's identity.

import { amountProblem, amountRangeProblem, canonicalize, formatAmount, isValidAddress, parseAmount, parsePublicKey, sha256Hex } from '@aitbc/protocol';
import { prepareVerificationKey, ZK_PUBLIC_SIGNALS, type Groth16VerificationKey } from '@aitbc/protocol/zk';

export interface Genesis {
  chain_id: string;
  /** Epoch ms; the genesis block's timestamp. */
  genesis_time: number;
  block_interval_ms: number;
  /** base64url Ed25519 public keys, in proposer order. */
  authorities: string[];
  /** base64url Ed25519 public keys of coordinators allowed to settle receipts. */
  coordinators: string[];
  allocations: { address: string; amount: string }[];
  /**
   * The Groth16 verification key of packages/zk's receipt_simple circuit (snarkjs JSON). A chain
   * without it refuses every anchor_proof; genesis files made before it stay valid.
   */
  zk_receipt_vkey?: Groth16VerificationKey;
  /** Blocks an unbonding stays slashable before it returns to the balance (default: unbondingDelayBlocks). */
  unbonding_delay_blocks?: number;
  /** AITBC taken from a miner key's bond + unbonding per slashed receipt (default DEFAULT_SLASH_AMOUNT). */
  slash_amount?: string;
}

/** The coordinator's acceptance window: the time in which it finds a cheat and sends the slash. */
export const ACCEPTANCE_WINDOW_MS = 10 * 60_000;
/** 100 AITBC: past probation about 2.5% of a miner's jobs are checked, so this makes cheating on a job of up to 2.5 AITBC cost more than it earns. */
export const DEFAULT_SLASH_AMOUNT = '100';

/**
 * Default: the acceptance window in blocks. Each block needs a later slot, so this many blocks
 * take at least that long: an unbonding stays slashable for the whole window whatever the load.
 */
export function unbondingDelayBlocks(genesis: Genesis): number {
  return genesis.unbonding_delay_blocks ?? Math.ceil(ACCEPTANCE_WINDOW_MS / genesis.block_interval_ms);
}

export function slashAmountMicro(genesis: Genesis): bigint {
  return parseAmount(genesis.slash_amount ?? DEFAULT_SLASH_AMOUNT);
}

export function genesisHash(genesis: Genesis): string {
  return sha256Hex(canonicalize(genesis));
}

/** Throws an Error naming the first thing wrong. */
export function validateGenesis(value: unknown): Genesis {
  const genesis = value as Genesis;
  const fail = (message: string): never => {
    throw new Error(`genesis: ${message}`);
  };
  if (typeof value !== 'object' || value === null) fail('must be a JSON object');
  if (typeof genesis.chain_id !== 'string' || !/^[a-z0-9][a-z0-9-]{0,63}$/.test(genesis.chain_id)) fail('chain_id must be 1–64 of a-z 0-9 -');
  if (!Number.isSafeInteger(genesis.genesis_time) || genesis.genesis_time < 0) fail('genesis_time must be epoch milliseconds');
  if (!Number.isSafeInteger(genesis.block_interval_ms) || genesis.block_interval_ms < 50) fail('block_interval_ms must be an integer ≥ 50');
  if (!Array.isArray(genesis.authorities) || genesis.authorities.length === 0) fail('authorities must list at least one public key');
  for (const key of [...genesis.authorities, ...(genesis.coordinators ?? [])]) {
    try {
      parsePublicKey(key);
    } catch (error) {
      fail(`public key ${JSON.stringify(key)} ${(error as Error).message}`);
    }
  }
  if (new Set(genesis.authorities).size !== genesis.authorities.length) fail('authorities must be distinct');
  if (!Array.isArray(genesis.coordinators)) fail('coordinators must be a list (it may be empty)');
  if (!Array.isArray(genesis.allocations)) fail('allocations must be a list');
  // The allocations are the whole supply (nothing mints more), so bounding their sum bounds
  // every balance the chain can ever hold.
  let supplyMicro = 0n;
  for (const allocation of genesis.allocations) {
    if (!isValidAddress(allocation.address)) fail(`allocation address ${JSON.stringify(allocation.address)} is not an ait1… address`);
    const problem = amountProblem(allocation.amount);
    if (problem) fail(`allocation amount ${JSON.stringify(allocation.amount).slice(0, 40)} ${problem}`);
    supplyMicro += parseAmount(allocation.amount);
  }
  const supplyProblem = amountRangeProblem(supplyMicro);
  if (supplyProblem) fail(`allocations total ${formatAmount(supplyMicro)} AITBC, which ${supplyProblem}`);
  if (genesis.zk_receipt_vkey !== undefined) {
    let nPublic = 0;
    try {
      nPublic = prepareVerificationKey(genesis.zk_receipt_vkey).nPublic;
    } catch (error) {
      fail(`zk_receipt_vkey ${(error as Error).message}`);
    }
    if (nPublic !== ZK_PUBLIC_SIGNALS.length) fail(`zk_receipt_vkey must have ${ZK_PUBLIC_SIGNALS.length} public inputs (${ZK_PUBLIC_SIGNALS.join(', ')})`);
  }
  if (genesis.unbonding_delay_blocks !== undefined && (!Number.isSafeInteger(genesis.unbonding_delay_blocks) || genesis.unbonding_delay_blocks < 1)) fail('unbonding_delay_blocks must be an integer ≥ 1');
  if (genesis.slash_amount !== undefined) {
    const problem = amountProblem(genesis.slash_amount);
    if (problem || parseAmount(genesis.slash_amount) === 0n) fail(`slash_amount ${problem ?? 'must be more than 0'}`);
  }
  return genesis;
}
