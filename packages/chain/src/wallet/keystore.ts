// Encrypted key files for Ed25519 wallet secrets: scrypt turns the passphrase into an AES-256-GCM
// key, so the 32-byte secret never touches the disk in clear. Node only.

import { createCipheriv, createDecipheriv, randomBytes, scrypt, type ScryptOptions } from 'node:crypto';
import { chmodSync, closeSync, fsyncSync, openSync, readFileSync, unlinkSync, writeFileSync } from 'node:fs';
import { addressFromPublicKey, base64urlDecode, base64urlEncode, isValidAddress, publicKeyFromSecret } from '@aitbc/protocol';

export interface KeystoreFile {
  version: 1;
  name: string;
  address: string;
  /** base64url, unpadded */
  public_key: string;
  created_at: string;
  crypto: {
    kdf: 'scrypt';
    kdfparams: { n: number; r: number; p: number; /** hex */ salt: string };
    cipher: 'aes-256-gcm';
    /** hex */
    iv: string;
    /** hex */
    ciphertext: string;
    /** hex */
    tag: string;
  };
}

export interface EncryptKeyOptions {
  name: string;
  /** scrypt cost; a power of two, default 2**17 */
  n?: number;
  /** scrypt block size, default 8 */
  r?: number;
  /** scrypt parallelism, default 1 */
  p?: number;
  now?: () => Date;
}

/** Authentication failed: the passphrase is wrong, or the file was edited after it was written. */
export class WrongPassphraseError extends Error {
  constructor(name?: string) {
    const which = name === undefined ? 'the keystore' : `wallet "${name}"`;
    super(`wrong passphrase for ${which}, or its keystore file was changed (decryption failed authentication)`);
    this.name = 'WrongPassphraseError';
  }
}

/** A keystore that is not shaped like one; `field` names the offending field. */
export class KeystoreFormatError extends Error {
  readonly field: string;
  constructor(field: string, problem: string, source?: string) {
    super(`${source === undefined ? '' : `${source}: `}keystore field "${field}" ${problem}`);
    this.name = 'KeystoreFormatError';
    this.field = field;
  }
}

export const DEFAULT_SCRYPT_N = 2 ** 17;
export const DEFAULT_SCRYPT_R = 8;
export const DEFAULT_SCRYPT_P = 1;
/** Below this the passphrase is too cheap to guess offline. */
export const MIN_SCRYPT_N = 2 ** 14;
/**
 * Upper bounds guard the reader too: a hostile file with an enormous n would otherwise make
 * `decryptKey` allocate gigabytes before it can fail.
 */
const MAX_SCRYPT_N = 2 ** 20;
const MAX_SCRYPT_R = 32;
const MAX_SCRYPT_P = 16;
const MAX_SCRYPT_MEMORY = 2 ** 30;

const SECRET_BYTES = 32;
const SALT_BYTES = 16;
const IV_BYTES = 12;
const TAG_BYTES = 16;
const CIPHER = 'aes-256-gcm';
/** Domain-separates our additional data from anything else that might be fed to the same key. */
const AAD_DOMAIN = 'AITBC-KEYSTORE-v1\n';

/** `fail` decides the error: a RangeError for the caller's options, a format error for a file. */
function checkScryptParams(n: number, r: number, p: number, fail: (field: 'n' | 'r' | 'p', problem: string) => never): void {
  if (!Number.isSafeInteger(n) || n < MIN_SCRYPT_N) fail('n', `must be at least 2**14 (${MIN_SCRYPT_N}); ${n} is too weak`);
  if (n > MAX_SCRYPT_N || (n & (n - 1)) !== 0) fail('n', `must be a power of two no larger than 2**20; got ${n}`);
  if (!Number.isSafeInteger(r) || r < 1 || r > MAX_SCRYPT_R) fail('r', `must be a whole number from 1 to ${MAX_SCRYPT_R}; got ${r}`);
  if (!Number.isSafeInteger(p) || p < 1 || p > MAX_SCRYPT_P) fail('p', `must be a whole number from 1 to ${MAX_SCRYPT_P}; got ${p}`);
  if (128 * n * r > MAX_SCRYPT_MEMORY) fail('n', `with r = ${r} would need more than 1 GiB of memory`);
}

function checkPassphrase(passphrase: unknown): string {
  if (typeof passphrase !== 'string') throw new TypeError('the passphrase must be a string');
  if (passphrase.length === 0) throw new TypeError('the passphrase must not be empty');
  // The same visible passphrase can arrive as different code points from different keyboards or
  // platforms (composed vs decomposed accents); normalising keeps it unlocking the same file.
  return passphrase.normalize('NFKC');
}

