// What a day chart draws: named series of one value per day.
export interface DaySeries {
  name: string;
  /** One value per day, in the order of the chart's days. */
  values: number[];
}
