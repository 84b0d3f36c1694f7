// @aitbc/protocol/node: the Node-only parts (OpenSSL crypto, key files, the servers' HTTP edge). Browsers use index.ts.
export { nodeBackend, useNodeCrypto } from './node-crypto.ts';
export { loadOrCreateKeyFile } from './key-file.ts';
export { applyMigrations, migrationFiles, type MigratableDatabase } from './migrations.ts';
export { EDGE_TIMEOUT_DEFAULTS, answerWebSocketHandshakeError, closeAnsweredUpgrade, upgradeOnPlainRouteError, MAX_JSON_DEPTH, MAX_PATH_PARAM_CHARS, clientErrorHandler, clientErrorOf, edgeError, edgeServerOptions, fieldOfJsonPath, installJsonBodyParser, jsonBodyProblem, nulError, parseJsonBody, rawHttpError, refusePlainHttpOnWebSocketRoute, toOpenApi303, type BodyRules, type EdgeLimits } from './http-edge.ts';

