// The node's storage: one SQLite file (WAL). A block, its transactions and the accounts it
// changed are written in one transaction, so a crash leaves either the whole block or none of it.
// Each block also records the account values it replaced, so that a block not yet final can be
// reverted (again in one transaction) when the network settles on a longer branch. Bonds and
// unbonding entries are state like accounts (with their own undo records); slashes are kept per
// block like receipts, and so is tx_parties, every address each transaction touches (the account
// histories).

import { fileURLToPath } from 'node:url';
import Database from 'better-sqlite3';
import { applyMigrations } from '@aitbc/protocol/node';
import type { Receipt } from '@aitbc/protocol';
import { blockReceipts, type Block, type BlockHeader } from '../block.ts';
import type { Vote } from '../consensus.ts';
import type { Account, Bond, SlashPayout, SlashRecord, StateChanges, StateReader, Unbonding } from '../state.ts';
import type { TreeNode } from '../state-tree.ts';
import { canonicalBody, type SignedTx } from '../tx.ts';
import { txEffects, txParties } from '../txs/registry.ts';

type Row = Record<string, unknown>;

export interface StoredTx {
  tx: SignedTx;
  hash: string;
  blockHeight: number;
  position: number;
}

/** A slash as stored: its record and where its transaction is. */
export interface StoredSlash extends SlashRecord {
  block_height: number;
  position: number;
}

/** A page of a list and the cursor of the next one (null: this was the last). */
export interface Page<T> {
  items: T[];
  next: string | null;
}

const toBond = (row: Row): Bond => ({ miner_key: row.miner_key as string, address: row.address as string, amount: row.amount as bigint });
const toUnbonding = (row: Row): Unbonding => ({ id: row.id as string, miner_key: row.miner_key as string, address: row.address as string, amount: row.amount as bigint, release_height: Number(row.release_height) });
const toNode = (row: Row): TreeNode =>
  row.kind === 'empty'
    ? { kind: 'empty' }
    : row.kind === 'branch'
      ? { kind: 'branch', hash: row.hash as string }
      : { kind: 'leaf', key: row.leaf_key as string, value_hash: row.value_hash as string, value: row.value as string, hash: row.hash as string };
/** Entries kept of the head's tree nodes and of its accounts: about the top 17 levels of a tree of 100,000 accounts. */
const HEAD_NODE_CACHE_LIMIT = 250_000;
const rowJson = (row: Bond | Unbonding) => JSON.stringify({ ...row, amount: row.amount.toString() });
const fromRowJson = <T extends Bond | Unbonding>(text: string): T => {
  const row = JSON.parse(text) as T & { amount: string };
  return { ...row, amount: BigInt(row.amount) };
};
const recordJson = (record: SlashRecord) =>
  JSON.stringify({ ...record, amount: record.amount.toString(), from_bond: record.from_bond.toString(), from_unbonding: record.from_unbonding.toString(), payouts: record.payouts.map((payout) => ({ ...payout, amount: payout.amount.toString() })) });
function toSlash(row: Row): StoredSlash {
  const record = JSON.parse(row.record as string) as Record<string, unknown> & { payouts: { address: string; amount: string; role: SlashPayout['role'] }[] };
  return {
    ...(record as unknown as SlashRecord),
    amount: BigInt(record.amount as string),
    from_bond: BigInt(record.from_bond as string),
    from_unbonding: BigInt(record.from_unbonding as string),
    payouts: record.payouts.map((payout) => ({ ...payout, amount: BigInt(payout.amount) })),
    block_height: Number(row.block_height),
    position: Number(row.position),
  };
}

/** Cursors are "<number>:<text>": a height and an id or position. */
function parseCursor(cursor: string | undefined): [number, string] | null {
  const match = cursor === undefined ? null : /^(\d{1,15}):(.+)$/.exec(cursor);
  return match ? [Number(match[1]), match[2]!] : null;
}

function page<T>(rows: T[], limit: number, cursorOf: (last: T) => string): Page<T> {
  const items = rows.slice(0, limit);
  return { items, next: rows.length > limit ? cursorOf(items.at(-1)!) : null };
}

export class ChainStore implements StateReader {
  readonly db: Database.Database;

