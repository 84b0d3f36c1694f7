// Writes vectors/receipt-v1.json and vectors/receipt-v2.json: receipts built from fixed keys and
// fields, with every intermediate (JCS text, signing bytes, id, signatures; for v2 also the job
// parameters, their hash and the zk `model` text). Ed25519 is deterministic, so running this again
// must give the same files; receipt.test.ts checks the code still reproduces every byte.
//
//   npx tsx packages/protocol/scripts/make-vectors.ts

import { writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import {
  addressFromPublicKey,
  base64urlEncode,
  canonicalize,
  completeReceipt,
  fromHex,
  hashText,
  paramsHash,
  publicKeyFromSecret,
  receiptSigningBytes,
  signReceipt,
  toHex,
  type BackendKind,
  type JobParams,
  type ReceiptTemplate,
  type ReceiptVersion,
} from '../src/index.ts';
import { zkModelText } from '../src/zk.ts';

const MINER_SECRET = '01'.repeat(32);
const COORDINATOR_SECRET = '02'.repeat(32);

const cases = [
  { name: 'priced below max_price', prompt: 'Explain ZK proofs.', output: 'A proof that reveals nothing else.', unitPrice: '0.002', maxPriceMicro: 2_500_000n, units: 123n },
  { name: 'capped at max_price', prompt: 'Write a long story.', output: 'Once upon a time…', unitPrice: '0.5', maxPriceMicro: 1_000_000n, units: 4000n },
  { name: 'non-ASCII text and zero price', prompt: 'Grüße, 世界 🚀', output: 'ça va', unitPrice: '0', maxPriceMicro: 1n, units: 0n },
];

/** What ran, per case, in version 2: each backend kind once, parameters from none to all five. */
const runs: { backend: BackendKind; digest: string; params: JobParams }[] = [
  { backend: 'ollama', digest: `sha256:${'a7'.repeat(32)}`, params: { temperature: 0, seed: 42, max_tokens: 256 } },
  { backend: 'openai', digest: `sha256:${'3c'.repeat(32)}`, params: { seed: 7, temperature: 0.7, top_p: 0.9, max_tokens: 4096, stop: ['\n\n', 'END'] } },
  { backend: 'demo', digest: `sha256:${'0e'.repeat(32)}`, params: {} },
];

export function buildVectors(version: ReceiptVersion = 1) {
  const minerSecret = fromHex(MINER_SECRET);
  const coordinatorSecret = fromHex(COORDINATOR_SECRET);
  const minerPublic = publicKeyFromSecret(minerSecret);
  return {
    description: `AITBC receipt v${version} test vectors (docs/RECEIPTS.md). Regenerate with packages/protocol/scripts/make-vectors.ts`,
    miner: { secret_key_hex: MINER_SECRET, public_key: base64urlEncode(minerPublic), address: addressFromPublicKey(minerPublic) },
    coordinator: { secret_key_hex: COORDINATOR_SECRET, public_key: base64urlEncode(publicKeyFromSecret(coordinatorSecret)) },
    receipts: cases.map((c, i) => {
      const template: ReceiptTemplate = {
        version,
        chain_id: 'aitbc-devnet',
        job_id: `job-00000000000000000000000${i}`,
        client: 'alice',
        provider: addressFromPublicKey(minerPublic),
        miner_id: 'gpu-box-1',
        model: 'llama3.2',
        unit_type: 'tokens',
        unit_price: c.unitPrice,
        nonce: `${i}`.repeat(32),
        prompt_hash: hashText(c.prompt),
      };
      const run = runs[i]!;
      const unsigned = completeReceipt(template, {
        units: c.units,
        maxPriceMicro: c.maxPriceMicro,
        output: c.output,
        startedAt: 1_764_000_000_000 + i,
        completedAt: 1_764_000_001_500 + i,
        run: { model_digest: run.digest, backend: run.backend, params_hash: paramsHash(run.params) },
      });
      const signed = signReceipt(signReceipt(unsigned, 'miner', minerSecret), 'coordinator', coordinatorSecret);
      return {
        name: c.name,
        prompt: c.prompt,
        output: c.output,
        max_price_micro: c.maxPriceMicro.toString(),
        ...(version === 2 ? { params: run.params, params_jcs: canonicalize(run.params), zk_model_text: zkModelText(unsigned) } : {}),
        jcs: canonicalize(unsigned),
        signing_bytes_hex: toHex(receiptSigningBytes(unsigned)),
        receipt_id: unsigned.receipt_id,
        signed,
      };
    }),
  };
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  for (const version of [1, 2] as const) {
    const target = fileURLToPath(new URL(`../vectors/receipt-v${version}.json`, import.meta.url));
    writeFileSync(target, JSON.stringify(buildVectors(version), null, 2) + '\n');
    console.log(`wrote ${target}`);
  }
}
