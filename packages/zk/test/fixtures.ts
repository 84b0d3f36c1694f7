// Co-signed receipts for the zk tests: fresh keys, a fresh job id and nonce each time.

import { addressFromPublicKey, completeReceipt, generateKeyPair, hashText, paramsHash, randomHex, signReceipt, type KeyPair, type Receipt, type ReceiptVersion } from '@aitbc/protocol';

export const coordinator = generateKeyPair();
export const miner = generateKeyPair();
export const provider = addressFromPublicKey(miner.publicKey);

/** A version-2 receipt's run facts: an Ollama digest and a seeded, greedy job. */
export const RUN = { model_digest: `sha256:${'a7'.repeat(32)}`, backend: 'ollama', params_hash: paramsHash({ seed: 42, temperature: 0 }) } as const;

export function cosignedReceipt(chainId = 'aitbc-zk', units = 1234n, signer: KeyPair = coordinator, version: ReceiptVersion = 1): Receipt {
  const unsigned = completeReceipt(
    {
      version, chain_id: chainId, job_id: `job-${randomHex(12)}`, client: 'alice', provider, miner_id: 'gpu-1', model: 'llama3.2',
      unit_type: 'tokens', unit_price: '0.002', nonce: randomHex(16), prompt_hash: hashText('a private prompt'),
    },
    { units, maxPriceMicro: 10_000_000n, output: 'a private output', startedAt: 1_764_000_000_000, completedAt: 1_764_000_001_500, run: RUN },
  );
  return signReceipt(signReceipt(unsigned, 'miner', miner.secretKey), 'coordinator', signer.secretKey);
}
