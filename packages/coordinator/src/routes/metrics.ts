// GET /metrics in the Prometheus text format: requests by route and status, load, jobs by state,
// miners online. Counters live in this process; job and miner gauges come from the database.

import type { App, Services } from '../app.ts';
import type { LoadMonitor } from '../http/guards.ts';

export function registerMetricsRoute(app: App, services: Services, load: LoadMonitor): void {
  const requests = new Map<string, number>();
  app.addHook('onResponse', async (request, reply) => {
    const route = request.routeOptions.url ?? 'unmatched';
    const key = `method="${request.method}",route="${route}",status="${reply.statusCode}"`;
    requests.set(key, (requests.get(key) ?? 0) + 1);
  });

  app.get('/metrics', { schema: { hide: true } }, async (_request, reply) => {
    const jobs = await services.jobs.countsByStatus();
    const online = await services.directory.countOnline();
    const lines = [
      '# HELP aitbc_http_requests_total HTTP requests answered, by route and status.',
      '# TYPE aitbc_http_requests_total counter',
      ...[...requests].map(([labels, count]) => `aitbc_http_requests_total{${labels}} ${count}`),
      '# HELP aitbc_http_in_flight Requests being served now (long-polls not counted).',
      '# TYPE aitbc_http_in_flight gauge',
      `aitbc_http_in_flight ${load.inFlight()}`,
      '# HELP aitbc_event_loop_delay_ms Event loop delay, p99 over the last second.',
      '# TYPE aitbc_event_loop_delay_ms gauge',
      `aitbc_event_loop_delay_ms ${load.eventLoopDelayMs().toFixed(3)}`,
      '# HELP aitbc_jobs Jobs by state.',
      '# TYPE aitbc_jobs gauge',
      ...Object.entries(jobs).map(([status, count]) => `aitbc_jobs{status="${status}"} ${count}`),
      '# HELP aitbc_miners_online Miners seen within --miner-timeout.',
      '# TYPE aitbc_miners_online gauge',
      `aitbc_miners_online ${online}`,
      '# HELP aitbc_long_polls_waiting Miners waiting in a long-poll.',
      '# TYPE aitbc_long_polls_waiting gauge',
      `aitbc_long_polls_waiting ${services.signal.waiting}`,
      '# HELP aitbc_checks_skipped_total Verification checks planned but not made, by reason (insufficient_balance: the paying account is short; no_digest: a version-1 receipt).',
      '# TYPE aitbc_checks_skipped_total counter',
      ...(['insufficient_balance', 'no_digest'] as const).map((reason) => `aitbc_checks_skipped_total{reason="${reason}"} ${services.verification.skippedCounts.get(reason) ?? 0}`),
    ];
    return reply.type('text/plain; version=0.0.4; charset=utf-8').send(lines.join('\n') + '\n');
  });
}
