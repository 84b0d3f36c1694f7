// Catch-up over HTTP by height ranges, from a peer's RPC, bounded whatever the peer answers:
// each page is read with a byte cap while it streams (a page too large is asked again with half
// the blocks, down to one) and a timeout, holds at most the blocks asked for, and sync stops at
// the first block out of place or that the node does not take, so a peer can only feed real
// blocks and a claimed height costs nothing. A page's transaction signatures are checked on worker
// threads before its blocks are imported. Which peers' RPC is trusted: rpcUrlOfInbound.

import type { ChainNode } from './node.ts';
import { blockFromView, type BlockView } from './views.ts';

/** Largest sync page read (one block may be this large: the body limit of POST /rpc/blocks). */
export const DEFAULT_SYNC_PAGE_BYTES = 16 * 1024 * 1024;
const SYNC_PAGE_TIMEOUT_MS = 10_000;

export interface SyncLimits {
  /** Blocks asked for per page (at most the RPC's range limit). */
  pageBlocks: number;
  pageBytes: number;
  /** Aborts the sync (the node stops). */
  signal: AbortSignal;
}

class PageTooLargeError extends Error {}

/** Takes `base`'s blocks above this node's final block, page by page, until a short page. */
export async function syncPages(node: ChainNode, base: string, limits: SyncLimits): Promise<void> {
  let from = node.finalized().height + 1;
  let limit = limits.pageBlocks;
  while (!limits.signal.aborted) {
    let views: BlockView[];
    try {
      views = await fetchPage(base, from, limit, limits);
    } catch (error) {
      if (!(error instanceof PageTooLargeError) || limit === 1) throw error;
      limit = Math.ceil(limit / 2);
      continue;
    }
    const outOfPlace = views.findIndex((view, index) => view?.header?.height !== from + index);
    const blocks = views.slice(0, outOfPlace === -1 ? views.length : outOfPlace).map(blockFromView);
    await node.checkSignaturesAhead(blocks.flatMap((block) => block.txs));
    blocks.forEach((block, index) => {
      if (node.receive(block) === 'missing-parent') throw new Error(`block ${from + index} does not follow the blocks before it`);
    });
    if (outOfPlace !== -1) throw new Error(`the page from ${from} does not hold block ${from + outOfPlace} in its place`);
    if (views.length < limit) return;
    from += views.length;
  }
}

/** One page of blocks, read with a byte cap as it streams in. */
async function fetchPage(base: string, from: number, limit: number, limits: SyncLimits): Promise<BlockView[]> {
  const signal = AbortSignal.any([AbortSignal.timeout(SYNC_PAGE_TIMEOUT_MS), limits.signal]);
  const response = await fetch(`${base}/rpc/blocks?from=${from}&limit=${limit}`, { signal, redirect: 'error' });
  const body = await readCapped(response, limits.pageBytes);
  if (!response.ok) throw new Error(`answered ${response.status}`);
  const { blocks } = JSON.parse(body) as { blocks: BlockView[] };
  if (!Array.isArray(blocks) || blocks.length > limit) throw new Error(`the page from ${from} is not a list of at most ${limit} blocks`);
  return blocks;
}

/**
 * The URL to sync from for a peer that dialled in: its claimed rpc_url, only if that is http(s)
 * without credentials on the IP address the peer's socket comes from; its origin alone is kept.
 */
export function rpcUrlOfInbound(claimed: unknown, remoteAddress: string | null): string | null {
  if (typeof claimed !== 'string' || claimed.length > 2048 || !remoteAddress) return null;
  let url: URL;
  try {
    url = new URL(claimed);
  } catch {
    return null;
  }
  if ((url.protocol !== 'http:' && url.protocol !== 'https:') || url.username || url.password) return null;
  const host = url.hostname.replace(/^\[(.*)\]$/, '$1');
  const remote = remoteAddress.replace(/^::ffff:(?=\d+\.\d+\.\d+\.\d+$)/, '');
  return host === remote ? url.origin : null;
}

/** The body as text, refusing (and cancelling) one longer than `maxBytes` before reading past it. */
async function readCapped(response: Response, maxBytes: number): Promise<string> {
  if (Number(response.headers.get('content-length') ?? 0) > maxBytes) {
    await response.body?.cancel();
    throw new PageTooLargeError(`a page is over ${maxBytes} bytes`);
  }
  if (!response.body) return '';
  const chunks: Uint8Array[] = [];
  let total = 0;
  const reader = response.body.getReader();
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    total += value.byteLength;
    if (total > maxBytes) {
      await reader.cancel();
      throw new PageTooLargeError(`a page is over ${maxBytes} bytes`);
    }
    chunks.push(value);
  }
  return Buffer.concat(chunks).toString('utf8');
}
