// Time a test controls: services take `now`, the test moves it.

/** A clock the test moves by hand. */
export class ManualClock {
  constructor(public ms = Date.UTC(2026, 10, 24, 12, 0, 0)) {}
  now = (): number => this.ms;
  advance(ms: number): void {
    this.ms += ms;
  }
}