  constructor(path: string) {
    this.db = new Database(path);
    this.db.pragma('journal_mode = WAL');
    this.db.pragma('synchronous = NORMAL');
    // As the coordinator's store: checkpoints every 40 MB of WAL rather than 4 MB (each one
    // writes back and syncs), and 64 MB of page cache, so a large chain's tree and account
    // indexes stay in memory between blocks.
    this.db.pragma('wal_autocheckpoint = 10000');
    this.db.pragma('cache_size = -65536');
    this.db.pragma('foreign_keys = ON');
    this.db.defaultSafeIntegers(true);
    applyMigrations(this.db, fileURLToPath(new URL('./migrations/', import.meta.url)));
  }

  private readonly statements = new Map<string, Database.Statement>();

  /** Statements are compiled once: import and admission run the same few queries constantly. */
  private sql(text: string): Database.Statement {
    let statement = this.statements.get(text);
    if (!statement) this.statements.set(text, (statement = this.db.prepare(text)));
    return statement;
  }

  /**
   * Inserts rows of `width` values each (`values`, flat) into `into` ("table (columns)"), many a
   * statement: a block writes hundreds of rows to a table, and running a statement costs about as
   * much as inserting a short row. Chunks of 64, 32, … 1 rows, so a table needs at most 7 statements.
   */
  private insertRows(into: string, width: number, values: unknown[]): void {
    const rowCount = values.length / width;
    for (let done = 0, chunk = 64; done < rowCount; chunk >>= 1) {
      for (; rowCount - done >= chunk; done += chunk) this.insertStatement(into, width, chunk).run(values.slice(done * width, (done + chunk) * width));
    }
  }

  private readonly inserts = new Map<string, Database.Statement>();
  private insertStatement(into: string, width: number, rows: number): Database.Statement {
    const key = `${into}|${rows}`;
    let statement = this.inserts.get(key);
    if (!statement) {
      const row = `(${new Array(width).fill('?').join(', ')})`;
      this.inserts.set(key, (statement = this.db.prepare(`INSERT INTO ${into} VALUES ${new Array(rows).fill(row).join(', ')}`)));
    }
    return statement;
  }

  getMeta(name: string): string | null {
    return (this.sql('SELECT value FROM meta WHERE name = ?').pluck().get(name) as string | undefined) ?? null;
  }

  setMeta(name: string, value: string): void {
    this.sql('INSERT INTO meta (name, value) VALUES (?, ?) ON CONFLICT (name) DO UPDATE SET value = excluded.value').run(name, value);
  }

  /** Accounts read or written at the head, like headNodes: admission, production and import each read the same ones. */
  private readonly headAccounts = new Map<string, Account>();

  account(address: string): Account {
    const known = this.headAccounts.get(address);
    if (known) return known;
    const row = this.sql('SELECT balance, nonce FROM accounts WHERE address = ?').get(address) as Row | undefined;
    const account = row ? { balance: row.balance as bigint, nonce: Number(row.nonce) } : { balance: 0n, nonce: 0 };
    this.rememberAccount(address, account);
    return account;
  }

  private rememberAccount(address: string, account: Account): void {
    if (this.headAccounts.size >= HEAD_NODE_CACHE_LIMIT) this.headAccounts.clear();
    this.headAccounts.set(address, account);
  }

  allAccounts(): Map<string, Account> {
    const accounts = new Map<string, Account>();
    for (const row of this.sql('SELECT address, balance, nonce FROM accounts').all() as Row[]) {
      accounts.set(row.address as string, { balance: row.balance as bigint, nonce: Number(row.nonce) });
    }
    return accounts;
  }

  /**
   * The head's tree nodes read so far, kept with the blocks written and dropped on a revert: a
   * block reads the same paths twice (production, then import) and its upper levels every time.
   */
  private readonly headNodes = new Map<string, TreeNode | null>();

  /** The state tree's node at `path` as of block `height` (default: the head); null if never written. */
  stateNode(path: string, height?: number): TreeNode | null {
    if (height === undefined && this.headNodes.has(path)) return this.headNodes.get(path)!;
    const row = this.sql('SELECT * FROM state_nodes WHERE path = ? AND height <= ? ORDER BY height DESC LIMIT 1').get(path, height ?? Number.MAX_SAFE_INTEGER) as Row | undefined;
    const node = row ? toNode(row) : null;
    if (height === undefined) this.rememberNode(path, node);
    return node;
  }

