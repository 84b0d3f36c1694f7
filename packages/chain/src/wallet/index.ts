// The wallet keystore: encrypted Ed25519 key files, a directory of them, and passphrase input.

export {
  DEFAULT_SCRYPT_N,
  DEFAULT_SCRYPT_P,
  DEFAULT_SCRYPT_R,
  MIN_SCRYPT_N,
  KeystoreFormatError,
  WrongPassphraseError,
  decryptKey,
  encryptKey,
  readKeystore,
  validateKeystore,
  writeKeystore,
} from './keystore.ts';
export type { EncryptKeyOptions, KeystoreFile } from './keystore.ts';
export { WALLET_NAME_PATTERN, WalletDirectory, checkWalletName } from './wallets.ts';
export type { UnlockedWallet, WalletKeyOptions } from './wallets.ts';
export { MIN_PASSPHRASE_CHARS, MIN_PASSPHRASE_DISTINCT_CHARS, NO_TTY_ADVICE, PASSPHRASE_ENV, createTtyPrompt, passphraseWeakness, resolvePassphrase } from './passphrase.ts';
export type { PassphrasePrompt, PromptInput, ResolvePassphraseOptions } from './passphrase.ts';
