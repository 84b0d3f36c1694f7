import { test } from 'node:test';
import assert from 'node:assert/strict';
import { addressFromPublicKey, isValidAddress } from './address.ts';
import { base64urlDecode, base64urlEncode, utf8 } from './encoding.ts';
import { generateKeyPair, parsePublicKey, sign, verify } from './keys.ts';

test('sign and verify; any changed byte fails', () => {
  const { secretKey, publicKey } = generateKeyPair();
  const message = utf8('hello');
  const signature = sign(message, secretKey);
  assert.equal(verify(signature, message, publicKey), true);
  assert.equal(verify(signature, utf8('hellp'), publicKey), false);
  const flipped = signature.slice();
  flipped[0]! ^= 1;
  assert.equal(verify(flipped, message, publicKey), false);
  assert.equal(verify(new Uint8Array(3), message, publicKey), false, 'bad lengths are false, not thrown');
});

test('public keys must be base64url of a 32-byte curve point', () => {
  const { publicKey } = generateKeyPair();
  assert.deepEqual(parsePublicKey(base64urlEncode(publicKey)), publicKey);
  assert.throws(() => parsePublicKey(base64urlEncode(publicKey) + '='), /base64url/);
  assert.throws(() => parsePublicKey(base64urlEncode(publicKey.slice(0, 31))), /32 bytes/);
  // y = 2 is not on the curve.
  const offCurve = new Uint8Array(32);
  offCurve[0] = 2;
  assert.throws(() => parsePublicKey(base64urlEncode(offCurve)), /not a valid Ed25519 public key/);
  // y = 1 is the identity: on the curve but small order, so no signature could ever verify under it.
  const identity = new Uint8Array(32);
  identity[0] = 1;
  assert.throws(() => parsePublicKey(base64urlEncode(identity)), /small-order/);
});

test('base64url is strict', () => {
  assert.deepEqual(base64urlDecode('AQID'), new Uint8Array([1, 2, 3]));
  assert.throws(() => base64urlDecode('AQ+D'), RangeError);
  assert.throws(() => base64urlDecode('AQI='), RangeError);
});

test('addresses are ait1… bech32m with a checksum', () => {
  const { publicKey } = generateKeyPair();
  const address = addressFromPublicKey(publicKey);
  assert.match(address, /^ait1[02-9ac-hj-np-z]{38}$/);
  assert.equal(isValidAddress(address), true);
  const last = address.at(-1) === 'q' ? 'p' : 'q';
  assert.equal(isValidAddress(address.slice(0, -1) + last), false, 'checksum');
  assert.equal(isValidAddress(address.replace('ait1', 'btc1')), false);
  assert.equal(isValidAddress('ait1'), false);
});
