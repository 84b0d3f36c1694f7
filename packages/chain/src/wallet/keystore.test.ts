import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createCipheriv, randomBytes, scryptSync } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { addressFromPublicKey, base64urlEncode, generateKeyPair, toHex } from '@aitbc/protocol';
import {
  KeystoreFormatError,
  WrongPassphraseError,
  authenticatedHeader,
  decryptKey,
  encryptKey,
  readKeystore,
  validateKeystore,
  writeKeystore,
  type KeystoreFile,
} from './keystore.ts';

const FAST = { name: 'test', n: 2 ** 14 };
const PASS = 'correct horse battery staple';

function withTempDir<T>(body: (dir: string) => T | Promise<T>): Promise<T> {
  const dir = mkdtempSync(join(tmpdir(), 'aitbc-keystore-'));
  return Promise.resolve(body(dir)).finally(() => rmSync(dir, { recursive: true, force: true }));
}

function clone(file: KeystoreFile): KeystoreFile {
  return structuredClone(file);
}

/** Flips one hex digit, keeping the string well-formed so only the cryptography can object. */
function flipHex(hex: string, at = 0): string {
  const digit = hex[at] === '0' ? '1' : '0';
  return hex.slice(0, at) + digit + hex.slice(at + 1);
}

test('round trip: the secret comes back, the header describes it', async () => {
  const { secretKey, publicKey } = generateKeyPair();
  const now = new Date('2025-01-02T03:04:05.000Z');
  const file = await encryptKey(secretKey, PASS, { ...FAST, now: () => now });
  assert.equal(file.version, 1);
  assert.equal(file.name, 'test');
  assert.equal(file.address, addressFromPublicKey(publicKey));
  assert.equal(file.public_key, base64urlEncode(publicKey));
  assert.equal(file.created_at, now.toISOString());
  assert.deepEqual(file.crypto.kdfparams.n, 2 ** 14);
  assert.equal(file.crypto.kdf, 'scrypt');
  assert.equal(file.crypto.cipher, 'aes-256-gcm');
  assert.match(file.crypto.kdfparams.salt, /^[0-9a-f]{32}$/);
  assert.match(file.crypto.iv, /^[0-9a-f]{24}$/);
  assert.match(file.crypto.tag, /^[0-9a-f]{32}$/);
  assert.deepEqual(await decryptKey(file, PASS), secretKey);

  // Fresh salt and IV each time: the same key and passphrase never give the same file.
  const again = await encryptKey(secretKey, PASS, FAST);
  assert.notEqual(again.crypto.kdfparams.salt, file.crypto.kdfparams.salt);
  assert.notEqual(again.crypto.iv, file.crypto.iv);
  assert.notEqual(again.crypto.ciphertext, file.crypto.ciphertext);
});

test('the default cost is n = 2**17 and scrypt is given enough memory for it', async () => {
  const { secretKey } = generateKeyPair();
  const file = await encryptKey(secretKey, PASS, { name: 'slow' });
  assert.deepEqual(file.crypto.kdfparams, { ...file.crypto.kdfparams, n: 2 ** 17, r: 8, p: 1 });
  assert.deepEqual(await decryptKey(file, PASS), secretKey);
});

test('the written file never holds the secret, in hex, base64 or raw', async () => {
  await withTempDir(async (dir) => {
    const { secretKey } = generateKeyPair();
    const path = join(dir, 'w.json');
    writeKeystore(path, await encryptKey(secretKey, PASS, FAST));
    const bytes = readFileSync(path);
    const text = bytes.toString('utf8');
    const secret = Buffer.from(secretKey);
    assert.equal(bytes.indexOf(secret), -1, 'raw');
    for (const encoded of [toHex(secretKey), toHex(secretKey).toUpperCase(), secret.toString('base64'), secret.toString('base64url')]) {
      assert.equal(text.includes(encoded), false, encoded);
    }
    // Nor a long fragment of it, e.g. half of the hex.
    assert.equal(text.includes(toHex(secretKey).slice(0, 32)), false);
    assert.equal(text.includes(toHex(secretKey).slice(32)), false);
  });
});

test('a wrong passphrase is a WrongPassphraseError that says so', async () => {
  const { secretKey } = generateKeyPair();
  const file = await encryptKey(secretKey, PASS, FAST);
  await assert.rejects(decryptKey(file, PASS + '!'), (error: unknown) => {
    assert.ok(error instanceof WrongPassphraseError);
    assert.ok(error instanceof Error);
    assert.match(error.message, /wrong passphrase/);
    assert.match(error.message, /changed/);
    return true;
  });
});

