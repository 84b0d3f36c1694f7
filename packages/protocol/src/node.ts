// @aitbc/protocol/node: the Node-only parts (OpenSSL crypto, key files, migrations; the servers' HTTP edge is @aitbc/server-edge). Browsers use index.ts.
export { nodeBackend, useNodeCrypto } from './node-crypto.ts';
export { loadOrCreateKeyFile } from './key-file.ts';
export { applyMigrations, migrationFiles, type MigratableDatabase } from './migrations.ts';