function deriveKey(passphrase: string, salt: Uint8Array, n: number, r: number, p: number): Promise<Buffer> {
  // OpenSSL refuses when 128·r·(n + p + 2) exceeds maxmem (node's default is only 32 MiB, below
  // what the default n needs), so give exactly that plus headroom.
  const options: ScryptOptions = { N: n, r, p, maxmem: 128 * r * (n + p + 2) + 2 ** 20 };
  return new Promise((resolve, reject) => {
    scrypt(passphrase, salt, 32, options, (error, key) => (error ? reject(error) : resolve(key)));
  });
}

/**
 * The header fields bound to the ciphertext as GCM additional data, so that pointing the file at
 * another address or key, or swapping the kdf parameters, breaks authentication. `name` and
 * `created_at` are left out on purpose: they are labels, and a wallet can be renamed without
 * its passphrase. Exported for tests; not part of the package's API.
 */
export function authenticatedHeader(
  file: Pick<KeystoreFile, 'version' | 'address' | 'public_key'> & { crypto: Pick<KeystoreFile['crypto'], 'kdf' | 'kdfparams' | 'cipher'> },
): Buffer {
  const { kdf, kdfparams, cipher } = file.crypto;
  const fields = [file.version, file.address, file.public_key, kdf, kdfparams.n, kdfparams.r, kdfparams.p, kdfparams.salt, cipher];
  return Buffer.from(AAD_DOMAIN + JSON.stringify(fields), 'utf8');
}

