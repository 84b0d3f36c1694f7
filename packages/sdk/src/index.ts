// @aitbc/sdk: a typed client for the AITBC coordinator, usable from Node and browsers.
export { AitbcClient, type ClientOptions, type RunOptions } from './client.ts';
export { ChatStream, type ChatOutcome, type ChatStreamParameters, type ChatTurn } from './chat-stream.ts';
export * from './errors.ts';
export type { JobStreamEvent, StreamJobParameters } from './job-stream.ts';
export { readLines, type LineWatch } from './lines.ts';
export { readSseData } from './sse.ts';
export { DEFAULT_RETRY, backoffMs, mayRetry, type RetryPolicy, type TransportOptions } from './transport.ts';
export type * from './types.ts';
