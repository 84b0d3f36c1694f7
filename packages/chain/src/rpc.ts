// The node's HTTP RPC, on paths tools can rely on: head, authorities and their votes, blocks by height or hash (with their
// transactions) and by range (sync), transactions, submit, mempool, accounts, receipts, and WS
// /rpc/ws subscriptions, and bonds, unbondings and slashes per address and per receipt. Peers gossip at /p2p. Errors use the same envelope as the coordinator
// ({detail, error_code, request_id, field?}) with the chain's own codes: BLOCK_NOT_FOUND,
// TX_NOT_FOUND, RECEIPT_NOT_FOUND (404, also for a receipt never slashed); a refused transaction or block has its CHAIN_TX_* or
// CHAIN_BLOCK_* code (errors.ts) and the envelope adds its typed `context`; besides,
// VALIDATION_INVALID_FORMAT (422), ROUTE_NOT_FOUND (404), PAYLOAD_TOO_LARGE (413),
// SYSTEM_INTERNAL_ERROR (500). The edge (body parsing, timers, malformed HTTP) is the
// coordinator's: `@aitbc/protocol/node`.

import Fastify, { type FastifyInstance, type FastifyReply, type FastifyRequest } from 'fastify';
import swagger from '@fastify/swagger';
import websocket from '@fastify/websocket';
import { ApiError, ERROR_CATALOGUE, addressFromPublicKey, base64urlDecode, formatAmount, isValidAddress, newId, stateKey } from '@aitbc/protocol';
import { EDGE_TIMEOUT_DEFAULTS, answerWebSocketHandshakeError, closeAnsweredUpgrade, upgradeOnPlainRouteError, edgeError, edgeServerOptions, installJsonBodyParser, refusePlainHttpOnWebSocketRoute, toOpenApi303, type EdgeLimits } from '@aitbc/server-edge';
import { installCors, installWebApp, type WebFallback } from '@aitbc/server-edge';
import { finalityThreshold } from './consensus.ts';
import { BlockRejectedError, TxRejectedError } from './errors.ts';
import type { ChainNode } from './node.ts';
import type { Gossip } from './p2p.ts';
import { proveKey } from './state-tree.ts';
import { registerMetricsRoute } from './metrics.ts';
import { refuseUpgradeWhenFull } from './sockets.ts';
import { WHOLE_TX_FIELD } from './txs/registry.ts';
import { Subscriptions, type SubscriptionLimits } from './subscriptions.ts';
import { blockView, bondView, slashView, unbondingView } from './views.ts';
import { BLOCK_RANGE_MAX, BOND_PAGE_MAX, CHAIN_RPC, ErrorEnvelope, MAX_BATCH_TXS, type ChainRoute } from '@aitbc/protocol/wire';

// The limits are part of the contract: the wire's.
export { BLOCK_RANGE_MAX, BOND_PAGE_MAX };

/** Blocks come whole in one body; 16 MiB is far above any block the mempool limits allow. */
export const RPC_BODY_LIMIT_BYTES = 16 * 1024 * 1024;

class RpcError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    detail: string,
    readonly field?: string,
    readonly extras: { context?: object; retryAfterSeconds?: number } = {},
  ) {
    super(detail);
  }

  static from(error: ApiError): RpcError {
    return new RpcError(error.status, error.code, error.message, error.field);
  }

  /** A refused transaction or block: its code's status, and its context; a 503 says when to retry. */
  static refusal(error: TxRejectedError | BlockRejectedError, retryAfterSeconds: number): RpcError {
    const status = ERROR_CATALOGUE[error.code].status;
    return new RpcError(status, error.code, error.message, error.field, { context: error.context, ...(status === 503 ? { retryAfterSeconds } : {}) });
  }
}

/** The error envelope of `rpc`; `itemPath` (`transactions.<i>`) places its field under a batch item. */
function envelopeOf(rpc: RpcError, requestId: string, itemPath?: string): ErrorEnvelope {
  const field = rpc.field && itemPath ? (rpc.field === WHOLE_TX_FIELD ? itemPath : `${itemPath}.${rpc.field}`) : rpc.field;
  return {
    detail: rpc.message,
    error_code: rpc.code,
    request_id: requestId,
    ...(field ? { field } : {}),
    ...(rpc.extras.retryAfterSeconds === undefined ? {} : { retry_after: rpc.extras.retryAfterSeconds }),
    ...(rpc.extras.context ? { context: rpc.extras.context } : {}),
  };
}

