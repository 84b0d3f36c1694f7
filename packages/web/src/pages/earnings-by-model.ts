// A miner's earnings series as the chart draws it: one series per model, one value per day.
import type { EarningsSeriesView } from '@aitbc/protocol/wire';
import type { DaySeries } from '../components/day-series.ts';
import { aitForChart } from '../format.ts';

/** Each model's earnings per day, over every day that has any. */
export function earningsByModel(series: EarningsSeriesView): { days: string[]; byModel: DaySeries[] } {
  const days = [...new Set(series.days.map((row) => row.day))].sort();
  const models = [...new Set(series.days.map((row) => row.model))].sort();
  const byModel = models.map((model) => ({
    name: model,
    values: days.map((day) => series.days.filter((row) => row.day === day && row.model === model).reduce((sum, row) => sum + aitForChart(row.earned), 0)),
  }));
  return { days, byModel };
}