  private rememberNode(path: string, node: TreeNode | null): void {
    if (this.headNodes.size >= HEAD_NODE_CACHE_LIMIT) this.headNodes.clear();
    this.headNodes.set(path, node);
  }

  bond(minerKey: string): Bond | null {
    const row = this.sql('SELECT * FROM bonds WHERE miner_key = ?').get(minerKey) as Row | undefined;
    return row ? toBond(row) : null;
  }

  allBonds(): Bond[] {
    return (this.sql('SELECT * FROM bonds').all() as Row[]).map(toBond);
  }

  unbondingsOfKey(minerKey: string): Unbonding[] {
    return (this.sql('SELECT * FROM unbondings WHERE miner_key = ? ORDER BY release_height, id').all(minerKey) as Row[]).map(toUnbonding);
  }

  /** Asked by every transaction admitted (for the next height), so kept until the state changes. */
  private due: { height: number; entries: Unbonding[] } | null = null;

  unbondingsDue(height: number): Unbonding[] {
    if (this.due?.height !== height) this.due = { height, entries: (this.sql('SELECT * FROM unbondings WHERE release_height <= ? ORDER BY release_height, id').all(height) as Row[]).map(toUnbonding) };
    return [...this.due.entries];
  }

  allUnbondings(): Unbonding[] {
    return (this.sql('SELECT * FROM unbondings').all() as Row[]).map(toUnbonding);
  }

  /** What an address has bonded and has unbonding, over all its keys (µAIT). */
  bondTotals(address: string): { bonded: bigint; unbonding: bigint } {
    const bonded = this.sql('SELECT COALESCE(SUM(amount), 0) FROM bonds WHERE address = ?').pluck().get(address) as bigint;
    const unbonding = this.sql('SELECT COALESCE(SUM(amount), 0) FROM unbondings WHERE address = ?').pluck().get(address) as bigint;
    return { bonded, unbonding };
  }

  /** An address's bonds by miner key; the cursor is the last key of the previous page. */
  bondsOf(address: string, limit: number, after?: string): Page<Bond> {
    const rows = this.sql('SELECT * FROM bonds WHERE address = ? AND miner_key > ? ORDER BY miner_key LIMIT ?').all(address, after ?? '', limit + 1) as Row[];
    return page(rows.map(toBond), limit, (last) => last.miner_key);
  }

  /** An address's unbonding entries, soonest release first; the cursor is "<release_height>:<id>". */
  unbondingsOf(address: string, limit: number, after?: string): Page<Unbonding> {
    const [height, id] = parseCursor(after) ?? [-1, ''];
    const rows = this.sql('SELECT * FROM unbondings WHERE address = ? AND (release_height, id) > (?, ?) ORDER BY release_height, id LIMIT ?').all(address, height, id, limit + 1) as Row[];
    return page(rows.map(toUnbonding), limit, (last) => `${last.release_height}:${last.id}`);
  }

  /** Slashes of the bonds of an address, newest first; the cursor is "<block_height>:<position>". */
  slashesOf(address: string, limit: number, before?: string): Page<StoredSlash> {
    const [height, position] = parseCursor(before) ?? [Number.MAX_SAFE_INTEGER, '0'];
    const rows = this.sql('SELECT * FROM slashes WHERE bond_address = ? AND (block_height, position) < (?, ?) ORDER BY block_height DESC, position DESC LIMIT ?').all(address, height, Number(position), limit + 1) as Row[];
    return page(rows.map(toSlash), limit, (last) => `${last.block_height}:${last.position}`);
  }

  /** The slash of a receipt, if any. */
  receiptSlash(receiptId: string): StoredSlash | null {
    const row = this.sql('SELECT * FROM slashes WHERE receipt_id = ?').get(receiptId) as Row | undefined;
    return row ? toSlash(row) : null;
  }

  private toBlock(row: Row): Block {
    const height = Number(row.height);
    const txs = (this.sql('SELECT body, signature FROM transactions WHERE block_height = ? ORDER BY position').all(height) as Row[]).map((tx) => ({
      body: JSON.parse(tx.body as string),
      signature: tx.signature as string,
    }));
    return { header: JSON.parse(row.header as string) as BlockHeader, hash: row.hash as string, signature: row.signature as string, txs };
  }

