// @aitbc/protocol/node: the Node-only parts (OpenSSL crypto, key files, migrations; the servers' HTTP edge is @aitbc/server-edge). Browsers use index.ts.
export { nodeBackend, useNodeCrypto } from './node-crypto.ts';
export { loadOrCreateKeyFile } from './key-file.ts';
export { applyMigrations, migrationFiles, type MigratableDatabase } from './migrations.ts';

export { Ed25519Threads, MIN_THREAD_BATCH, ed25519Threads, type VerifyItem } from './ed25519-threads.ts';
