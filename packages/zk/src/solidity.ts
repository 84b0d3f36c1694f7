// Compiles ZKReceiptVerifier.sol and the Groth16Verifier.sol that snarkjs exported, with solc-js
// (the compiler as WASM: nothing downloads).

import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import solc from 'solc';
import { CONTRACTS_DIR } from './artifacts.ts';

export interface CompiledContracts {
  /** Creation bytecode, hex without 0x. */
  Groth16Verifier: string;
  ZKReceiptVerifier: string;
}

interface SolcOutput {
  errors?: { severity: string; formattedMessage: string }[];
  contracts: Record<string, Record<string, { evm: { bytecode: { object: string } } }>>;
}

export function compileContracts(): CompiledContracts {
  const sources = Object.fromEntries(['Groth16Verifier.sol', 'ZKReceiptVerifier.sol'].map((file) => [file, { content: readFileSync(join(CONTRACTS_DIR, file), 'utf8') }]));
  const input = {
    language: 'Solidity',
    sources,
    settings: { optimizer: { enabled: true, runs: 200 }, evmVersion: 'cancun', outputSelection: { '*': { '*': ['evm.bytecode.object'] } } },
  };
  const output = JSON.parse(solc.compile(JSON.stringify(input))) as SolcOutput;
  const errors = (output.errors ?? []).filter((error) => error.severity === 'error');
  if (errors.length > 0) throw new Error(`solc: ${errors.map((error) => error.formattedMessage).join('\n')}`);
  return {
    Groth16Verifier: output.contracts['Groth16Verifier.sol']!.Groth16Verifier!.evm.bytecode.object,
    ZKReceiptVerifier: output.contracts['ZKReceiptVerifier.sol']!.ZKReceiptVerifier!.evm.bytecode.object,
  };
}
