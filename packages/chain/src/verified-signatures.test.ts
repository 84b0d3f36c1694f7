// The cache of verified signatures answers only for the exact body and signature it verified.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { addressFromPublicKey, generateKeyPair } from '@aitbc/protocol';
import { signTx } from './tx.ts';
import { VerifiedSignatures } from './verified-signatures.ts';

test('a verified signature is not taken for another body, nor another signature for a verified body', () => {
  const signatures = new VerifiedSignatures();
  const checkTxSignatureOnce = (tx: Parameters<VerifiedSignatures['check']>[0]) => signatures.check(tx);
  const sender = generateKeyPair();
  const tx = signTx({ type: 'transfer', chain_id: 'c', to: addressFromPublicKey(generateKeyPair().publicKey), amount: '1', fee: '0', nonce: 0 } as never, sender.secretKey);
  assert.equal(checkTxSignatureOnce(tx), true);
  assert.equal(checkTxSignatureOnce(structuredClone(tx)), true, 'the same bytes again');
  assert.equal(checkTxSignatureOnce({ ...tx, body: { ...tx.body, amount: '2' } as typeof tx.body }), false, 'its signature on another amount');
  const other = signTx({ ...tx.body, nonce: 1 } as never, generateKeyPair().secretKey);
  assert.equal(checkTxSignatureOnce({ ...tx, signature: other.signature }), false, "another key's signature on the verified body");
});
