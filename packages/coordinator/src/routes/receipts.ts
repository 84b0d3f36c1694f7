// Receipts: the caller's list, public reads and verification against pinned keys, and a miner's one-time claim.

import { formatAmount } from '@aitbc/protocol';
import type { App, Services } from '../app.ts';
import { principalOf } from '../http/auth.ts';
import { ListReceiptsQuery, Receipt, ReceiptClaimView, ReceiptIdParams, ReceiptList, ReceiptMinerKeyView, VerifyBody, VerifyView, errorResponses } from '@aitbc/protocol/wire';
import { iso, receiptListView } from '../http/views.ts';

export function registerReceiptRoutes(app: App, { receipts, dashboards }: Services): void {
  app.get(
    '/v1/receipts',
    {
      config: { scope: 'any' },
      schema: {
        tags: ['receipts'],
        summary: "Receipts newest first: a client key its account's; a miner key its miners' (miner_id: one of them); an admin all (filter by account, miner_id)",
        querystring: ListReceiptsQuery,
        response: { 200: ReceiptList, ...errorResponses('MINER_NOT_FOUND') },
      },
    },
    async (request) => {
      const { page, nextCursor } = await dashboards.receipts(principalOf(request), request.query);
      return { items: page.items.map(receiptListView), next_cursor: nextCursor };
    },
  );

  app.get(
    '/v1/receipts/:id',
    { schema: { tags: ['receipts'], summary: 'A co-signed receipt (hashes only, never prompt or output)', params: ReceiptIdParams, response: { 200: Receipt, ...errorResponses('RECEIPT_NOT_FOUND') } } },
    async (request) => (await receipts.get(request.params.id)).receipt,
  );

  app.get(
    '/v1/receipts/:id/miner-key',
    {
      schema: {
        tags: ['receipts'],
        summary: 'The miner key this receipt was accepted under: pin it to verify the receipt, even after the miner registered another key',
        params: ReceiptIdParams,
        response: { 200: ReceiptMinerKeyView, ...errorResponses('RECEIPT_NOT_FOUND') },
      },
    },
    async (request) => {
      const { receiptId, minerId, minerKey } = await receipts.minerKey(request.params.id);
      return { receipt_id: receiptId, miner_id: minerId, public_key: minerKey };
    },
  );

  app.post(
    '/v1/receipts/verify',
    { schema: { tags: ['receipts'], summary: 'Check a receipt with pinned keys only (registered miner key, this coordinator key)', body: VerifyBody, response: { 200: VerifyView } } },
    async (request) => receipts.verify(request.body.receipt),
  );

  app.post(
    '/v1/receipts/:id/claim',
    {
      config: { scope: 'miner' },
      schema: {
        tags: ['miner'],
        summary: "Claim a receipt's earnings for settlement (once)",
        params: ReceiptIdParams,
        response: { 200: ReceiptClaimView, ...errorResponses('RECEIPT_NOT_FOUND', 'RECEIPT_ALREADY_CLAIMED', 'JOB_INVALID_STATUS', 'MINER_NOT_FOUND') },
      },
    },
    async (request) => {
      const claim = await receipts.claim(principalOf(request), request.params.id);
      return { receipt_id: claim.receiptId, miner_id: claim.minerId, amount: formatAmount(claim.amountMicro), claimed_at: iso(claim.claimedAt), settlement: claim.settled ? ('settled' as const) : ('pending' as const) };
    },
  );
}
