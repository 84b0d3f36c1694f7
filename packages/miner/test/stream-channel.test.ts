// The miner's side of the output stream: pieces longer than one stream message are sent in parts
// (never splitting a character), so a backend that yields a large piece at once still streams,
// and the coordinator's relay, the client's text and the receipt all agree.

import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { generateKeyPair, hashText } from '@aitbc/protocol';
import type { Backend, GenerationEvent } from '../src/backends/backend.ts';
import { MinerDaemon } from '../src/daemon.ts';
import { splitPiece } from '../src/stream-channel.ts';
import { startTestCoordinator, type TestCoordinator } from '@aitbc/testkit/coordinator';
import { openChatStream, readEvents, STREAM_MODEL } from '@aitbc/testkit/streams';

test('splitPiece: parts of at most the size asked, joined back exactly, no surrogate pair cut', () => {
  const text = 'a😀'.repeat(5_000) + 'tail';
  for (const max of [2, 3, 7, 8_192]) {
    const parts = splitPiece(text, max);
    assert.equal(parts.join(''), text);
    for (const part of parts) {
      assert.ok(part.length <= max, `part of ${part.length} for max ${max}`);
      assert.ok(!/[\ud800-\udbff]$/.test(part) && !/^[\udc00-\udfff]/.test(part), 'a pair stays whole');
    }
  }
  assert.deepEqual(splitPiece(''), []);
});

/** Yields its whole output as one piece of 200,000 characters, as a non-streaming server would. */
const BIG_PIECE = '\u00e9"\n😀'.repeat(40_000);
const oneBigPiece: Backend = {
  name: 'one-big-piece',
  listModels: async () => [STREAM_MODEL],
  async *generate(): AsyncIterable<GenerationEvent> {
    yield { type: 'text', text: BIG_PIECE };
    yield { type: 'done', usage: { promptTokens: 1, completionTokens: 1 } };
  },
};

let coordinator: TestCoordinator;
let daemon: MinerDaemon;

before(async () => {
  coordinator = await startTestCoordinator();
  daemon = new MinerDaemon({
    coordinatorUrl: coordinator.url,
    apiKey: await coordinator.createKey(['miner']),
    minerId: 'big-piece-miner',
    keys: generateKeyPair(),
    backend: oneBigPiece,
    pricePerToken: '0.000001',
    maxConcurrency: 1,
    pollWaitSeconds: 1,
    log: () => undefined,
  });
  await daemon.start();
});

after(async () => {
  await daemon.stop();
  await coordinator.close();
});

test('a backend piece far over one stream message reaches the client whole, and the receipt covers it', async () => {
  const reader = readEvents(await openChatStream(coordinator.url, await coordinator.createClient('big', '10')));
  await reader.done;
  assert.equal(reader.text(), BIG_PIECE);
  const last = reader.events.at(-2) as { aitbc: { receipt_id: string } };
  const receipt = (await coordinator.store.getReceipt(last.aitbc.receipt_id))!;
  assert.equal(receipt.receipt.output_hash, hashText(BIG_PIECE));
});
