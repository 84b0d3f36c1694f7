// One line about a transaction of any of the six types: what it moved and to whom.
import type { SignedTx } from '@aitbc/protocol/wire';

type Body = SignedTx['body'];

export function counterpart(body: Body): string | null {
  switch (body.type) {
    case 'transfer':
      return body.to;
    case 'slash':
      return body.beneficiary;
    default:
      return null;
  }
}

export function txSummary(body: Body): string {
  switch (body.type) {
    case 'transfer':
      return `${body.amount} AITBC${body.memo ? ` (memo ${body.memo})` : ''}`;
    case 'settle':
      return `${body.receipts.length} receipt${body.receipts.length === 1 ? '' : 's'}, ${body.payouts.length} payout${body.payouts.length === 1 ? '' : 's'}`;
    case 'anchor_proof':
      return `proves ${body.receipt_id}`;
    case 'bond':
    case 'unbond':
      return `${body.amount} AITBC`;
    case 'slash':
      return `receipt ${body.receipt.receipt_id}`;
  }
}
