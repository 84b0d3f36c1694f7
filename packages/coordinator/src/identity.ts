// The coordinator's own Ed25519 key, which co-signs every receipt: made on first start and kept
// in the data directory (readable by the owner only), so restarts keep the published key.

import { chmodSync, existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';
import { base64urlEncode, fromHex, generateKeyPair, publicKeyFromSecret, toHex } from '@aitbc/protocol';

interface KeyFile {
  alg: 'Ed25519';
  secret_key_hex: string;
  public_key: string;
}

export function loadOrCreateCoordinatorKey(path: string): Uint8Array {
  if (existsSync(path)) {
    const file = JSON.parse(readFileSync(path, 'utf8')) as KeyFile;
    const secretKey = fromHex(file.secret_key_hex);
    if (secretKey.length !== 32 || base64urlEncode(publicKeyFromSecret(secretKey)) !== file.public_key) {
      throw new Error(`${path} does not hold a consistent Ed25519 key; restore it from backup or move it away to make a new one`);
    }
    return secretKey;
  }
  mkdirSync(dirname(path), { recursive: true });
  const { secretKey, publicKey } = generateKeyPair();
  const file: KeyFile = { alg: 'Ed25519', secret_key_hex: toHex(secretKey), public_key: base64urlEncode(publicKey) };
  writeFileSync(path, JSON.stringify(file, null, 2) + '\n', { mode: 0o600, flag: 'wx' });
  chmodSync(path, 0o600);
  return secretKey;
}
