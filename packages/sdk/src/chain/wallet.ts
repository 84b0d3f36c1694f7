// A wallet: one Ed25519 secret key that signs chain transactions, where the key is (a page, a
// script, the CLI). Signing is @aitbc/protocol's signTx, the code the node checks signatures with.

import { addressFromPublicKey, publicKeyFromSecret, signTx, type UnsignedTxBody } from '@aitbc/protocol';
import type { BondBody, SignedTx, TransferBody, UnbondBody } from '@aitbc/protocol/wire';
import { secretKeyFromMnemonic } from './mnemonic.ts';

/** What a signer fills in itself: its address and public key. */
type Filled = 'type' | 'from' | 'public_key';
export type TransferParameters = Omit<TransferBody, Filled>;
export type BondParameters = Omit<BondBody, Filled>;
export type UnbondParameters = Omit<UnbondBody, Filled>;

/** Anything that signs transactions for one address (a Wallet; a hardware key could be another). */
export interface TxSigner {
  readonly address: string;
  sign(body: UnsignedTxBody): SignedTx;
}

export class Wallet implements TxSigner {
  readonly address: string;
  readonly publicKey: Uint8Array;
  readonly #secretKey: Uint8Array;
  #destroyed = false;

  private constructor(secretKey: Uint8Array) {
    if (!(secretKey instanceof Uint8Array) || secretKey.length !== 32) throw new TypeError('secretKey must be the 32 bytes of an Ed25519 secret key');
    this.#secretKey = Uint8Array.from(secretKey);
    this.publicKey = publicKeyFromSecret(this.#secretKey);
    this.address = addressFromPublicKey(this.publicKey);
  }

  /** A wallet holding a copy of `secretKey` (32 bytes). */
  static fromSecretKey(secretKey: Uint8Array): Wallet {
    return new Wallet(secretKey);
  }

  /**
   * The wallet a recovery phrase derives (BIP-39 English words; see AITBC_DERIVATION_PATH).
   * Throws a RangeError saying which word is wrong.
   * @example const wallet = Wallet.fromMnemonic('legal winner thank year wave sausage worth useful legal winner thank yellow');
   */
  static fromMnemonic(phrase: string): Wallet {
    const secretKey = secretKeyFromMnemonic(phrase);
    try {
      return new Wallet(secretKey);
    } finally {
      secretKey.fill(0);
    }
  }

  /** A copy of the secret key, for an encrypted keystore; the caller should wipe it (fill(0)) when done. */
  exportSecretKey(): Uint8Array {
    this.#usable();
    return Uint8Array.from(this.#secretKey);
  }

  /** Signs a transaction body of any type (chain_id, fee and nonce included; ChainClient.prepare fills the first and last). */
  sign(body: UnsignedTxBody): SignedTx {
    this.#usable();
    return signTx(body, this.#secretKey);
  }

  /** @example wallet.transfer({ chain_id: 'aitbc-devnet', nonce: 0, fee: '0.001', to: 'ait1…', amount: '2.5' }) */
  transfer(parameters: TransferParameters): SignedTx {
    return this.sign({ type: 'transfer', ...parameters });
  }

  /** Moves `amount` from the balance into the bond of `miner_key`. */
  bond(parameters: BondParameters): SignedTx {
    return this.sign({ type: 'bond', ...parameters });
  }

  /** Starts returning `amount` of the bond of `miner_key` (released after the chain's unbonding delay). */
  unbond(parameters: UnbondParameters): SignedTx {
    return this.sign({ type: 'unbond', ...parameters });
  }

  /** Overwrites the key held: the wallet cannot sign afterwards. */
  destroy(): void {
    this.#secretKey.fill(0);
    this.#destroyed = true;
  }

  #usable(): void {
    if (this.#destroyed) throw new Error(`wallet ${this.address} was destroyed: its key is gone`);
  }
}
