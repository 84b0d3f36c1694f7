// The node's storage: one SQLite file (WAL). A block, its transactions and the accounts it
// changed are written in one transaction, so a crash leaves either the whole block or none of it.

import { fileURLToPath } from 'node:url';
import Database from 'better-sqlite3';
import { applyMigrations } from '@aitbc/protocol/node';
import type { Receipt } from '@aitbc/protocol';
import { blockReceipts, type Block, type BlockHeader } from '../block.ts';
import type { Account, AccountReader } from '../state.ts';
import type { SignedTx } from '../tx.ts';

type Row = Record<string, unknown>;

export interface StoredTx {
  tx: SignedTx;
  hash: string;
  blockHeight: number;
  position: number;
}

export class ChainStore implements AccountReader {
  readonly db: Database.Database;

  constructor(path: string) {
    this.db = new Database(path);
    this.db.pragma('journal_mode = WAL');
    this.db.pragma('synchronous = NORMAL');
    this.db.pragma('foreign_keys = ON');
    this.db.defaultSafeIntegers(true);
    applyMigrations(this.db, fileURLToPath(new URL('./migrations/', import.meta.url)));
  }

  getMeta(name: string): string | null {
    return (this.db.prepare('SELECT value FROM meta WHERE name = ?').pluck().get(name) as string | undefined) ?? null;
  }

  setMeta(name: string, value: string): void {
    this.db.prepare('INSERT INTO meta (name, value) VALUES (?, ?) ON CONFLICT (name) DO UPDATE SET value = excluded.value').run(name, value);
  }

  account(address: string): Account {
    const row = this.db.prepare('SELECT balance, nonce FROM accounts WHERE address = ?').get(address) as Row | undefined;
    return row ? { balance: row.balance as bigint, nonce: Number(row.nonce) } : { balance: 0n, nonce: 0 };
  }

  allAccounts(): Map<string, Account> {
    const accounts = new Map<string, Account>();
    for (const row of this.db.prepare('SELECT address, balance, nonce FROM accounts').all() as Row[]) {
      accounts.set(row.address as string, { balance: row.balance as bigint, nonce: Number(row.nonce) });
    }
    return accounts;
  }

  private toBlock(row: Row): Block {
    const height = Number(row.height);
    const txs = (this.db.prepare('SELECT body, signature FROM transactions WHERE block_height = ? ORDER BY position').all(height) as Row[]).map((tx) => ({
      body: JSON.parse(tx.body as string),
      signature: tx.signature as string,
    }));
    return { header: JSON.parse(row.header as string) as BlockHeader, hash: row.hash as string, signature: row.signature as string, txs };
  }

  head(): Block | null {
    const row = this.db.prepare('SELECT * FROM blocks ORDER BY height DESC LIMIT 1').get() as Row | undefined;
    return row ? this.toBlock(row) : null;
  }

  blockAt(height: number): Block | null {
    const row = this.db.prepare('SELECT * FROM blocks WHERE height = ?').get(height) as Row | undefined;
    return row ? this.toBlock(row) : null;
  }

  /** Up to `limit` consecutive blocks from `from`. */
  blockRange(from: number, limit: number): Block[] {
    return (this.db.prepare('SELECT * FROM blocks WHERE height >= ? ORDER BY height LIMIT ?').all(from, limit) as Row[]).map((row) => this.toBlock(row));
  }

  blockByHash(hash: string): Block | null {
    const row = this.db.prepare('SELECT * FROM blocks WHERE hash = ?').get(hash) as Row | undefined;
    return row ? this.toBlock(row) : null;
  }

  tx(hash: string): StoredTx | null {
    const row = this.db.prepare('SELECT * FROM transactions WHERE hash = ?').get(hash) as Row | undefined;
    if (!row) return null;
    return { tx: { body: JSON.parse(row.body as string), signature: row.signature as string }, hash, blockHeight: Number(row.block_height), position: Number(row.position) };
  }

  /** A settled receipt and the block that holds it. */
  receipt(receiptId: string): { receipt: Receipt; blockHeight: number } | null {
    const row = this.db.prepare('SELECT body, block_height FROM receipts WHERE receipt_id = ?').get(receiptId) as Row | undefined;
    return row ? { receipt: JSON.parse(row.body as string) as Receipt, blockHeight: Number(row.block_height) } : null;
  }

  /** Transactions sent or received by an address, newest first. */
  txsOf(address: string, limit: number): StoredTx[] {
    const rows = this.db
      .prepare('SELECT * FROM transactions WHERE sender = ? UNION SELECT * FROM transactions WHERE recipient = ? ORDER BY block_height DESC, position DESC LIMIT ?')
      .all(address, address, limit) as Row[];
    return rows.map((row) => ({ tx: { body: JSON.parse(row.body as string), signature: row.signature as string }, hash: row.hash as string, blockHeight: Number(row.block_height), position: Number(row.position) }));
  }

  /** Writes a validated block and the accounts it changed, all or nothing. */
  commit(block: Block, txHashes: string[], changed: Map<string, Account>): void {
    this.db.transaction(() => {
      this.db
        .prepare('INSERT INTO blocks (height, hash, header, signature, tx_count) VALUES (?, ?, ?, ?, ?)')
        .run(block.header.height, block.hash, JSON.stringify(block.header), block.signature, block.txs.length);
      const insertTx = this.db.prepare('INSERT INTO transactions (hash, block_height, position, sender, recipient, nonce, body, signature) VALUES (?, ?, ?, ?, ?, ?, ?, ?)');
      block.txs.forEach((tx, position) =>
        insertTx.run(txHashes[position], block.header.height, position, tx.body.from, tx.body.type === 'transfer' ? tx.body.to : '', tx.body.nonce, JSON.stringify(tx.body), tx.signature),
      );
      const insertReceipt = this.db.prepare('INSERT INTO receipts (receipt_id, block_height, position, body) VALUES (?, ?, ?, ?)');
      blockReceipts(block).forEach((receipt, position) => insertReceipt.run(receipt.receipt_id, block.header.height, position, JSON.stringify(receipt)));
      const upsert = this.db.prepare('INSERT INTO accounts (address, balance, nonce) VALUES (?, ?, ?) ON CONFLICT (address) DO UPDATE SET balance = excluded.balance, nonce = excluded.nonce');
      for (const [address, account] of changed) upsert.run(address, account.balance, account.nonce);
    }).immediate();
  }

  close(): void {
    if (this.db.open) this.db.close();
  }
}