test('a passphrase typed in another Unicode normal form still unlocks', async () => {
  const { secretKey } = generateKeyPair();
  const file = await encryptKey(secretKey, 'caf\u00e9', FAST);
  assert.deepEqual(await decryptKey(file, 'cafe\u0301'), secretKey);
});

test('every tampered field is refused', async () => {
  const { secretKey } = generateKeyPair();
  const file = await encryptKey(secretKey, PASS, FAST);
  const other = generateKeyPair().publicKey;
  const tampered: Array<[string, (f: KeystoreFile) => void]> = [
    ['ciphertext', (f) => { f.crypto.ciphertext = flipHex(f.crypto.ciphertext, 10); }],
    ['tag', (f) => { f.crypto.tag = flipHex(f.crypto.tag, 31); }],
    ['iv', (f) => { f.crypto.iv = flipHex(f.crypto.iv); }],
    ['salt', (f) => { f.crypto.kdfparams.salt = flipHex(f.crypto.kdfparams.salt); }],
    ['address', (f) => { f.address = addressFromPublicKey(other); }],
    ['public_key', (f) => { f.public_key = base64urlEncode(other); }],
    ['n', (f) => { f.crypto.kdfparams.n = 2 ** 15; }],
    ['r', (f) => { f.crypto.kdfparams.r = 4; }],
    ['p', (f) => { f.crypto.kdfparams.p = 2; }],
  ];
  for (const [field, edit] of tampered) {
    const copy = clone(file);
    edit(copy);
    // The edited file is still well-formed, so authentication is what catches it.
    validateKeystore(copy);
    await assert.rejects(decryptKey(copy, PASS), WrongPassphraseError, field);
  }
  // Only labels may change: they are not bound, so a wallet can be renamed.
  const renamed = clone(file);
  renamed.name = 'renamed';
  renamed.created_at = new Date(0).toISOString();
  assert.deepEqual(await decryptKey(renamed, PASS), secretKey);
});

test('n lowered below the minimum in a file is refused before any work', async () => {
  const file = await encryptKey(generateKeyPair().secretKey, PASS, FAST);
  const weak = clone(file);
  weak.crypto.kdfparams.n = 2 ** 10;
  await assert.rejects(decryptKey(weak, PASS), (error: unknown) => {
    assert.ok(error instanceof KeystoreFormatError);
    assert.equal(error.field, 'crypto.kdfparams.n');
    assert.match(error.message, /too weak/);
    return true;
  });
  const huge = clone(file);
  huge.crypto.kdfparams.n = 2 ** 30;
  await assert.rejects(decryptKey(huge, PASS), /crypto\.kdfparams\.n/);
});

test('a malformed file is refused naming the wrong field', async () => {
  const file = await encryptKey(generateKeyPair().secretKey, PASS, FAST);
  const cases: Array<[string, (f: Record<string, any>) => void]> = [
    ['version', (f) => { f.version = 2; }],
    ['name', (f) => { delete f.name; }],
    ['address', (f) => { f.address = 'bc1qnotours'; }],
    ['public_key', (f) => { f.public_key = 'AAAA'; }],
    ['created_at', (f) => { f.created_at = 'yesterday'; }],
    ['crypto', (f) => { f.crypto = null; }],
    ['crypto.kdf', (f) => { f.crypto.kdf = 'pbkdf2'; }],
    ['crypto.kdfparams', (f) => { f.crypto.kdfparams = []; }],
    ['crypto.kdfparams.r', (f) => { f.crypto.kdfparams.r = '8'; }],
    ['crypto.kdfparams.salt', (f) => { f.crypto.kdfparams.salt = 'zz'; }],
    ['crypto.cipher', (f) => { f.crypto.cipher = 'aes-128-gcm'; }],
    ['crypto.iv', (f) => { f.crypto.iv = f.crypto.iv.slice(2); }],
    ['crypto.ciphertext', (f) => { f.crypto.ciphertext = f.crypto.ciphertext.toUpperCase(); }],
    ['crypto.tag', (f) => { delete f.crypto.tag; }],
  ];
  for (const [field, edit] of cases) {
    const copy = clone(file) as unknown as Record<string, any>;
    edit(copy);
    await assert.rejects(decryptKey(copy as unknown as KeystoreFile, PASS), (error: unknown) => {
      assert.ok(error instanceof KeystoreFormatError, field);
      assert.equal(error.field, field);
      assert.ok(error.message.includes(`"${field}"`), error.message);
      return true;
    });
  }
  assert.throws(() => validateKeystore('nope'), KeystoreFormatError);
});

