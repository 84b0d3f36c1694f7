import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readdirSync, renameSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { addressFromPublicKey, base64urlEncode, fromHex, generateKeyPair, publicKeyFromSecret, toHex } from '@aitbc/protocol';
import { WrongPassphraseError } from './keystore.ts';
import { WalletDirectory } from './wallets.ts';

const FAST = { n: 2 ** 14 };
const PASS = 'wallet passphrase';

async function withWallets(body: (wallets: WalletDirectory, dir: string) => Promise<void>): Promise<void> {
  const root = mkdtempSync(join(tmpdir(), 'aitbc-wallets-'));
  // A directory that does not exist yet: the first wallet creates it.
  const dir = join(root, 'wallets');
  try {
    await body(new WalletDirectory(dir), dir);
  } finally {
    rmSync(root, { recursive: true, force: true });
  }
}

test('create, list, get by name and by address, unlock', async () => {
  await withWallets(async (wallets, dir) => {
    assert.deepEqual(wallets.list(), []);
    const bob = await wallets.create('bob', PASS, FAST);
    const alice = await wallets.create('alice', PASS, FAST);
    assert.equal(statSync(dir).mode & 0o777, 0o700);
    assert.deepEqual(readdirSync(dir).sort(), ['alice.json', 'bob.json']);
    for (const name of ['alice', 'bob']) assert.equal(statSync(join(dir, `${name}.json`)).mode & 0o777, 0o600);

    assert.deepEqual(wallets.list().map((w) => w.name), ['alice', 'bob']);
    assert.deepEqual(wallets.list()[0], alice);
    assert.deepEqual(wallets.get('bob'), bob);
    assert.deepEqual(wallets.get(bob.address), bob);

    const unlocked = await wallets.unlock('alice', PASS);
    assert.equal(unlocked.address, alice.address);
    assert.equal(base64urlEncode(unlocked.publicKey), alice.public_key);
    assert.deepEqual(publicKeyFromSecret(unlocked.secretKey), unlocked.publicKey);
    assert.equal((await wallets.unlock(bob.address, PASS)).address, bob.address);
    await assert.rejects(wallets.unlock('alice', 'not it'), WrongPassphraseError);
  });
});

test('listing shows no secrets', async () => {
  await withWallets(async (wallets) => {
    const secret = generateKeyPair().secretKey;
    await wallets.import('imported', toHex(secret), PASS, FAST);
    const listed = JSON.stringify(wallets.list());
    assert.equal(listed.includes(toHex(secret)), false);
    assert.equal(listed.includes(Buffer.from(secret).toString('base64url')), false);
  });
});

test('import of a known secret gives its address and unlocks to it', async () => {
  await withWallets(async (wallets) => {
    const secretHex = '9d61b19deffd5a60ba844af492ec2cc44449c5697b326919703bac031cae7f60';
    const secret = fromHex(secretHex);
    const expected = addressFromPublicKey(publicKeyFromSecret(secret));
    const file = await wallets.import('known', `${secretHex}\n`, PASS, FAST);
    assert.equal(file.address, expected);
    assert.equal(wallets.get(expected).name, 'known');
    const unlocked = await wallets.unlock('known', PASS);
    assert.deepEqual(unlocked.secretKey, secret);
    assert.equal(unlocked.address, expected);

    await assert.rejects(wallets.import('short', secretHex.slice(2), PASS, FAST), RangeError);
    await assert.rejects(wallets.import('nothex', 'z'.repeat(64), PASS, FAST), /64 hex characters/);
    await assert.rejects(wallets.import('again', secretHex, PASS, FAST), /already in .* as wallet "known"/);
  });
});

test('duplicate names are refused, also when they differ only in case', async () => {
  await withWallets(async (wallets, dir) => {
    await wallets.create('main', PASS, FAST);
    const before = readdirSync(dir);
    await assert.rejects(wallets.create('main', PASS, FAST), /a wallet named "main" already exists/);
    await assert.rejects(wallets.create('MAIN', PASS, FAST), /already exists/);
    assert.deepEqual(readdirSync(dir), before);
  });
});

test('bad wallet names are a RangeError and touch nothing', async () => {
  await withWallets(async (wallets, dir) => {
    for (const name of ['', '.hidden', '-flag', '../escape', 'a/b', 'has space', 'x'.repeat(65), 'é']) {
      await assert.rejects(wallets.create(name, PASS, FAST), RangeError, JSON.stringify(name));
    }
    await assert.rejects(wallets.import('../x', '00'.repeat(32), PASS, FAST), RangeError);
    assert.equal(wallets.list().length, 0);
    assert.throws(() => readdirSync(dir), /ENOENT/);
    // The longest and most varied allowed names work.
    await wallets.create('A' + 'b'.repeat(63), PASS, FAST);
    await wallets.create('w-1.test_2', PASS, FAST);
  });
});

test('an empty passphrase is refused before anything is written', async () => {
  await withWallets(async (wallets) => {
    await assert.rejects(wallets.create('w', '', FAST), TypeError);
    assert.deepEqual(wallets.list(), []);
  });
});

test('unknown wallets are reported with the names there are', async () => {
  await withWallets(async (wallets) => {
    assert.throws(() => wallets.get('ghost'), /no wallet .*"ghost".*no wallets/);
    await wallets.create('alice', PASS, FAST);
    await wallets.create('bob', PASS, FAST);
    assert.throws(() => wallets.get('carol'), (error: unknown) => error instanceof Error && /"carol"/.test(error.message) && error.message.endsWith('alice, bob'));
    await assert.rejects(wallets.unlock('carol', PASS), /alice, bob/);
  });
});

test('stray files are ignored; a file renamed away from its wallet name is reported', async () => {
  await withWallets(async (wallets, dir) => {
    await wallets.create('alice', PASS, FAST);
    writeFileSync(join(dir, 'notes.txt'), 'hello');
    writeFileSync(join(dir, '.alice.json.swp'), 'x');
    assert.deepEqual(wallets.list().map((w) => w.name), ['alice']);
    renameSync(join(dir, 'alice.json'), join(dir, 'eve.json'));
    assert.throws(() => wallets.list(), /eve\.json holds the wallet named "alice"/);
  });
});

test('importKey stores the given bytes, which unlock to the same key and stay the caller\'s', async () => {
  await withWallets(async (wallets) => {
    const { secretKey, publicKey } = generateKeyPair();
    const file = await wallets.importKey('held', secretKey, PASS, FAST);
    assert.equal(file.address, addressFromPublicKey(publicKey));
    assert.deepEqual((await wallets.unlock('held', PASS)).secretKey, secretKey);
    assert.notDeepEqual(secretKey, new Uint8Array(32), 'not wiped: the caller owns it');
  });
});
