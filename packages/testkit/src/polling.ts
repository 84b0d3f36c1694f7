// Waiting in tests for something that happens in another process, timer or socket.

/** Polls `check` until it returns a truthy value, failing with `what` after `ms`. */
export async function until<T>(check: () => Promise<T> | T, what: string, ms = 30_000): Promise<NonNullable<T>> {
  const giveUpAt = Date.now() + ms;
  for (;;) {
    const value = await check();
    if (value) return value as NonNullable<T>;
    if (Date.now() > giveUpAt) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}