test('a file whose secret does not match its declared key is called inconsistent', async () => {
  // Forge what buggy software might write: authenticated correctly, but for someone else's key.
  const secret = generateKeyPair().secretKey;
  const other = generateKeyPair().publicKey;
  const salt = randomBytes(16);
  const iv = randomBytes(12);
  const file: KeystoreFile = {
    version: 1,
    name: 'forged',
    address: addressFromPublicKey(other),
    public_key: base64urlEncode(other),
    created_at: new Date().toISOString(),
    crypto: { kdf: 'scrypt', kdfparams: { n: 2 ** 14, r: 8, p: 1, salt: salt.toString('hex') }, cipher: 'aes-256-gcm', iv: iv.toString('hex'), ciphertext: '', tag: '' },
  };
  const key = scryptSync(PASS, salt, 32, { N: 2 ** 14, r: 8, p: 1 });
  const cipher = createCipheriv('aes-256-gcm', key, iv);
  cipher.setAAD(authenticatedHeader(file));
  file.crypto.ciphertext = Buffer.concat([cipher.update(secret), cipher.final()]).toString('hex');
  file.crypto.tag = cipher.getAuthTag().toString('hex');
  await assert.rejects(decryptKey(file, PASS), /inconsistent/);
});

test('weak or malformed scrypt parameters are refused with a RangeError', async () => {
  const { secretKey } = generateKeyPair();
  await assert.rejects(encryptKey(secretKey, PASS, { name: 'x', n: 2 ** 13 }), (error: unknown) => {
    assert.ok(error instanceof RangeError);
    assert.match(error.message, /2\*\*14/);
    return true;
  });
  await assert.rejects(encryptKey(secretKey, PASS, { name: 'x', n: 3 * 2 ** 14 }), RangeError);
  await assert.rejects(encryptKey(secretKey, PASS, { name: 'x', n: 2 ** 14, r: 0 }), RangeError);
  await assert.rejects(encryptKey(secretKey, PASS, { name: 'x', n: 2 ** 14, p: 1.5 }), RangeError);
});

test('an empty passphrase and a wrong-size secret are refused', async () => {
  const { secretKey } = generateKeyPair();
  await assert.rejects(encryptKey(secretKey, '', FAST), (error: unknown) => {
    assert.ok(error instanceof TypeError);
    assert.match(error.message, /passphrase must not be empty/);
    return true;
  });
  const file = await encryptKey(secretKey, PASS, FAST);
  await assert.rejects(decryptKey(file, ''), TypeError);
  await assert.rejects(encryptKey(secretKey.slice(0, 31), PASS, FAST), /32 bytes/);
});

test('writeKeystore makes a 0600 file, refuses to overwrite, and readKeystore reads it back', async () => {
  await withTempDir(async (dir) => {
    const { secretKey } = generateKeyPair();
    const file = await encryptKey(secretKey, PASS, FAST);
    const path = join(dir, 'w.json');
    writeKeystore(path, file);
    assert.equal(statSync(path).mode & 0o777, 0o600);
    const before = readFileSync(path, 'utf8');
    assert.throws(() => writeKeystore(path, file), (error: unknown) => {
      assert.ok(error instanceof Error);
      assert.ok(error.message.includes(path), error.message);
      assert.match(error.message, /overwrite/);
      return true;
    });
    assert.equal(readFileSync(path, 'utf8'), before, 'the existing file is untouched');
    const read = readKeystore(path);
    assert.deepEqual(read, file);
    assert.deepEqual(await decryptKey(read, PASS), secretKey);
  });
});

test('readKeystore names the file when it is not a keystore', async () => {
  await withTempDir(async (dir) => {
    const bad = join(dir, 'bad.json');
    writeFileSync(bad, '{not json');
    assert.throws(() => readKeystore(bad), (error: unknown) => error instanceof Error && error.message.includes(bad) && /JSON/.test(error.message));
    writeFileSync(bad, '{"version":1}');
    assert.throws(() => readKeystore(bad), (error: unknown) => error instanceof KeystoreFormatError && error.message.startsWith(bad) && error.field === 'name');
  });
});
