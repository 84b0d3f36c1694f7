// What the coordinator expects of a miner's receipt: the template it hands out at claim time and
// the field-by-field check of the signed receipt that comes back with the output.

import {
  ApiError,
  base64urlDecode,
  computeReceiptId,
  formatAmount,
  hashText,
  paramsHash,
  priceFor,
  receiptSignatureParts,
  validateReceiptShape,
  verifyReceiptSignature,
  type Receipt,
  type ReceiptTemplate,
} from '@aitbc/protocol';
import { ed25519Threads, type Ed25519Threads, type VerifyItem } from '@aitbc/protocol/node';
import type { JobRecord, MinerRecord } from '../store/store.ts';

/** Clock skew tolerated on the receipt's times (docs/API.md). */
export const RECEIPT_TIME_TOLERANCE_MS = 5_000;

/** Version 2 (what ran: digest, backend, params hash) from a miner that advertised digests, else 1. */
export function receiptTemplateFor(job: JobRecord, miner: MinerRecord, chainId: string): ReceiptTemplate {
  return {
    version: miner.digests.size > 0 ? 2 : 1,
    chain_id: chainId,
    job_id: job.jobId,
    client: job.receiptClient,
    provider: miner.payoutAddress,
    miner_id: miner.minerId,
    model: job.model,
    unit_type: 'tokens',
    unit_price: formatAmount(job.unitPriceMicro!),
    nonce: job.claimNonce!,
    prompt_hash: hashText(job.prompt),
  };
}

export interface ReceiptCheckInput {
  receipt: unknown;
  job: JobRecord;
  miner: MinerRecord;
  chainId: string;
  /** The job's canonical output text: what output_hash must hash. */
  output: string;
  promptTokens: number;
  completionTokens: number;
  now: number;
  /** Receipts whose miner signature a worker thread verified with `miner`'s registered key (verifyMinerSignaturesAhead). */
  verifiedAhead?: WeakSet<object>;
}

/**
 * The miner signatures of one miner's batch of completions verified on worker threads
 * (@aitbc/protocol/node's Ed25519Threads) with its registered key, before the completions are
 * checked one by one: checkMinerReceipt then takes a receipt found here as verified, and verifies
 * any other in line. Nothing is checked of a receipt's shape here: checkMinerReceipt checks it
 * first, and the signed bytes are those of the same object.
 */
export async function verifyMinerSignaturesAhead(receipts: readonly unknown[], minerPublicKey: string, threads: Ed25519Threads = ed25519Threads): Promise<WeakSet<object>> {
  const key = base64urlDecode(minerPublicKey);
  const itemOf = (receipt: unknown): VerifyItem | null => {
    try {
      const parts = receiptSignatureParts(receipt as Receipt, 'miner');
      return parts && [key, parts.message, parts.signature];
    } catch {
      return null; // not a receipt: checkMinerReceipt says what is wrong with it
    }
  };
  const objects = receipts.filter((receipt): receipt is object => typeof receipt === 'object' && receipt !== null);
  return new WeakSet(await threads.verified(objects, itemOf));
}

function mismatch(field: string, detail: string): ApiError {
  return new ApiError('VALIDATION_INVALID_FORMAT', `Receipt field '${field}' ${detail}`, { field: `receipt.${field}` });
}

/**
 * A version-2 receipt must name the weights the miner advertised for the job's model and the
 * hash of the job's own parameters: the claim canaries and re-execution then check.
 */
function checkWhatRan(receipt: Receipt, job: JobRecord, miner: MinerRecord): void {
  const advertised = miner.digests.get(job.model);
  if (advertised === undefined) {
    throw mismatch('model_digest', `cannot be accepted: miner ${miner.minerId} advertised no digest for model ${job.model} (advertised: ${JSON.stringify(Object.fromEntries(miner.digests))}); register one`);
  }
  if (receipt.model_digest !== advertised) {
    throw mismatch('model_digest', `must be ${JSON.stringify(advertised)}, the digest miner ${miner.minerId} advertised for model ${job.model}, got ${JSON.stringify(receipt.model_digest)}`);
  }
  const expected = paramsHash(job.params);
  if (receipt.params_hash !== expected) {
    throw mismatch('params_hash', `must be ${JSON.stringify(expected)} (sha256 of JCS of the job's seed, temperature, top_p, max_tokens and stop as set), got ${JSON.stringify(receipt.params_hash)}`);
  }
}