  head(): Block | null {
    const row = this.sql('SELECT * FROM blocks ORDER BY height DESC LIMIT 1').get() as Row | undefined;
    return row ? this.toBlock(row) : null;
  }

  blockAt(height: number): Block | null {
    const row = this.sql('SELECT * FROM blocks WHERE height = ?').get(height) as Row | undefined;
    return row ? this.toBlock(row) : null;
  }

  /** Up to `limit` consecutive blocks from `from`. */
  blockRange(from: number, limit: number): Block[] {
    return (this.sql('SELECT * FROM blocks WHERE height >= ? ORDER BY height LIMIT ?').all(from, limit) as Row[]).map((row) => this.toBlock(row));
  }

  /** The height of a stored block, or null. */
  heightOf(hash: string): number | null {
    const height = this.sql('SELECT height FROM blocks WHERE hash = ?').pluck().get(hash) as bigint | undefined;
    return height === undefined ? null : Number(height);
  }

  hashAt(height: number): string | null {
    return (this.sql('SELECT hash FROM blocks WHERE height = ?').pluck().get(height) as string | undefined) ?? null;
  }

  blockByHash(hash: string): Block | null {
    const row = this.sql('SELECT * FROM blocks WHERE hash = ?').get(hash) as Row | undefined;
    return row ? this.toBlock(row) : null;
  }

  /** Whether a block holds the transaction (cheaper than `tx`: nothing parsed). */
  hasTx(hash: string): boolean {
    return this.sql('SELECT 1 FROM transactions WHERE hash = ?').pluck().get(hash) !== undefined;
  }

  /**
   * hasTx for a transaction of `sender` with `nonce`, looked up only if it could be in a block: a
   * stored transaction took its sender's nonce (the next one goes up by one; a reverted block takes
   * its transactions and its nonces back), so one whose nonce the sender has not used at the head
   * is in none. Admission asks for every transaction, mostly new ones.
   */
  holdsTx(hash: string, sender: string, nonce: number): boolean {
    return nonce < this.account(sender).nonce && this.hasTx(hash);
  }

  tx(hash: string): StoredTx | null {
    const row = this.sql('SELECT * FROM transactions WHERE hash = ?').get(hash) as Row | undefined;
    if (!row) return null;
    return { tx: { body: JSON.parse(row.body as string), signature: row.signature as string }, hash, blockHeight: Number(row.block_height), position: Number(row.position) };
  }

  /** A settled receipt and the block that holds it. */
  receipt(receiptId: string): { receipt: Receipt; blockHeight: number } | null {
    const row = this.sql('SELECT body, block_height FROM receipts WHERE receipt_id = ?').get(receiptId) as Row | undefined;
    return row ? { receipt: JSON.parse(row.body as string) as Receipt, blockHeight: Number(row.block_height) } : null;
  }

  /** The anchor_proof transaction that proved a receipt, if any. */
  receiptProof(receiptId: string): { txHash: string; blockHeight: number } | null {
    const row = this.sql('SELECT tx_hash, block_height FROM receipt_proofs WHERE receipt_id = ?').get(receiptId) as Row | undefined;
    return row ? { txHash: row.tx_hash as string, blockHeight: Number(row.block_height) } : null;
  }

  /** Transactions that touch an address (tx_parties: sent, received or paid by), newest first, each once, with their block's time (epoch ms). */
  txsOf(address: string, limit: number): (StoredTx & { blockTime: number })[] {
    const rows = this.sql(
      "SELECT tx.*, json_extract(block.header, '$.timestamp') AS block_time FROM tx_parties party JOIN transactions tx ON tx.block_height = party.block_height AND tx.position = party.position JOIN blocks block ON block.height = tx.block_height WHERE party.address = ? ORDER BY party.block_height DESC, party.position DESC LIMIT ?",
    ).all(address, limit) as Row[];
    return rows.map((row) => ({
      tx: { body: JSON.parse(row.body as string), signature: row.signature as string },
      hash: row.hash as string,
      blockHeight: Number(row.block_height),
      blockTime: Number(row.block_time),
      position: Number(row.position),
    }));
  }

