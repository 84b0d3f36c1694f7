// Recovery phrases: the libraries against published vectors (BIP-39, SLIP-0010), our path against
// a derivation written here with node:crypto alone, and a fixed phrase's address pinned for good:
// a phrase written down today must restore the same wallet in every later version.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createHmac, pbkdf2Sync } from 'node:crypto';
import { mnemonicToSeedSync } from '@scure/bip39';
import { HDKey } from 'micro-key-producer/slip10.js';
import { AITBC_DERIVATION_PATH, generateMnemonic, mnemonicProblem, secretKeyFromMnemonic } from './mnemonic.ts';
import { Wallet } from './wallet.ts';

const ABANDON = 'abandon abandon abandon abandon abandon abandon abandon abandon abandon abandon abandon about';
const PINNED_ADDRESS = 'ait1yfp6cw3yrz9j0ela503c97tq4hce8h8eqjhjwc';
const hex = (bytes: Uint8Array) => Buffer.from(bytes).toString('hex');

test('BIP-39: the published seed of "abandon … about" (no passphrase)', () => {
  assert.equal(
    hex(mnemonicToSeedSync(ABANDON)),
    '5eb00bbddcf069084889a8ab9155568165f5c453ccb85e70811aaed6f6da5fc19a5ac40b389cd370d086206dec8aa6c43daea6690f20ad3d8d48b2d2ce9e38e4',
  );
});

test('SLIP-0010 Ed25519 test vector 1', () => {
  const master = HDKey.fromMasterSeed(Buffer.from('000102030405060708090a0b0c0d0e0f', 'hex'));
  assert.equal(hex(master.privateKey), '2b4be7f19ee27bbf30c667b642d5f4aa69fd169872f8fc3059c08ebae2eb19e7');
  assert.equal(hex(master.derive("m/0'").privateKey), '68e0fe46dfb67e368c75379acec591dad19df3cde26e63b93a8e704f1dade7a3');
  assert.equal(hex(master.derive("m/0'/1'/2'/2'/1000000000'").privateKey), '8f94d394a8e8fd6b1bc2f3f49f5c47e385281d5c17e65324b0f62483e37e8793');
});

/** BIP-39 and SLIP-0010 from their specifications, with node:crypto only. */
function deriveByHand(phrase: string, path: string): Buffer {
  const seed = pbkdf2Sync(phrase.normalize('NFKD'), 'mnemonic', 2048, 64, 'sha512');
  let I = createHmac('sha512', 'ed25519 seed').update(seed).digest();
  for (const level of path.split('/').slice(1)) {
    const index = Buffer.alloc(4);
    index.writeUInt32BE((Number(level.replace("'", '')) + 0x80000000) >>> 0);
    I = createHmac('sha512', I.subarray(32)).update(Buffer.concat([Buffer.of(0), I.subarray(0, 32), index])).digest();
  }
  return I.subarray(0, 32);
}

test("a phrase's key is SLIP-0010 along m/44'/1'/0'/0'/0', as derived by hand", () => {
  assert.equal(AITBC_DERIVATION_PATH, "m/44'/1'/0'/0'/0'");
  for (const phrase of [ABANDON, generateMnemonic(), generateMnemonic()]) {
    assert.equal(hex(secretKeyFromMnemonic(phrase)), hex(deriveByHand(phrase, AITBC_DERIVATION_PATH)));
  }
});

test('the same phrase always gives the same wallet; spacing and capitals do not matter', () => {
  const wallet = Wallet.fromMnemonic(ABANDON);
  // Pinned: changing the derivation would strand every wallet made from a phrase.
  assert.equal(hex(wallet.exportSecretKey()), hex(deriveByHand(ABANDON, "m/44'/1'/0'/0'/0'")));
  assert.equal(wallet.address, Wallet.fromMnemonic(`  ${ABANDON.toUpperCase().replaceAll(' ', '   ')}\n`).address);
  assert.equal(wallet.address, PINNED_ADDRESS);
});

test('new phrases are 12 valid words, different each time', () => {
  const [a, b] = [generateMnemonic(), generateMnemonic()];
  assert.equal(a.split(' ').length, 12);
  assert.notEqual(a, b);
  assert.equal(mnemonicProblem(a), null);
  assert.notEqual(Wallet.fromMnemonic(a).address, Wallet.fromMnemonic(b).address);
});

test('a wrong phrase is refused, saying what is wrong', () => {
  const words = ABANDON.split(' ');
  assert.throws(() => secretKeyFromMnemonic(words.slice(1).join(' ')), { name: 'RangeError', message: /has 12 .* this one has 11$/ });
  assert.throws(() => secretKeyFromMnemonic([...words.slice(0, 4), 'abandonn', ...words.slice(5)].join(' ')), { name: 'RangeError', message: /word 5 \("abandonn"\) is not in the BIP-39 English word list/ });
  // Every word valid, but the last carries the checksum: swapping two words breaks it.
  assert.throws(() => secretKeyFromMnemonic(['about', ...words.slice(0, 11)].join(' ')), { name: 'RangeError', message: /checksum/ });
  assert.throws(() => Wallet.fromMnemonic(''), RangeError);
});