/**
 * Returns the receipt and its price once it is well formed, signed by the miner's registered key
 * and agrees with the job; otherwise the error docs/API.md names (400 for the signature, 422 with
 * `receipt.<field>` and the expected value for contents).
 */
export function checkMinerReceipt(input: ReceiptCheckInput): { receipt: Receipt; priceMicro: bigint } {
  const shape = validateReceiptShape(input.receipt);
  if (!shape.ok) {
    const code = shape.problem.startsWith('is required') ? 'VALIDATION_MISSING_FIELD' : 'VALIDATION_INVALID_FORMAT';
    throw new ApiError(code, `Receipt field '${shape.field}' ${shape.problem}`, { field: `receipt.${shape.field}` });
  }
  const receipt = shape.receipt;
  const roles = receipt.signatures.map((signature) => signature.role);
  if (roles.length !== 1 || roles[0] !== 'miner') {
    throw mismatch('signatures', 'must hold exactly one signature, the miner\'s; the coordinator adds its own');
  }
  // The key was checked to be a usable curve point at registration; here it only needs decoding.
  if (!input.verifiedAhead?.has(receipt) && !verifyReceiptSignature(receipt, 'miner', base64urlDecode(input.miner.publicKey))) {
    throw new ApiError(
      'RECEIPT_INVALID_SIGNATURE',
      `The miner signature does not verify against the key registered for miner ${input.miner.minerId}; sign the receipt bytes with that key`,
    );
  }

  const template = receiptTemplateFor(input.job, input.miner, input.chainId);
  for (const [field, expected] of Object.entries(template)) {
    const actual = (receipt as unknown as Record<string, unknown>)[field];
    if (actual !== expected) throw mismatch(field, `must be ${JSON.stringify(expected)} (from the claim's receipt_template), got ${JSON.stringify(actual)}`);
  }
  if (receipt.version === 2) checkWhatRan(receipt, input.job, input.miner);
  const units = BigInt(input.promptTokens) + BigInt(input.completionTokens);
  if (receipt.units !== units.toString()) throw mismatch('units', `must be "${units}" (usage.prompt_tokens + usage.completion_tokens), got "${receipt.units}"`);
  const priceMicro = priceFor(units, input.job.unitPriceMicro!, input.job.maxPriceMicro);
  if (receipt.price !== formatAmount(priceMicro)) {
    throw mismatch('price', `must be "${formatAmount(priceMicro)}" (min(max_price, units × unit_price)), got "${receipt.price}"`);
  }
  const outputHash = hashText(input.output);
  if (receipt.output_hash !== outputHash) throw mismatch('output_hash', `must be "${outputHash}" (sha256 of the job's canonical output: the text, or JCS of the text with its tool calls, or of the vectors), got "${receipt.output_hash}"`);
  const claimedAt = input.job.claimedAt!;
  if (receipt.started_at < claimedAt - RECEIPT_TIME_TOLERANCE_MS) {
    throw mismatch('started_at', `must not be before the claim at ${claimedAt} (epoch ms, 5 s tolerance), got ${receipt.started_at}`);
  }
  if (receipt.completed_at > input.now + RECEIPT_TIME_TOLERANCE_MS) {
    throw mismatch('completed_at', `must not be in the future (now ${input.now} epoch ms, 5 s tolerance), got ${receipt.completed_at}`);
  }
  if (receipt.completed_at < receipt.started_at) throw mismatch('completed_at', `must not be before started_at (${receipt.started_at})`);
  const receiptId = computeReceiptId(receipt);
  if (receipt.receipt_id !== receiptId) throw mismatch('receipt_id', `must be "${receiptId}" (derived from the receipt's canonical bytes), got "${receipt.receipt_id}"`);
  return { receipt, priceMicro };
}
