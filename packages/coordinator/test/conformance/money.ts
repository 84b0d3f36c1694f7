import type { ConformanceArea } from './case.ts';
export const moneyCases: ConformanceArea = { area: 'money', cases: [] };
