// The circuit's input for a receipt: every field as a field element (the encoding is
// packages/protocol/src/zk-receipt.ts, shared with the chain) plus the commitment.

import { type UnsignedReceipt } from '@aitbc/protocol';
import { commitFieldElements, receiptFieldElements } from '@aitbc/protocol/zk';

export type CircuitInput = Record<string, string>;

export function receiptWitnessInput(receipt: UnsignedReceipt): CircuitInput {
  const elements = receiptFieldElements(receipt);
  const input: CircuitInput = { commitment: commitFieldElements(elements).toString() };
  for (const [field, value] of Object.entries(elements)) input[field] = value.toString();
  return input;
}
