// Clients build their calls from the wire's route definitions: the path of a route, filled in.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { CHAIN_RPC, chainPath } from './routes.ts';

test('chainPath fills and encodes the path parameters of a route', () => {
  assert.equal(chainPath(CHAIN_RPC.head), '/rpc/head');
  assert.equal(chainPath(CHAIN_RPC.block, { id: 12 }), '/rpc/blocks/12');
  assert.equal(chainPath(CHAIN_RPC.slash, { receipt_id: 'rcpt-a/b?c' }), '/rpc/slashes/rcpt-a%2Fb%3Fc');
});

test('chainPath refuses a route whose parameter is missing, naming it', () => {
  assert.throws(() => chainPath(CHAIN_RPC.account), { name: 'TypeError', message: '/rpc/accounts/:address needs address' });
});
