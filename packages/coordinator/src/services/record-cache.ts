// An in-process cache of records read on every request (API keys by hash, miners by id), so that
// the hot path does not ask the database each time. Entries live at most `ttlMs` of wall-clock
// time (config.recordCacheMs, 5 s by default): that bounds how long a change no invalidation
// reaches (another process whose bus message was lost) can go unseen. A change this process
// makes, or hears of on the bus, drops the entry at once (src/services/cache-invalidation.ts).

/** Entries kept; past this the oldest go first (a map keeps insertion order). */
const MAX_ENTRIES = 10_000;

export class RecordCache<V> {
  private readonly entries = new Map<string, { value: V; until: number }>();
  /**
   * Bumped by every invalidation. A read that started before one must not store what it read:
   * it may be the very record the invalidation was about, read just before the change.
   */
  private generation = 0;

  constructor(
    private readonly ttlMs: number,
    private readonly clock: () => number = () => performance.now(),
  ) {}

  /**
   * The cached value for `key`, or `load`'s (stored when not null). Misses are not stored: an
   * unknown key costs a read every time, as it did without the cache.
   */
  async get(key: string, load: () => Promise<V | null>): Promise<V | null> {
    const now = this.clock();
    const entry = this.entries.get(key);
    if (entry && entry.until > now) return entry.value;
    if (entry) this.entries.delete(key);
    const generation = this.generation;
    const value = await load();
    if (value !== null && generation === this.generation && this.ttlMs > 0) {
      if (this.entries.size >= MAX_ENTRIES) this.entries.delete(this.entries.keys().next().value!);
      this.entries.set(key, { value, until: now + this.ttlMs });
    }
    return value;
  }

  /** Drops the entries `matches` picks (every one without it). */
  invalidate(matches?: (key: string, value: V) => boolean): void {
    this.generation++;
    if (!matches) return this.entries.clear();
    for (const [key, { value }] of this.entries) if (matches(key, value)) this.entries.delete(key);
  }

  get size(): number {
    return this.entries.size;
  }
}
