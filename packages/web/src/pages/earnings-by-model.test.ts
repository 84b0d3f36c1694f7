import { test } from 'node:test';
import assert from 'node:assert/strict';
import { toCsv } from '../csv.ts';
import { earningsByModel } from './earnings-by-model.ts';
import { settlementLag } from './settlement-lag.ts';

test("the earnings chart has one series per model and a value for every day any model earned", () => {
  const series = {
    miner_id: 'm',
    held: '0', earned: '0', claimed: '0', settled: '0', payouts: [],
    days: [
      { day: '2026-11-30', model: 'demo', jobs: 2, units: 10, earned: '0.25' },
      { day: '2026-12-01', model: 'llama', jobs: 1, units: 5, earned: '1.000001' },
      { day: '2026-12-01', model: 'demo', jobs: 1, units: 3, earned: '0.5' },
    ],
  };
  const { days, byModel } = earningsByModel(series);
  assert.deepEqual(days, ['2026-11-30', '2026-12-01']);
  assert.deepEqual(byModel, [
    { name: 'demo', values: [0.25, 0.5] },
    { name: 'llama', values: [0, 1.000001] },
  ]);
});

test('the CSV export quotes what needs quoting', () => {
  assert.equal(toCsv(['a', 'b'], [['x,y', 'say "hi"'], [1, null]]), 'a,b\r\n"x,y","say ""hi"""\r\n1,\r\n');
});

test('settlement lag runs from the oldest unsettled receipt; only entries not final, failed or duplicate are in flight', () => {
  const entry = (state: string) => ({ state }) as Parameters<typeof settlementLag>[0]['outbox'][number];
  const now = Date.parse('2026-12-01T00:01:00Z');
  assert.deepEqual(settlementLag({ outbox: [entry('final'), entry('sent'), entry('queued'), entry('failed')], oldest_unsettled_at: '2026-12-01T00:00:30Z' }, now), { inFlight: 2, lagMs: 30_000 });
  assert.deepEqual(settlementLag({ outbox: [entry('duplicate')], oldest_unsettled_at: null }, now), { inFlight: 0, lagMs: null });
});
