// @aitbc/protocol/node: the Node-only parts (OpenSSL crypto, key files). Browsers use index.ts.
export { nodeBackend, useNodeCrypto } from './node-crypto.ts';
export { loadOrCreateKeyFile } from './key-file.ts';
export { applyMigrations, type MigratableDatabase } from './migrations.ts';
