// Receipts and slash transactions for the bond and slash tests: version-2 receipts of one run
// (same model, digest, backend, prompt and params) by different miner keys, co-signed by a
// coordinator; a slash built from them; and a block sealed by hand, to show import refusing what
// the producer never makes.

import { addressFromPublicKey, base64urlEncode, completeReceipt, hashText, randomHex, signReceipt, type KeyPair, type Receipt, type RunFacts } from '@aitbc/protocol';
import { blockHash, blockReceipts, receiptRoot, signBlockHash, type Block } from '../src/block.ts';
import { merkleRoot } from '../src/merkle.ts';
import { signTx, txHash, type SignedTx, type SlashBody } from '../src/tx.ts';

export const RUN: RunFacts = { model_digest: hashText('weights'), backend: 'demo', params_hash: hashText('{"seed":7}') };

export interface RunReceipt {
  chainId: string;
  miner: KeyPair;
  coordinator: KeyPair;
  output: string;
  minerId?: string;
  run?: Partial<RunFacts>;
}

/** A version-2 receipt of the prompt "p" with RUN, signed by `miner` and co-signed by `coordinator`. */
export function runReceipt({ chainId, miner, coordinator, output, minerId = `m-${base64urlEncode(miner.publicKey).slice(0, 8)}`, run = {} }: RunReceipt): Receipt {
  const unsigned = completeReceipt(
    {
      version: 2, chain_id: chainId, job_id: `job-${randomHex(12)}`, client: 'alice', provider: addressFromPublicKey(miner.publicKey), miner_id: minerId, model: 'llama3.2',
      unit_type: 'tokens', unit_price: '0.002', nonce: randomHex(16), prompt_hash: hashText('p'),
    },
    { units: 10n, maxPriceMicro: 10_000_000n, output, startedAt: 1, completedAt: 2, run: { ...RUN, ...run } },
  );
  return signReceipt(signReceipt(unsigned, 'miner', miner.secretKey), 'coordinator', coordinator.secretKey);
}

export interface SlashParts {
  minerKey: KeyPair;
  receipt: Receipt;
  references: { receipt: Receipt; key: KeyPair }[];
  beneficiary: string;
}

/** A slash signed by `signer` (the coordinator), with each reference's key under its miner id. */
export function slashTx(chainId: string, { minerKey, receipt, references, beneficiary }: SlashParts, signer: KeyPair, nonce: number, extra: Partial<SlashBody> = {}): SignedTx {
  const reference_keys = Object.fromEntries(references.map(({ receipt: reference, key }) => [reference.miner_id, base64urlEncode(key.publicKey)]));
  return signTx(
    { type: 'slash', chain_id: chainId, fee: '0', nonce, miner_key: base64urlEncode(minerKey.publicKey), receipt, references: references.map((entry) => entry.receipt), reference_keys, beneficiary, ...extra } as never,
    signer.secretKey,
  );
}

/** A block of `txs` on `parent` in the slot at `timestamp`, sealed by `proposer`; its state root is not computed (import refuses a bad transaction before it gets there). */
export function sealedBlock(parent: Block, txs: SignedTx[], proposer: KeyPair, timestamp: number): Block {
  const header = {
    height: parent.header.height + 1,
    parent_hash: parent.hash,
    timestamp,
    proposer: base64urlEncode(proposer.publicKey),
    tx_root: merkleRoot(txs.map((tx) => txHash(tx.body))),
    receipt_root: receiptRoot(blockReceipts({ txs })),
    state_root: parent.header.state_root,
  };
  const hash = blockHash(header);
  return { header, hash, signature: signBlockHash(hash, proposer.secretKey), txs };
}
