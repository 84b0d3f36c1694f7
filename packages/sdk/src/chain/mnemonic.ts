// Recovery phrases: BIP-39 words (English list) that derive a wallet's Ed25519 secret key, so a
// person who wrote the words down can rebuild the wallet anywhere. The derivation is SLIP-0010
// for Ed25519 (the scheme hardware wallets and Solana- or Stellar-style wallets use for Ed25519
// keys from a BIP-39 seed), on one fixed path, AITBC_DERIVATION_PATH. Both steps are libraries:
// @scure/bip39 and micro-key-producer's SLIP-0010, on @noble/hashes' HMAC-SHA512 and PBKDF2.

import { mnemonicToEntropy, mnemonicToSeedSync, generateMnemonic as randomMnemonic } from '@scure/bip39';
import { wordlist } from '@scure/bip39/wordlists/english.js';
import { HDKey } from 'micro-key-producer/slip10.js';

/**
 * BIP-44's five levels, all hardened (SLIP-0010 derives only hardened children for Ed25519):
 * purpose 44', coin type 1' (SLIP-44's "testnet, all coins": AITBC has no registered coin type
 * yet), account 0', change 0', index 0'. One phrase is one wallet. Fixed: a phrase written down
 * today must give the same key in every later version.
 */
export const AITBC_DERIVATION_PATH = "m/44'/1'/0'/0'/0'";

/** 12 words, 128 bits of entropy: as strong as the Ed25519 key it derives. */
export const MNEMONIC_WORDS = 12;

/**
 * A new random recovery phrase (12 English BIP-39 words, from the platform's secure random source).
 * @example const phrase = generateMnemonic(); const wallet = Wallet.fromMnemonic(phrase);
 */
export function generateMnemonic(): string {
  return randomMnemonic(wordlist, (MNEMONIC_WORDS / 3) * 32);
}

/** The phrase as BIP-39 expects it: lower case, single spaces (people type extra spaces and capitals). */
export function normalizeMnemonic(phrase: string): string {
  if (typeof phrase !== 'string') throw new TypeError('the recovery phrase must be a string');
  return phrase.normalize('NFKD').trim().toLowerCase().split(/\s+/).join(' ');
}

/** What is wrong with a phrase, in words a person can act on; null when it is a valid phrase. */
export function mnemonicProblem(phrase: string): string | null {
  const words = normalizeMnemonic(phrase).split(' ').filter((word) => word.length > 0);
  if (![12, 15, 18, 21, 24].includes(words.length)) return `a recovery phrase has 12 (or 15, 18, 21, 24) words; this one has ${words.length}`;
  const unknown = words.findIndex((word) => !wordlist.includes(word));
  if (unknown !== -1) return `word ${unknown + 1} ("${words[unknown]}") is not in the BIP-39 English word list; check its spelling`;
  try {
    mnemonicToEntropy(words.join(' '), wordlist);
  } catch {
    return 'the words fail their checksum: one is wrong or they are out of order';
  }
  return null;
}

/**
 * The 32-byte Ed25519 secret key a recovery phrase derives: BIP-39 seed (no BIP-39 passphrase),
 * then SLIP-0010 along AITBC_DERIVATION_PATH. Throws a RangeError saying what is wrong with a bad phrase.
 */
export function secretKeyFromMnemonic(phrase: string): Uint8Array {
  const problem = mnemonicProblem(phrase);
  if (problem) throw new RangeError(problem);
  const seed = mnemonicToSeedSync(normalizeMnemonic(phrase));
  try {
    const key = HDKey.fromMasterSeed(seed).derive(AITBC_DERIVATION_PATH);
    return Uint8Array.from(key.privateKey);
  } finally {
    seed.fill(0);
  }
}