  /** Writes a validated block and the state it changed, all or nothing. */
  commit(block: Block, txHashes: string[], changes: StateChanges): void {
    this.db.transaction(() => {
      this.sql('INSERT INTO blocks (height, hash, header, signature, tx_count) VALUES (?, ?, ?, ?, ?)').run(block.header.height, block.hash, JSON.stringify(block.header), block.signature, block.txs.length);
      // Receipts are numbered across the block, in the order of receipt_root; proofs name earlier blocks' receipts.
      const insertReceipt = this.sql('INSERT INTO receipts (receipt_id, block_height, position, body) VALUES (?, ?, ?, ?)');
      blockReceipts(block).forEach((receipt, position) => insertReceipt.run(receipt.receipt_id, block.header.height, position, JSON.stringify(receipt)));
      const insertProof = this.sql('INSERT INTO receipt_proofs (receipt_id, tx_hash, block_height) VALUES (?, ?, ?)');
      const slashByTx = new Map(changes.slashes.map((record) => [record.tx_hash, record]));
      const height = block.header.height;
      const txRows: unknown[] = [];
      const partyRows: unknown[] = [];
      block.txs.forEach((tx, position) => {
        const outcome = { slash: slashByTx.get(txHashes[position]!) };
        const effects = txEffects(tx.body, outcome);
        txRows.push(txHashes[position], height, position, tx.body.from, effects.recipient ?? '', tx.body.nonce, canonicalBody(tx.body), tx.signature);
        for (const address of txParties(tx.body, outcome)) partyRows.push(address, height, position);
        for (const receiptId of effects.proves ?? []) insertProof.run(receiptId, txHashes[position], height);
      });
      this.insertRows('transactions (hash, block_height, position, sender, recipient, nonce, body, signature)', 8, txRows);
      this.insertRows('tx_parties (address, block_height, position)', 3, partyRows);
      const upsert = this.sql('INSERT INTO accounts (address, balance, nonce) VALUES (?, ?, ?) ON CONFLICT (address) DO UPDATE SET balance = excluded.balance, nonce = excluded.nonce');
      const before = this.sql('SELECT balance, nonce FROM accounts WHERE address = ?');
      const undo = this.sql('INSERT INTO block_undo (height, address, balance, nonce) VALUES (?, ?, ?, ?)');
      // Genesis is never reverted: its allocations need no undo rows.
      for (const [address, account] of changes.changed) {
        if (height > 0) {
          const previous = before.get(address) as Row | undefined;
          undo.run(height, address, previous?.balance ?? null, previous?.nonce ?? null);
        }
        upsert.run(address, account.balance, account.nonce);
      }
      this.writeBonds(block.header.height, changes);
      const nodeRows: unknown[] = [];
      for (const [path, node] of changes.treeNodes) {
        if (node.kind === 'leaf') nodeRows.push(path, height, 'leaf', node.hash, node.key, node.value_hash, node.value);
        else nodeRows.push(path, height, node.kind, node.kind === 'branch' ? node.hash : null, null, null, null);
      }
      this.insertRows('state_nodes (path, height, kind, hash, leaf_key, value_hash, value)', 7, nodeRows);
      const insertSlash = this.sql('INSERT INTO slashes (receipt_id, tx_hash, block_height, position, miner_key, bond_address, record) VALUES (?, ?, ?, ?, ?, ?, ?)');
      for (const record of changes.slashes) {
        insertSlash.run(record.receipt_id, record.tx_hash, block.header.height, txHashes.indexOf(record.tx_hash), record.miner_key, record.bond_address, recordJson(record));
      }
    }).immediate();
    this.due = null;
    for (const [path, node] of changes.treeNodes) this.rememberNode(path, node);
    for (const [address, account] of changes.changed) this.rememberAccount(address, account);
  }

  /** Bond and unbonding rows as the block left them, each with the row it replaced. */
  private writeBonds(height: number, changes: StateChanges): void {
    const undo = this.sql('INSERT INTO bond_undo (height, kind, id, row) VALUES (?, ?, ?, ?)');
    for (const [key, bond] of changes.changedBonds) {
      const previous = this.bond(key);
      undo.run(height, 'bonds', key, previous && rowJson(previous));
      this.putBondRow(key, bond);
    }
    const unbonding = this.sql('SELECT * FROM unbondings WHERE id = ?');
    for (const [id, entry] of changes.changedUnbondings) {
      const previous = unbonding.get(id) as Row | undefined;
      undo.run(height, 'unbondings', id, previous ? rowJson(toUnbonding(previous)) : null);
      this.putUnbondingRow(id, entry);
    }
  }

