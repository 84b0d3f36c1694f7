// @aitbc/protocol/zk: the receipt's zero-knowledge side (MIT): Poseidon over BN254, the receipt
// commitment a proof reveals, and the Groth16 verifier. Its own entry point, because the Poseidon
// constants and the pairing code are most of the package's weight and an ordinary client never
// needs them (the SDK's client entry stays without them).
export * from './poseidon.ts';
export * from './zk-receipt.ts';
export * from './groth16.ts';
