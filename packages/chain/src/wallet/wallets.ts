// A wallet directory: one encrypted keystore per wallet, stored as `<name>.json`, found by name or
// by address. Secrets only leave it through `unlock`, which needs the passphrase.

import { mkdirSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { addressFromPublicKey, fromHex, generateKeyPair, publicKeyFromSecret } from '@aitbc/protocol';
import { decryptKey, encryptKey, readKeystore, writeKeystore, type EncryptKeyOptions, type KeystoreFile } from './keystore.ts';

/** Starts with a letter or digit, so a name can be neither a hidden file nor a command-line flag. */
export const WALLET_NAME_PATTERN = /^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$/;

export type WalletKeyOptions = Omit<EncryptKeyOptions, 'name'>;

export interface UnlockedWallet {
  secretKey: Uint8Array;
  publicKey: Uint8Array;
  address: string;
}

export function checkWalletName(name: string): string {
  if (typeof name !== 'string' || !WALLET_NAME_PATTERN.test(name)) {
    throw new RangeError(
      `invalid wallet name ${JSON.stringify(name)}: use 1 to 64 letters, digits, '.', '_' or '-', starting with a letter or digit`,
    );
  }
  return name;
}

export class WalletDirectory {
  readonly dir: string;

  constructor(dir: string) {
    this.dir = dir;
  }

  async create(name: string, passphrase: string, options: WalletKeyOptions = {}): Promise<KeystoreFile> {
    const { secretKey } = generateKeyPair();
    try {
      return await this.store(name, secretKey, passphrase, options);
    } finally {
      secretKey.fill(0);
    }
  }

  async import(name: string, secretKeyHex: string, passphrase: string, options: WalletKeyOptions = {}): Promise<KeystoreFile> {
    // Trimmed because a key pasted or read from a file usually brings a newline with it.
    const text = typeof secretKeyHex === 'string' ? secretKeyHex.trim() : '';
    if (!/^[0-9a-fA-F]{64}$/.test(text)) throw new RangeError('the secret key to import must be 64 hex characters (32 bytes)');
    const secretKey = fromHex(text);
    try {
      return await this.store(name, secretKey, passphrase, options);
    } finally {
      secretKey.fill(0);
    }
  }

  /** Stores a key the caller holds (one derived from a recovery phrase); the caller still owns and wipes `secretKey`. */
  async importKey(name: string, secretKey: Uint8Array, passphrase: string, options: WalletKeyOptions = {}): Promise<KeystoreFile> {
    return this.store(name, secretKey, passphrase, options);
  }

  /** Every wallet here, sorted by name. The files hold only the encrypted secret. */
  list(): KeystoreFile[] {
    let entries: string[];
    try {
      entries = readdirSync(this.dir);
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') return [];
      throw error;
    }
    const wallets: KeystoreFile[] = [];
    for (const entry of entries) {
      if (!entry.endsWith('.json')) continue;
      const name = entry.slice(0, -'.json'.length);
      // Anything not named like a wallet (editor backups, stray files) is not ours to read.
      if (!WALLET_NAME_PATTERN.test(name)) continue;
      const path = join(this.dir, entry);
      const file = readKeystore(path);
      if (file.name !== name) {
        throw new Error(`${path} holds the wallet named "${file.name}"; rename the file to ${file.name}.json or fix its name field`);
      }
      wallets.push(file);
    }
    return wallets.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  }

  /** By exact name first, then by address (a name may itself look like an address). */
  get(nameOrAddress: string): KeystoreFile {
    const wallets = this.list();
    const found = wallets.find((w) => w.name === nameOrAddress) ?? wallets.find((w) => w.address === nameOrAddress);
    if (found) return found;
    const known = wallets.length === 0 ? `there are no wallets in ${this.dir} yet` : `wallets in ${this.dir}: ${wallets.map((w) => w.name).join(', ')}`;
    throw new Error(`no wallet named or addressed ${JSON.stringify(nameOrAddress)}; ${known}`);
  }

  async unlock(nameOrAddress: string, passphrase: string): Promise<UnlockedWallet> {
    const file = this.get(nameOrAddress);
    const secretKey = await decryptKey(file, passphrase);
    const publicKey = publicKeyFromSecret(secretKey);
    return { secretKey, publicKey, address: addressFromPublicKey(publicKey) };
  }

  private async store(name: string, secretKey: Uint8Array, passphrase: string, options: WalletKeyOptions): Promise<KeystoreFile> {
    checkWalletName(name);
    const existing = this.list();
    // Case-insensitively, because on macOS and Windows the keystores of `Alice` and `alice` are one file.
    const clash = existing.find((w) => w.name.toLowerCase() === name.toLowerCase());
    if (clash) throw new Error(`a wallet named "${clash.name}" already exists in ${this.dir}`);
    // One key under two names would make lookups by address ambiguous.
    const address = addressFromPublicKey(publicKeyFromSecret(secretKey));
    const twin = existing.find((w) => w.address === address);
    if (twin) throw new Error(`this key is already in ${this.dir} as wallet "${twin.name}" (${address})`);

    const file = await encryptKey(secretKey, passphrase, { ...options, name });
    mkdirSync(this.dir, { recursive: true, mode: 0o700 });
    writeKeystore(join(this.dir, `${name}.json`), file);
    return file;
  }
}
