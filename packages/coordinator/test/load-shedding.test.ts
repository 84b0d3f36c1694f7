// Event-loop lag sheds load only when it lasts: one stall (start-up compiling, a GC pause) must
// not turn clients away, a loop that stays slow must.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { setTimeout as pause } from 'node:timers/promises';
import { startTestCoordinator } from '@aitbc/testkit/coordinator';

/** Blocks the event loop for `ms`, as a slow synchronous step would. */
function stall(ms: number): void {
  const until = Date.now() + ms;
  while (Date.now() < until);
}


test('one stall of the event loop does not shed load; lag that lasts two windows does', async (t) => {
  const coordinator = await startTestCoordinator({ maxEventLoopDelayMs: 500 });
  t.after(() => coordinator.close());

  await pause(2_200); // two quiet windows after start-up
  stall(900);
  await pause(200); // the window holding the stall has been sampled
  const afterOneStall = await coordinator.request('GET', '/v1/models');
  assert.equal(afterOneStall.status, 200, afterOneStall.text);

  for (let window = 0; window < 3; window++) {
    stall(900);
    await pause(150);
  }
  const lagging = await coordinator.request('GET', '/v1/models');
  assert.equal(lagging.status, 503, lagging.text);
  assert.equal(lagging.body.error_code, 'SYSTEM_OVERLOADED');
  assert.ok(lagging.body.retry_after >= 1);
  assert.equal(lagging.headers.get('retry-after'), String(lagging.body.retry_after));

  const health = await coordinator.request('GET', '/v1/health');
  assert.equal(health.status, 200, 'health is never shed');
});
