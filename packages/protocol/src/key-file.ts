// An Ed25519 key kept in a file (Node only): made on first use, readable by the owner only, so a
// coordinator keeps its published co-signing key and a miner its registered key across restarts.

import { randomBytes } from 'node:crypto';
import { chmodSync, existsSync, linkSync, mkdirSync, readFileSync, unlinkSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';
import { base64urlEncode, fromHex, toHex } from './encoding.ts';
import { generateKeyPair, publicKeyFromSecret, type KeyPair } from './keys.ts';

interface KeyFile {
  alg: 'Ed25519';
  secret_key_hex: string;
  public_key: string;
}

export function loadOrCreateKeyFile(path: string): KeyPair {
  if (existsSync(path)) return readKeyFile(path);
  mkdirSync(dirname(path), { recursive: true });
  const pair = generateKeyPair();
  const file: KeyFile = { alg: 'Ed25519', secret_key_hex: toHex(pair.secretKey), public_key: base64urlEncode(pair.publicKey) };
  // Written whole under another name, then linked into place: of several processes starting at
  // once on one key file (coordinators sharing a database), one makes it and the others read it,
  // never a half-written file.
  const draft = `${path}.${process.pid}.${randomBytes(4).toString('hex')}.tmp`;
  writeFileSync(draft, JSON.stringify(file, null, 2) + '\n', { mode: 0o600, flag: 'wx' });
  chmodSync(draft, 0o600);
  try {
    linkSync(draft, path);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
    return readKeyFile(path);
  } finally {
    unlinkSync(draft);
  }
  return pair;
}

function readKeyFile(path: string): KeyPair {
  const file = JSON.parse(readFileSync(path, 'utf8')) as KeyFile;
  const secretKey = fromHex(file.secret_key_hex ?? '');
  const publicKey = secretKey.length === 32 ? publicKeyFromSecret(secretKey) : null;
  if (!publicKey || base64urlEncode(publicKey) !== file.public_key) {
    throw new Error(`${path} does not hold a consistent Ed25519 key; restore it from a backup, or move it away to make a new one`);
  }
  return { secretKey, publicKey };
}
