// One conformance suite for every store engine (SQLite now, PostgreSQL next): each case of each
// contract area runs on a fresh database through the contract alone, and ends with the ledger
// audit (src/ledger/audit.ts) over the engine's own snapshot, so no case may leave the books wrong.
// An engine's test file calls `describeStoreConformance` with a way to open such databases.

import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { auditLedger } from '../../src/ledger/audit.ts';
import type { ConformanceArea, OpenDatabase } from './case.ts';
import { keyCases } from './keys.ts';
import { minerCases } from './miners.ts';
import { jobCases } from './jobs.ts';
import { claimCases } from './claims.ts';
import { moneyCases } from './money.ts';
import { parallelCases } from './parallel.ts';
import { batchCases } from './batches.ts';
import { sideCases } from './side-areas.ts';
import { verdictCases } from './verdicts.ts';
import { chainStepCases } from './chain-steps.ts';
import { dashboardCases } from './dashboards.ts';

export type { ConformanceDatabase, OpenDatabase } from './case.ts';

const AREAS: ConformanceArea[] = [keyCases, minerCases, jobCases, claimCases, batchCases, moneyCases, parallelCases, ...sideCases, verdictCases, chainStepCases, dashboardCases];

export function describeStoreConformance(name: string, open: OpenDatabase): void {
  describe(`store conformance: ${name}`, () => {
    for (const { area, cases } of AREAS) {
      describe(area, () => {
        for (const conformanceCase of cases) {
          test(conformanceCase.name, async () => {
            const database = await open();
            try {
              const [store] = await database.stores(1);
              await conformanceCase.run({ store: store!, database });
              const audit = auditLedger(await store!.ledgerSnapshot());
              assert.deepEqual(audit.problems, [], 'the ledger audit after the case');
            } finally {
              await database.close();
            }
          });
        }
      });
    }
  });
}
