// Where the circuit's artifacts live. They are committed (a few MB) and made by `npm run zk:setup`
// (scripts/setup.ts); ceremony.json records how, and the SHA-256 of each.

import { fileURLToPath } from 'node:url';

const here = (relative: string) => fileURLToPath(new URL(relative, import.meta.url));

export const ARTIFACTS_DIR = here('../artifacts/');
export const CIRCUITS_DIR = here('../circuits/');
export const CONTRACTS_DIR = here('../contracts/');

/** The files of one compiled circuit and its Groth16 keys. */
export interface CircuitArtifacts {
  wasm: string;
  zkey: string;
  vkey: string;
}

export const circuitArtifacts = (name: string): CircuitArtifacts => ({
  wasm: `${ARTIFACTS_DIR}${name}.wasm`,
  zkey: `${ARTIFACTS_DIR}${name}.zkey`,
  vkey: `${ARTIFACTS_DIR}${name}.vkey.json`,
});

/** The receipt circuit. */
export const RECEIPT_CIRCUIT = circuitArtifacts('receipt_simple');
/** The seed's design (no public inputs), kept only to show that its proofs prove nothing here. */
export const SEED_CIRCUIT = circuitArtifacts('seed_nopublic');
