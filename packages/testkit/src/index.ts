// @aitbc/testkit: what tests of every package share, never shipped. The light helpers are here;
// servers, processes and the fuzzer have their own entry points (./coordinator, ./chain,
// ./streams, ./processes, ./http-fuzz) so a test loads only what it starts.
export { freePort } from './ports.ts';
export { until } from './polling.ts';
export { ManualClock } from './clock.ts';
export { httpClient, type HttpAnswer, type RequestFn } from './http.ts';
export { parseExposition } from './prometheus.ts';
