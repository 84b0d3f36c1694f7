import type { ConformanceArea } from './case.ts';
export const claimCases: ConformanceArea = { area: 'claims', cases: [] };