  private putBondRow(key: string, bond: Bond | null): void {
    if (!bond) this.sql('DELETE FROM bonds WHERE miner_key = ?').run(key);
    else this.sql('INSERT INTO bonds (miner_key, address, amount) VALUES (?, ?, ?) ON CONFLICT (miner_key) DO UPDATE SET address = excluded.address, amount = excluded.amount').run(key, bond.address, bond.amount);
  }

  private putUnbondingRow(id: string, entry: Unbonding | null): void {
    if (!entry) this.sql('DELETE FROM unbondings WHERE id = ?').run(id);
    else
      this.sql('INSERT INTO unbondings (id, miner_key, address, amount, release_height) VALUES (?, ?, ?, ?, ?) ON CONFLICT (id) DO UPDATE SET amount = excluded.amount')
        .run(id, entry.miner_key, entry.address, entry.amount, entry.release_height);
  }

  /** Removes the head block and restores the accounts it changed; returns the removed block. */
  revertHead(): Block {
    return this.db.transaction(() => {
      const head = this.head();
      if (!head || head.header.height === 0) throw new Error('the genesis block cannot be reverted');
      const height = head.header.height;
      const restore = this.sql('INSERT INTO accounts (address, balance, nonce) VALUES (?, ?, ?) ON CONFLICT (address) DO UPDATE SET balance = excluded.balance, nonce = excluded.nonce');
      const remove = this.sql('DELETE FROM accounts WHERE address = ?');
      for (const row of this.sql('SELECT address, balance, nonce FROM block_undo WHERE height = ?').all(height) as Row[]) {
        if (row.balance === null) remove.run(row.address);
        else restore.run(row.address, row.balance, row.nonce);
      }
      this.sql('DELETE FROM block_undo WHERE height = ?').run(height);
      for (const row of this.sql('SELECT kind, id, row FROM bond_undo WHERE height = ?').all(height) as Row[]) {
        const previous = row.row as string | null;
        if (row.kind === 'bonds') this.putBondRow(row.id as string, previous === null ? null : fromRowJson<Bond>(previous));
        else this.putUnbondingRow(row.id as string, previous === null ? null : fromRowJson<Unbonding>(previous));
      }
      this.sql('DELETE FROM bond_undo WHERE height = ?').run(height);
      this.sql('DELETE FROM state_nodes WHERE height = ?').run(height);
      this.sql('DELETE FROM slashes WHERE block_height = ?').run(height);
      this.sql('DELETE FROM receipt_proofs WHERE block_height = ?').run(height);
      this.sql('DELETE FROM tx_parties WHERE block_height = ?').run(height);
      this.sql('DELETE FROM receipts WHERE block_height = ?').run(height);
      this.sql('DELETE FROM transactions WHERE block_height = ?').run(height);
      this.sql('DELETE FROM blocks WHERE height = ?').run(height);
      this.headNodes.clear();
      this.headAccounts.clear();
      this.due = null;
      return head;
    }).immediate();
  }

  /** Final blocks are never reverted, so their undo records can go. */
  dropUndoThrough(height: number): void {
    this.sql('DELETE FROM block_undo WHERE height <= ?').run(height);
    this.sql('DELETE FROM bond_undo WHERE height <= ?').run(height);
  }

  votes(): Vote[] {
    return (this.sql('SELECT authority, height, hash, signature FROM votes').all() as Row[]).map((row) => ({
      authority: row.authority as string,
      height: Number(row.height),
      hash: row.hash as string,
      signature: row.signature as string,
    }));
  }

  putVote(vote: Vote): void {
    this.sql('INSERT INTO votes (authority, height, hash, signature) VALUES (?, ?, ?, ?) ON CONFLICT (authority) DO UPDATE SET height = excluded.height, hash = excluded.hash, signature = excluded.signature')
      .run(vote.authority, vote.height, vote.hash, vote.signature);
  }

  close(): void {
    if (this.db.open) this.db.close();
  }
}
