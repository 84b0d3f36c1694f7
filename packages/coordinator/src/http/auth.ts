// Authentication as an onRequest hook, so that a bad key is refused before the body is read.
// Routes declare the scope they need in `config.scope`; public routes declare none.

import type { FastifyInstance, FastifyRequest } from 'fastify';
import type { Scope } from '../store/store.ts';
import { requireScope, type KeyService } from '../services/keys.ts';
import type { Principal } from '../services/principal.ts';
import { ApiError } from '@aitbc/protocol';

declare module 'fastify' {
  interface FastifyContextConfig {
    /** The scope a route needs; 'any' = any valid key. */
    scope?: Scope | 'any';
  }
  interface FastifyRequest {
    principal: Principal | null;
  }
}

function presentedKey(request: FastifyRequest): string | undefined {
  const header = request.headers['x-api-key'];
  if (typeof header === 'string' && header.length > 0) return header;
  const authorization = request.headers.authorization;
  if (typeof authorization === 'string') {
    const match = /^Bearer\s+(\S+)\s*$/i.exec(authorization);
    if (match) return match[1];
  }
  return undefined;
}

export function installAuth(app: FastifyInstance, keys: KeyService): void {
  app.decorateRequest('principal', null);
  app.addHook('onRequest', async (request) => {
    const scope = request.routeOptions.config.scope;
    if (!scope) return;
    const principal = await keys.authenticate(presentedKey(request));
    if (scope !== 'any') requireScope(principal, scope);
    request.principal = principal;
  });
}

/** The authenticated caller of a route that declared a scope. */
export function principalOf(request: FastifyRequest): Principal {
  if (!request.principal) throw new ApiError('AUTH_MISSING_KEY', 'API key is required for this endpoint');
  return request.principal;
}