export async function encryptKey(secretKey: Uint8Array, passphrase: string, options: EncryptKeyOptions): Promise<KeystoreFile> {
  if (!(secretKey instanceof Uint8Array) || secretKey.length !== SECRET_BYTES) {
    throw new TypeError(`the secret key must be ${SECRET_BYTES} bytes of Ed25519 secret`);
  }
  const normalized = checkPassphrase(passphrase);
  if (typeof options?.name !== 'string' || options.name.length === 0) throw new TypeError('the keystore needs a non-empty name');
  const n = options.n ?? DEFAULT_SCRYPT_N;
  const r = options.r ?? DEFAULT_SCRYPT_R;
  const p = options.p ?? DEFAULT_SCRYPT_P;
  checkScryptParams(n, r, p, (field, problem) => {
    throw new RangeError(`scrypt ${field} ${problem}`);
  });

  const publicKey = publicKeyFromSecret(secretKey);
  const salt = randomBytes(SALT_BYTES);
  const iv = randomBytes(IV_BYTES);
  const header = {
    version: 1 as const,
    address: addressFromPublicKey(publicKey),
    public_key: base64urlEncode(publicKey),
    crypto: { kdf: 'scrypt' as const, kdfparams: { n, r, p, salt: salt.toString('hex') }, cipher: CIPHER as typeof CIPHER },
  };
  const key = await deriveKey(normalized, salt, n, r, p);
  try {
    const cipher = createCipheriv(CIPHER, key, iv, { authTagLength: TAG_BYTES });
    cipher.setAAD(authenticatedHeader(header));
    const ciphertext = Buffer.concat([cipher.update(secretKey), cipher.final()]);
    return {
      version: 1,
      name: options.name,
      address: header.address,
      public_key: header.public_key,
      created_at: (options.now ?? (() => new Date()))().toISOString(),
      crypto: {
        ...header.crypto,
        iv: iv.toString('hex'),
        ciphertext: ciphertext.toString('hex'),
        tag: cipher.getAuthTag().toString('hex'),
      },
    };
  } finally {
    key.fill(0);
  }
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/**
 * Checks that `value` is a well-formed version-1 keystore and returns it typed; otherwise throws a
 * KeystoreFormatError naming the first wrong field. `source` (a path) prefixes the message.
 */
export function validateKeystore(value: unknown, source?: string): KeystoreFile {
  const fail = (field: string, problem: string): never => {
    throw new KeystoreFormatError(field, problem, source);
  };
  const hexField = (object: Record<string, unknown>, field: string, path: string, bytes: number): void => {
    const text = object[field];
    if (typeof text !== 'string' || text.length !== bytes * 2 || !/^[0-9a-f]*$/.test(text)) {
      fail(path, `must be ${bytes * 2} lowercase hex characters (${bytes} bytes)`);
    }
  };

  if (!isRecord(value)) fail('(root)', 'must be a JSON object');
  const file = value as Record<string, unknown>;
  if (file.version !== 1) fail('version', `must be 1; got ${JSON.stringify(file.version)}`);
  if (typeof file.name !== 'string' || file.name.length === 0) fail('name', 'must be a non-empty string');
  if (typeof file.address !== 'string' || !isValidAddress(file.address)) fail('address', 'must be an ait1… address');
  let publicKeyLength = -1;
  try {
    if (typeof file.public_key === 'string') publicKeyLength = base64urlDecode(file.public_key).length;
  } catch {
    // reported just below
  }
  if (publicKeyLength !== 32) fail('public_key', 'must be unpadded base64url of a 32-byte Ed25519 public key');
  if (typeof file.created_at !== 'string' || Number.isNaN(Date.parse(file.created_at))) fail('created_at', 'must be an ISO 8601 timestamp');

  if (!isRecord(file.crypto)) fail('crypto', 'must be an object');
  const crypto = file.crypto as Record<string, unknown>;
  if (crypto.kdf !== 'scrypt') fail('crypto.kdf', `must be "scrypt"; got ${JSON.stringify(crypto.kdf)}`);
  if (!isRecord(crypto.kdfparams)) fail('crypto.kdfparams', 'must be an object');
  const params = crypto.kdfparams as Record<string, unknown>;
  for (const field of ['n', 'r', 'p'] as const) {
    if (typeof params[field] !== 'number') fail(`crypto.kdfparams.${field}`, 'must be a number');
  }
  checkScryptParams(params.n as number, params.r as number, params.p as number, (field, problem) => fail(`crypto.kdfparams.${field}`, problem));
  hexField(params, 'salt', 'crypto.kdfparams.salt', SALT_BYTES);
  if (crypto.cipher !== CIPHER) fail('crypto.cipher', `must be "${CIPHER}"; got ${JSON.stringify(crypto.cipher)}`);
  hexField(crypto, 'iv', 'crypto.iv', IV_BYTES);
  hexField(crypto, 'ciphertext', 'crypto.ciphertext', SECRET_BYTES);
  hexField(crypto, 'tag', 'crypto.tag', TAG_BYTES);
  return value as KeystoreFile;
}

export async function decryptKey(file: KeystoreFile, passphrase: string): Promise<Uint8Array> {
  validateKeystore(file);
  const normalized = checkPassphrase(passphrase);
  const { kdfparams, iv, ciphertext, tag } = file.crypto;
  const key = await deriveKey(normalized, Buffer.from(kdfparams.salt, 'hex'), kdfparams.n, kdfparams.r, kdfparams.p);
  let plain: Buffer;
  try {
    const decipher = createDecipheriv(CIPHER, key, Buffer.from(iv, 'hex'), { authTagLength: TAG_BYTES });
    decipher.setAAD(authenticatedHeader(file));
    decipher.setAuthTag(Buffer.from(tag, 'hex'));
    const head = decipher.update(Buffer.from(ciphertext, 'hex'));
    try {
      plain = Buffer.concat([head, decipher.final()]);
    } catch {
      head.fill(0);
      throw new WrongPassphraseError(file.name);
    }
    head.fill(0);
  } finally {
    key.fill(0);
  }
  // A plain Uint8Array (not a pooled Buffer) that the caller owns and may wipe.
  const secretKey = new Uint8Array(plain);
  plain.fill(0);

  // GCM already vouches for the header, so a mismatch here means the file was produced wrongly,
  // not edited: still refuse it rather than sign as an address the key does not control.
  const publicKey = publicKeyFromSecret(secretKey);
  if (base64urlEncode(publicKey) !== file.public_key || addressFromPublicKey(publicKey) !== file.address) {
    secretKey.fill(0);
    throw new Error(`keystore for "${file.name}" is inconsistent: its secret key does not belong to the public_key and address it declares`);
  }
  return secretKey;
}

export function readKeystore(path: string): KeystoreFile {
  const text = readFileSync(path, 'utf8');
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (error) {
    throw new Error(`${path} is not valid JSON: ${(error as Error).message}`);
  }
  return validateKeystore(value, path);
}

/** Writes a new keystore readable by its owner only; never replaces an existing file. */
export function writeKeystore(path: string, file: KeystoreFile): void {
  validateKeystore(file);
  const bytes = Buffer.from(JSON.stringify(file, null, 2) + '\n', 'utf8');
  let fd: number;
  try {
    // 'wx' makes the existence check and the creation one step, so no race can clobber a key.
    fd = openSync(path, 'wx', 0o600);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'EEXIST') {
      throw new Error(`refusing to overwrite the existing keystore ${path}; move it away or choose another name`);
    }
    throw error;
  }
  let written = false;
  try {
    writeFileSync(fd, bytes);
    fsyncSync(fd);
    written = true;
  } finally {
    closeSync(fd);
    // A half-written keystore would block the name and hold nothing usable.
    if (!written) unlinkSync(path);
  }
  // The umask can only remove bits from the mode asked for; set it outright anyway.
  chmodSync(path, 0o600);
}
