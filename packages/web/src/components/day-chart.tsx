// A bar chart of amounts per day, stacked by series (e.g. one per model), drawn with uPlot on a
// canvas; the same numbers follow in a table for screen readers and for anyone who wants them.
import { useEffect, useRef, useState } from 'preact/hooks';
import uPlot from 'uplot';
import 'uplot/dist/uPlot.min.css';
import type { DaySeries } from './day-series.ts';
import { TableBox } from './status.tsx';


const PALETTE = ['#1f6feb', '#d4731a', '#2a9d4b', '#b0409a', '#6e5bd1', '#c23b3b', '#0f8c8c', '#7a6a12'];

/** Running totals, so that drawing them tallest first leaves each series its own band. */
function stacked(series: DaySeries[]): number[][] {
  const sums: number[][] = [];
  series.forEach((one, index) => sums.push(one.values.map((value, day) => value + (index > 0 ? sums[index - 1]![day]! : 0))));
  return sums;
}

const DAY_S = 86_400;

/** The x range in epoch seconds: the `periodDays` UTC days up to today, half a day of margin each side. */
function periodRange(periodDays: number, now = Date.now()): [number, number] {
  const today = Math.floor(now / 1000 / DAY_S) * DAY_S;
  return [today - (periodDays - 1) * DAY_S - DAY_S / 2, today + DAY_S / 2];
}

/** Whether the dark scheme is on, following changes (the chart is redrawn in its colours). */
function useDarkScheme(): boolean {
  const [dark, setDark] = useState(() => matchMedia('(prefers-color-scheme: dark)').matches);
  useEffect(() => {
    const query = matchMedia('(prefers-color-scheme: dark)');
    const changed = () => setDark(query.matches);
    query.addEventListener('change', changed);
    return () => query.removeEventListener('change', changed);
  }, []);
  return dark;
}

export function DayChart({ title, days, series, unit, periodDays, testId }: { title: string; days: string[]; series: DaySeries[]; unit: string; periodDays: number; testId?: string }) {
  const holder = useRef<HTMLDivElement>(null);
  const dark = useDarkScheme();
  useEffect(() => {
    const element = holder.current;
    if (!element || days.length === 0 || series.length === 0) return;
    const sums = stacked(series);
    // The canvas takes no CSS: axes and grid get the page's own colours (light or dark scheme).
    const style = getComputedStyle(element);
    const ink = style.color;
    const grid = style.getPropertyValue('--line').trim() || '#d0d7de';
    const axis = { stroke: ink, grid: { stroke: grid }, ticks: { stroke: grid } };
    const order = series.map((_, index) => series.length - 1 - index); // tallest stack first
    const bars = uPlot.paths.bars!({ size: [0.7, 24] });
    const plot = new uPlot(
      {
        width: Math.max(280, element.clientWidth),
        height: 240,
        legend: { show: true },
        cursor: { points: { show: false } },
        scales: { x: { time: true, range: () => periodRange(periodDays) }, y: { range: (_u, _min, max) => [0, max > 0 ? max * 1.1 : 1] } },
        axes: [axis, { ...axis, label: unit, size: 60 }],
        series: [
          {},
          ...order.map((index) => ({
            label: series[index]!.name,
            fill: PALETTE[index % PALETTE.length],
            stroke: PALETTE[index % PALETTE.length],
            paths: bars,
            points: { show: false },
          })),
        ],
      },
      [days.map((day) => Date.parse(`${day}T00:00:00Z`) / 1000), ...order.map((index) => sums[index]!)],
      element,
    );
    const resized = new ResizeObserver(() => plot.setSize({ width: Math.max(280, element.clientWidth), height: 240 }));
    resized.observe(element);
    return () => {
      resized.disconnect();
      plot.destroy();
    };
  }, [days.join(), JSON.stringify(series), periodDays, dark]);

  const total = series.reduce((sum, one) => sum + one.values.reduce((a, b) => a + b, 0), 0);
  return (
    <figure class="chart" data-testid={testId}>
      <figcaption>{title}</figcaption>
      {days.length === 0 ? (
        <p class="muted">Nothing yet in this period.</p>
      ) : (
        <>
          <div ref={holder} role="img" aria-label={`${title}: ${days.length} days, ${Number(total.toFixed(6))} ${unit} in all; the table below lists every value`} />
          <details>
            <summary>The numbers</summary>
            <TableBox label={`${title}, as a table`}>
              <table>
                <thead>
                  <tr>
                    <th scope="col">day</th>
                    {series.map((one) => (
                      <th scope="col">{one.name}</th>
                    ))}
                  </tr>
                </thead>
                <tbody>
                  {days.map((day, index) => (
                    <tr>
                      <th scope="row">{day}</th>
                      {series.map((one) => (
                        <td class="num">{Number(one.values[index]!.toFixed(6))}</td>
                      ))}
                    </tr>
                  ))}
                </tbody>
              </table>
            </TableBox>
          </details>
        </>
      )}
    </figure>
  );
}
