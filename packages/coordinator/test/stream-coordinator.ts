// A test coordinator in a process of its own, for tests that read its memory (a figure the test
// runner's own allocations would blur) or that must outlive a coordinator crash. Started with
// fork(); its config comes as JSON in AITBC_TEST_CONFIG. It sends {url} once listening, then
// answers {id, ask: 'memory' | 'ledger'} with {id, answer} (the audit as {ok, problems}).

import { startTestCoordinator } from '@aitbc/testkit/coordinator';

const coordinator = await startTestCoordinator({ ...JSON.parse(process.env.AITBC_TEST_CONFIG ?? '{}') });

process.on('message', async (message: { id: number; ask: 'memory' | 'ledger' }) => {
  let answer: unknown;
  if (message.ask === 'memory') {
    (globalThis as { gc?: () => void }).gc?.();
    answer = process.memoryUsage();
  } else {
    const { ok, problems } = await coordinator.store.auditLedger();
    answer = { ok, problems };
  }
  process.send!({ id: message.id, answer });
});
process.on('disconnect', () => void coordinator.close().then(() => process.exit(0)));
process.send!({ url: coordinator.url });