function sendRpcError(request: FastifyRequest, reply: FastifyReply, rpc: RpcError, cause?: unknown): FastifyReply {
  if (rpc.status === 500) request.log.error({ err: cause }, 'rpc failure');
  return reply.code(rpc.status).header('X-Request-ID', request.id).send(envelopeOf(rpc, request.id));
}

/** RpcErrors as they are; framework and canonicalization errors by the shared edge mapping; the rest is a bug. */
function rpcErrorOf(error: unknown, request: FastifyRequest, limits: EdgeLimits): RpcError {
  if (error instanceof RpcError) return error;
  const mapped = edgeError(error, limits);
  return mapped ? RpcError.from(mapped) : new RpcError(500, 'SYSTEM_INTERNAL_ERROR', `Unexpected node error; report request id ${request.id}`);
}


// Response schemas are the wire's (@aitbc/protocol/wire): the serializer sends exactly their
// fields, and /rpc/openapi.json documents every success with them.
const errors = (...codes: [number, string][]) => Object.fromEntries(codes.map(([status, description]) => [status, { ...ErrorEnvelope, description }]));
/**
 * For the routes that carry whole transactions and blocks: their schemas document the answer (and
 * test/rpc-schemas.test.ts shows they hold every field), but JSON.stringify writes it. The
 * schema-driven serializer took 330 ms against JSON.stringify's 50 ms for a 13 MB sync page (100
 * blocks of 50 transfers and a 50-receipt settle; 240 ms with the bodies left open, so not only
 * for picking each body's type by validating it): time the node's event loop needs for blocks.
 */
const AS_JSON = { serializerCompiler: () => (data: unknown) => JSON.stringify(data) };

/**
 * A route's schema from its wire definition (its summary, parameters and success answer) and the
 * errors this node answers it with. Request bodies are left to the node's own checks, which name
 * the first wrong field with the chain's codes.
 */
const schemaOf = (route: ChainRoute, ...codes: [number, string][]) => ({
  summary: route.summary,
  ...(route.params ? { params: route.params } : {}),
  ...(route.query ? { querystring: route.query } : {}),
  response: { [route.status]: route.response, ...errors(...codes) },
});
const R = CHAIN_RPC;

export interface RpcOptions {
  gossip?: Gossip;
  /** Body limit and header/body timers (defaults: 16 MiB, EDGE_TIMEOUT_DEFAULTS). */
  limits?: Partial<EdgeLimits>;
  /** Bounds on WS /rpc/ws subscribers (count, unread bytes each). */
  subscriptions?: SubscriptionLimits;
  log?: (event: Record<string, unknown>) => void;
  /** Origins allowed to call from a browser (CORS): none → no CORS headers; ['*'] → any. */
  corsOrigins?: readonly string[];
  /** The built web app served at / (undefined: packages/web/dist as installed; null: no web app at all). */
  webDir?: string | null;
  /** The coordinator the web app should use (/web-config.json); read per request, as devnet starts it after the node. */
  coordinatorUrl?: () => string | null;
}

