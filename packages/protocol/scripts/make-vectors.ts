// Writes vectors/receipt-v1.json: receipts built from fixed keys and fields, with every
// intermediate (JCS text, signing bytes, id, signatures). Ed25519 is deterministic, so running this
// again must give the same file; receipt.test.ts checks the code still reproduces every byte.
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
  publicKeyFromSecret,
  receiptSigningBytes,
  signReceipt,
  toHex,
  type ReceiptTemplate,
} from '../src/index.ts';

const MINER_SECRET = '01'.repeat(32);
const COORDINATOR_SECRET = '02'.repeat(32);

const cases = [
  { name: 'priced below max_price', prompt: 'Explain ZK proofs.', output: 'A proof that reveals nothing else.', unitPrice: '0.002', maxPriceMicro: 2_500_000n, units: 123n },
  { name: 'capped at max_price', prompt: 'Write a long story.', output: 'Once upon a time…', unitPrice: '0.5', maxPriceMicro: 1_000_000n, units: 4000n },
  { name: 'non-ASCII text and zero price', prompt: 'Grüße, 世界 🚀', output: 'ça va', unitPrice: '0', maxPriceMicro: 1n, units: 0n },
];

export function buildVectors() {
  const minerSecret = fromHex(MINER_SECRET);
  const coordinatorSecret = fromHex(COORDINATOR_SECRET);
  const minerPublic = publicKeyFromSecret(minerSecret);
  return {
    description: 'AITBC receipt v1 test vectors (docs/RECEIPTS.md). Regenerate with packages/protocol/scripts/make-vectors.ts',
    miner: { secret_key_hex: MINER_SECRET, public_key: base64urlEncode(minerPublic), address: addressFromPublicKey(minerPublic) },
    coordinator: { secret_key_hex: COORDINATOR_SECRET, public_key: base64urlEncode(publicKeyFromSecret(coordinatorSecret)) },
    receipts: cases.map((c, i) => {
      const template: ReceiptTemplate = {
        version: 1,
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
      const unsigned = completeReceipt(template, { units: c.units, maxPriceMicro: c.maxPriceMicro, output: c.output, startedAt: 1_764_000_000_000 + i, completedAt: 1_764_000_001_500 + i });
      const signed = signReceipt(signReceipt(unsigned, 'miner', minerSecret), 'coordinator', coordinatorSecret);
      return {
        name: c.name,
        prompt: c.prompt,
        output: c.output,
        max_price_micro: c.maxPriceMicro.toString(),
        jcs: canonicalize(unsigned),
        signing_bytes_hex: toHex(receiptSigningBytes(unsigned)),
        receipt_id: unsigned.receipt_id,
        signed,
      };
    }),
  };
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  const target = fileURLToPath(new URL('../vectors/receipt-v1.json', import.meta.url));
  writeFileSync(target, JSON.stringify(buildVectors(), null, 2) + '\n');
  console.log(`wrote ${target}`);
}
