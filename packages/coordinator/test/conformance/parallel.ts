import type { ConformanceArea } from './case.ts';
export const parallelCases: ConformanceArea = { area: 'parallel', cases: [] };
