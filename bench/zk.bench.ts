// `npm run bench` (zero-knowledge part): a receipt proof with snarkjs, cold (first proof in the
// process: file reads, curve and witness set-up) and warm (the same Prover again); verification
// by the node's verifier (@aitbc/protocol on noble-curves) and by snarkjs; and the gas the
// ZKReceiptVerifier contract uses on an in-process EVM. The GPL package @aitbc/zk is loaded only
// here, and the part is skipped when it is not installed.

import { readFileSync } from 'node:fs';
import { addressFromPublicKey, completeReceipt, generateKeyPair, hashText, randomHex, signReceipt, type Receipt } from '@aitbc/protocol';
import { prepareVerificationKey, verifyGroth16, type Groth16VerificationKey } from '@aitbc/protocol/zk';

const WARM_PROOFS = 10;
const VERIFICATIONS = 10;

function receipt(): Receipt {
  const miner = generateKeyPair();
  const unsigned = completeReceipt(
    {
      version: 1, chain_id: 'aitbc-bench', job_id: `job-${randomHex(12)}`, client: 'alice', provider: addressFromPublicKey(miner.publicKey), miner_id: 'gpu-1',
      model: 'llama3.2', unit_type: 'tokens', unit_price: '0.002', nonce: randomHex(16), prompt_hash: hashText('prompt'),
    },
    { units: 500n, maxPriceMicro: 10_000_000n, output: 'output', startedAt: 1, completedAt: 2 },
  );
  return signReceipt(signReceipt(unsigned, 'miner', miner.secretKey), 'coordinator', generateKeyPair().secretKey);
}

const mean = async (count: number, run: () => unknown) => {
  const started = performance.now();
  for (let i = 0; i < count; i++) await run();
  return (performance.now() - started) / count;
};

export async function benchZk(): Promise<void> {
  let zk: typeof import('@aitbc/zk');
  let evm: typeof import('@aitbc/zk/evm');
  try {
    [zk, evm] = await Promise.all([import('@aitbc/zk'), import('@aitbc/zk/evm')]);
  } catch {
    console.log('zk      skipped: @aitbc/zk (GPL, optional) is not installed');
    return;
  }
  try {
    const prover = new zk.Prover();
    const subject = receipt();
    let started = performance.now();
    const proved = await prover.prove(subject);
    const coldMs = performance.now() - started;
    const warmMs = await mean(WARM_PROOFS, () => prover.prove(subject));

    const vkey = JSON.parse(readFileSync(zk.RECEIPT_CIRCUIT.vkey, 'utf8')) as Groth16VerificationKey;
    const prepared = prepareVerificationKey(vkey);
    const nodeMs = await mean(VERIFICATIONS, () => {
      if (!verifyGroth16(prepared, proved.public_signals, proved.proof)) throw new Error('the node refused a valid proof');
    });
    const snarkjsMs = await mean(VERIFICATIONS, () => zk.verifyWithSnarkjs(vkey, proved.public_signals, proved.proof));

    started = performance.now();
    const contract = await evm.ReceiptVerifierContract.deploy();
    const deployMs = performance.now() - started;
    await contract.register(subject);
    const verified = await contract.verify(subject.receipt_id, proved.proof, proved.public_signals);
    const anchored = await contract.anchor(subject.receipt_id, proved.proof, proved.public_signals);
    if (!verified.valid || !anchored.ok) throw new Error('the contract refused a valid proof');

    console.log(`zk      proof: cold ${coldMs.toFixed(0)} ms, warm ${warmMs.toFixed(0)} ms (mean of ${WARM_PROOFS}); verify: node ${nodeMs.toFixed(1)} ms, snarkjs ${snarkjsMs.toFixed(1)} ms (means of ${VERIFICATIONS})`);
    console.log(`evm     ZKReceiptVerifier.verifyReceipt ${verified.gasUsed.toLocaleString('en')} gas, anchor ${anchored.gasUsed.toLocaleString('en')} gas (execution; solc compile + deploy ${deployMs.toFixed(0)} ms)`);
  } finally {
    await zk.shutdownProver();
  }
}

// Run alone: node --import tsx bench/zk.bench.ts
if (import.meta.url === `file://${process.argv[1]}`) await benchZk();
