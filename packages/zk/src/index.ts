// @aitbc/zk (GPL-3.0-only, optional): the receipt_simple circuit's prover and artifacts. The
// EVM contract harness is `@aitbc/zk/evm` (it loads solc, which takes a moment). Verification
// needs none of this: @aitbc/protocol's verifyGroth16 is MIT.
export { Prover, shutdownProver, verifyWithSnarkjs, type ReceiptProof } from './prover.ts';
export { receiptWitnessInput, type CircuitInput } from './witness.ts';
export { RECEIPT_CIRCUIT, SEED_CIRCUIT, type CircuitArtifacts } from './artifacts.ts';
