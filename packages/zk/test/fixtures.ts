// Co-signed receipts for the zk tests: fresh keys, a fresh job id and nonce each time.

import { addressFromPublicKey, completeReceipt, generateKeyPair, hashText, randomHex, signReceipt, type KeyPair, type Receipt } from '@aitbc/protocol';

export const coordinator = generateKeyPair();
export const miner = generateKeyPair();
export const provider = addressFromPublicKey(miner.publicKey);

export function cosignedReceipt(chainId = 'aitbc-zk', units = 1234n, signer: KeyPair = coordinator): Receipt {
  const unsigned = completeReceipt(
    {
      version: 1, chain_id: chainId, job_id: `job-${randomHex(12)}`, client: 'alice', provider, miner_id: 'gpu-1', model: 'llama3.2',
      unit_type: 'tokens', unit_price: '0.002', nonce: randomHex(16), prompt_hash: hashText('a private prompt'),
    },
    { units, maxPriceMicro: 10_000_000n, output: 'a private output', startedAt: 1_764_000_000_000, completedAt: 1_764_000_001_500 },
  );
  return signReceipt(signReceipt(unsigned, 'miner', miner.secretKey), 'coordinator', signer.secretKey);
}
