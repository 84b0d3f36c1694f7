// GET /metrics in the Prometheus text format (prom-client, src/services/metrics.ts): request
// durations by route, queue wait, run time and time to first token, and, read at scrape time,
// jobs by state, money, settlement lag, the outbox, the ledger difference, miners and load.

import type { App, Services } from '../app.ts';
import type { LoadMonitor } from '../http/guards.ts';

export function registerMetricsRoute(app: App, services: Services, load: LoadMonitor): void {
  const { metrics } = services;
  app.addHook('onResponse', async (request, reply) => {
    metrics.request(request.method, request.routeOptions.url ?? 'unmatched', reply.statusCode, reply.elapsedTime / 1000);
  });

  app.get('/metrics', { schema: { hide: true } }, async (_request, reply) => {
    const [jobsByStatus, audit, settlementLagSeconds, outbox, minersOnline] = await Promise.all([
      services.jobs.countsByStatus(),
      services.accounts.audit(),
      services.backlog.lagSeconds(),
      services.backlog.outbox(),
      services.directory.countOnline(),
    ]);
    const text = await metrics.exposition({
      jobsByStatus,
      availableMicro: audit.totals.available,
      escrowedMicro: audit.totals.escrowed,
      ledgerImbalanceMicro: audit.imbalanceMicro,
      settlementLagSeconds,
      outbox,
      minersOnline,
      longPollsWaiting: services.signal.waiting,
      checksSkipped: services.verification.skippedCounts,
      inFlight: load.inFlight(),
      eventLoopDelayMs: load.eventLoopDelayMs(),
    });
    return reply.type(metrics.contentType).send(text);
  });
}
