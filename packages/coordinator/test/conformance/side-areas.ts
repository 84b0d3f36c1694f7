import type { ConformanceArea } from './case.ts';
export const sideCases: ConformanceArea[] = [];