export async function buildRpc(node: ChainNode, options: RpcOptions = {}): Promise<FastifyInstance> {
  const limits: EdgeLimits = { bodyLimitBytes: RPC_BODY_LIMIT_BYTES, ...EDGE_TIMEOUT_DEFAULTS, ...options.limits };
  const app = Fastify({
    logger: false,
    genReqId: () => newId('req'),
    // Body limit, header and body timers, malformed HTTP and router errors: all in the envelope.
    ...edgeServerOptions(limits),
    frameworkErrors: (error, request, reply) => sendRpcError(request, reply, rpcErrorOf(error, request, limits), error),
  });
  // Before the websocket plugin's own hook: a plain GET on /rpc/ws or /p2p gets a 422, not an empty 404.
  app.addHook('onRoute', (route) => refusePlainHttpOnWebSocketRoute(route));
  // Before any plugin: a plugin's routes keep the error handler set when it registered.
  app.setErrorHandler((error, request, reply) => sendRpcError(request, reply, rpcErrorOf(error, request, limits), error));
  // Unknown page paths get the web app, once it is installed below.
  let webFallback: WebFallback | null = null;
  app.setNotFoundHandler(
    (request, reply) =>
      webFallback?.(request, reply) ?? sendRpcError(request, reply, new RpcError(404, 'ROUTE_NOT_FOUND', `No route ${request.method} ${request.url.split('?')[0]}; see /rpc/openapi.json for the RPC paths`)),
  );
  // Before the node's other hooks, so that every answer a browser gets (refusals too) has its CORS headers.
  await installCors(app, options.corsOrigins ?? []);
  // One ws server carries both paths: the peers' cap (a block) here; subscribers get a lower one.
  await app.register(websocket, { options: { maxPayload: options.gossip?.maxMessageBytes ?? 4096 } });
  app.websocketServer.on('wsClientError', answerWebSocketHandshakeError);
  const subscriptions = new Subscriptions(node, options.subscriptions, options.log);
  // A full mempool has room again once a block is made.
  const retryAfterSeconds = Math.max(1, Math.ceil(node.genesis.block_interval_ms / 1000));
  await app.register(swagger, {
    openapi: { info: { title: 'AITBC chain node RPC', version: '0.1.0', description: 'Amounts are decimal strings of AITBC. Errors use the coordinator envelope.' } },
    transformObject: (document) => toOpenApi303('openapiObject' in document ? document.openapiObject : document.swaggerObject),
  });
  // Bodies are JSON whatever their Content-Type; unpaired surrogates and absurd nesting are refused here.
  installJsonBodyParser(app);
  app.addHook('onRequest', async (request, reply) => {
    reply.header('X-Request-ID', request.id);
    const upgradeError = upgradeOnPlainRouteError(request);
    if (upgradeError) throw RpcError.from(upgradeError);
  });
  app.addHook('onResponse', async (request) => closeAnsweredUpgrade(request));

  app.get(R.head.url, { schema: schemaOf(R.head) }, async () => {
    const head = node.head();
    const final = node.finalized();
    return {
      chain_id: node.genesis.chain_id,
      height: head.header.height,
      hash: head.hash,
      timestamp: head.header.timestamp,
      state_root: head.header.state_root,
      finalized_height: final.height,
      finalized_hash: final.hash,
    };
  });

  app.get(R.authorities.url, { schema: schemaOf(R.authorities) }, async () => {
    const votes = new Map(node.votes().map((vote) => [vote.authority, vote]));
    const final = node.finalized();
    return {
      chain_id: node.genesis.chain_id,
      block_interval_ms: node.genesis.block_interval_ms,
      finality_threshold: finalityThreshold(node.genesis.authorities.length),
      head_height: node.head().header.height,
      finalized_height: final.height,
      finalized_hash: final.hash,
      authorities: node.genesis.authorities.map((publicKey, position) => ({
        position,
        public_key: publicKey,
        address: addressFromPublicKey(base64urlDecode(publicKey)),
        voted_height: votes.get(publicKey)?.height ?? null,
        voted_hash: votes.get(publicKey)?.hash ?? null,
      })),
    };
  });

  app.get<{ Querystring: { from?: string; limit?: string } }>(
    R.blocks.url,
    { ...AS_JSON, schema: schemaOf(R.blocks, [422, '`VALIDATION_INVALID_FORMAT`']) },
    async (request) => {
      const from = Number(request.query.from ?? 0);
      const limit = Number(request.query.limit ?? BLOCK_RANGE_MAX);
      if (!Number.isSafeInteger(from) || from < 0) throw new RpcError(422, 'VALIDATION_INVALID_FORMAT', 'from must be a block height (0 or more)', 'from');
      if (!Number.isSafeInteger(limit) || limit < 1 || limit > BLOCK_RANGE_MAX) throw new RpcError(422, 'VALIDATION_INVALID_FORMAT', `limit must be 1–${BLOCK_RANGE_MAX}`, 'limit');
      return { blocks: node.store.blockRange(from, limit).map(blockView) };
    },
  );

  app.get<{ Params: { id: string } }>(R.block.url, { ...AS_JSON, schema: schemaOf(R.block, [404, '`BLOCK_NOT_FOUND`']) }, async (request) => {
    const { id } = request.params;
    const block = /^\d{1,15}$/.test(id) ? node.store.blockAt(Number(id)) : node.store.blockByHash(id);
    if (!block) throw new RpcError(404, 'BLOCK_NOT_FOUND', `No block ${id} (head is at height ${node.head().header.height})`);
    return blockView(block);
  });

  app.get<{ Params: { hash: string } }>(R.tx.url, { ...AS_JSON, schema: schemaOf(R.tx, [404, '`TX_NOT_FOUND`']) }, async (request) => {
    const stored = node.store.tx(request.params.hash);
    if (stored) return { hash: stored.hash, status: 'included', final: stored.blockHeight <= node.finalized().height, block_height: stored.blockHeight, position: stored.position, ...stored.tx };
    const pending = node.pendingTx(request.params.hash);
    if (pending) return { hash: request.params.hash, status: 'pending', final: false, block_height: null, position: null, ...pending };
    throw new RpcError(404, 'TX_NOT_FOUND', `No transaction ${request.params.hash} in a block or the mempool`);
  });

  app.post(R.submitTx.url, { schema: schemaOf(R.submitTx, [422, 'A `CHAIN_TX_*` code with the reason, `field` and `context`, or `VALIDATION_INVALID_FORMAT`'], [503, '`CHAIN_TX_MEMPOOL_FULL`, with `retry_after`']) }, async (request, reply) => {
    try {
      const hash = node.submit(request.body);
      return reply.code(202).send({ hash, status: 'pending' });
    } catch (error) {
      if (error instanceof TxRejectedError) throw RpcError.refusal(error, retryAfterSeconds);
      throw error;
    }
  });

  app.post(R.submitTxs.url, { schema: schemaOf(R.submitTxs, [422, '`VALIDATION_INVALID_FORMAT`: not 1–' + MAX_BATCH_TXS + ' transactions']) }, async (request) => {
    const transactions = (request.body as { transactions?: unknown } | null)?.transactions;
    if (!Array.isArray(transactions) || transactions.length === 0 || transactions.length > MAX_BATCH_TXS) {
      throw new RpcError(422, 'VALIDATION_INVALID_FORMAT', `Send {"transactions": [...]} with 1 to ${MAX_BATCH_TXS} signed transactions`, 'transactions');
    }
    const outcomes = await node.submitMany(transactions);
    return {
      results: outcomes.map((outcome, i) =>
        typeof outcome === 'string' ? { hash: outcome, status: 'pending' } : { error: envelopeOf(RpcError.refusal(outcome, retryAfterSeconds), request.id, `transactions.${i}`) },
      ),
    };
  });

  app.get(R.mempool.url, { ...AS_JSON, schema: schemaOf(R.mempool) }, async () => ({ transactions: node.pendingEntries().map(([hash, tx]) => ({ hash, ...tx })) }));

  app.get<{ Params: { address: string } }>(R.account.url, { schema: schemaOf(R.account, [422, '`VALIDATION_INVALID_FORMAT`']) }, async (request) => {
    const { address } = request.params;
    if (!isValidAddress(address)) throw new RpcError(422, 'VALIDATION_INVALID_FORMAT', `${address} is not an ait1… address`, 'address');
    const totals = node.store.bondTotals(address);
    return { address, ...node.balanceOf(address), bonded: formatAmount(totals.bonded), unbonding: formatAmount(totals.unbonding) };
  });

  app.get<{ Params: { address: string }; Querystring: { limit?: string; bonds_after?: string; unbondings_after?: string; slashes_before?: string } }>(
    R.bonds.url,
    { schema: schemaOf(R.bonds, [422, '`VALIDATION_INVALID_FORMAT`']) },
    async (request) => {
      const { address } = request.params;
      if (!isValidAddress(address)) throw new RpcError(422, 'VALIDATION_INVALID_FORMAT', `${address} is not an ait1… address`, 'address');
      const { limit: limitText, bonds_after: bondsAfter, unbondings_after: unbondingsAfter, slashes_before: slashesBefore } = request.query;
      const limit = Number(limitText ?? BOND_PAGE_MAX);
      if (!Number.isSafeInteger(limit) || limit < 1 || limit > BOND_PAGE_MAX) throw new RpcError(422, 'VALIDATION_INVALID_FORMAT', `limit must be 1–${BOND_PAGE_MAX}`, 'limit');
      for (const [name, cursor] of [['unbondings_after', unbondingsAfter], ['slashes_before', slashesBefore]] as const) {
        if (cursor !== undefined && !/^\d{1,15}:.{1,128}$/.test(cursor)) throw new RpcError(422, 'VALIDATION_INVALID_FORMAT', `${name} must be the cursor of a previous page`, name);
      }
      const totals = node.store.bondTotals(address);
      const bonds = node.store.bondsOf(address, limit, bondsAfter);
      const unbondings = node.store.unbondingsOf(address, limit, unbondingsAfter);
      const slashes = node.store.slashesOf(address, limit, slashesBefore);
      return {
        address,
        bonded: formatAmount(totals.bonded),
        unbonding: formatAmount(totals.unbonding),
        bonds: { items: bonds.items.map(bondView), next: bonds.next },
        unbondings: { items: unbondings.items.map(unbondingView), next: unbondings.next },
        slashes: { items: slashes.items.map((slash) => slashView(slash, node.store)), next: slashes.next },
      };
    },
  );

  app.get<{ Params: { receipt_id: string } }>(
    R.slash.url,
    { schema: schemaOf(R.slash, [404, '`RECEIPT_NOT_FOUND`']) },
    async (request) => {
      const slash = node.store.receiptSlash(request.params.receipt_id);
      if (!slash) throw new RpcError(404, 'RECEIPT_NOT_FOUND', `Receipt ${request.params.receipt_id} was not slashed on this chain`);
      return slashView(slash, node.store);
    },
  );

  app.get<{ Params: { id: string } }>(R.receipt.url, { schema: schemaOf(R.receipt, [404, '`RECEIPT_NOT_FOUND`']) }, async (request) => {
    const found = node.store.receipt(request.params.id);
    if (!found) throw new RpcError(404, 'RECEIPT_NOT_FOUND', `Receipt ${request.params.id} is not settled on this chain`);
    const proof = node.store.receiptProof(request.params.id);
    return { receipt: found.receipt, block_height: found.blockHeight, proven: proof !== null, proof_tx_hash: proof?.txHash ?? null, proof_block_height: proof?.blockHeight ?? null };
  });

  app.get<{ Params: { address: string }; Querystring: { height?: string } }>(
    R.accountProof.url,
    { ...AS_JSON, schema: schemaOf(R.accountProof, [404, '`BLOCK_NOT_FOUND`'], [422, '`VALIDATION_INVALID_FORMAT`']) },
    async (request) => {
      const { address } = request.params;
      if (!isValidAddress(address)) throw new RpcError(422, 'VALIDATION_INVALID_FORMAT', `${address} is not an ait1… address`, 'address');
      const { height: asked } = request.query;
      if (asked !== undefined && !/^\d{1,15}$/.test(asked)) throw new RpcError(422, 'VALIDATION_INVALID_FORMAT', 'height must be a block height (0 or more)', 'height');
      const height = asked === undefined ? node.head().header.height : Number(asked);
      const block = node.store.blockAt(height);
      if (!block) throw new RpcError(404, 'BLOCK_NOT_FOUND', `No block ${height} (head is at height ${node.head().header.height})`);
      const key = stateKey('account', address);
      const { proof, leaf } = proveKey((path) => node.store.stateNode(path, height), key);
      return { address, height, block_hash: block.hash, state_root: block.header.state_root, account: leaf?.key === key ? JSON.parse(leaf.value) : null, proof };
    },
  );

  app.get<{ Params: { address: string } }>(R.accountTxs.url, { ...AS_JSON, schema: schemaOf(R.accountTxs, [422, '`VALIDATION_INVALID_FORMAT`']) }, async (request) => {
    const { address } = request.params;
    if (!isValidAddress(address)) throw new RpcError(422, 'VALIDATION_INVALID_FORMAT', `${address} is not an ait1… address`, 'address');
    return { address, transactions: node.store.txsOf(address, 100).map((stored) => ({ hash: stored.hash, block_height: stored.blockHeight, block_time: stored.blockTime, ...stored.tx })) };
  });

  app.post(R.submitBlock.url, { schema: schemaOf(R.submitBlock, [422, 'A `CHAIN_BLOCK_*` code with the reason and `context`']) }, async (request, reply) => {
    try {
      const outcome = node.receive(request.body);
      return reply.code(202).send({ outcome, head: node.head().header.height });
    } catch (error) {
      if (error instanceof BlockRejectedError) throw RpcError.refusal(error, retryAfterSeconds);
      throw error;
    }
  });

  app.get(
    '/rpc/ws',
    {
      websocket: true,
      preHandler: refuseUpgradeWhenFull(() => subscriptions.full(), 'subscribers'),
      schema: { summary: 'WebSocket: subscribe with ?topics=heads,finalized,txs,receipts (default all); one JSON message per event' },
    },
    (socket, request) => subscriptions.add(socket, (request.query as { topics?: unknown }).topics),
  );
  if (options.gossip) {
    const gossip = options.gossip;
    app.get('/p2p', { websocket: true, preHandler: refuseUpgradeWhenFull(() => gossip.full(), 'inbound peers'), schema: { hide: true } }, (socket, request) => gossip.accept(socket, request.raw));
  }

  registerMetricsRoute(app, node, options.gossip);
  // The page finds this node where it loaded from.
  webFallback = await installWebApp(app, { webDir: options.webDir, webConfig: (own) => ({ coordinator_url: options.coordinatorUrl?.() ?? null, chain_url: own }) });
  app.get('/rpc/openapi.json', { schema: { hide: true } }, async () => app.swagger());
  return app;
}
