// Where the coordinator and the chain node are. The server that hosts the page says so in
// GET /web-config.json (null for what it does not know); a person may override either URL on
// the settings page, kept in this browser's localStorage.

export interface Endpoints {
  coordinator_url: string | null;
  chain_url: string | null;
}

const OVERRIDE_KEY = 'aitbc.endpoints';

function trimmed(url: unknown): string | null {
  return typeof url === 'string' && url.trim() !== '' ? url.trim().replace(/\/+$/, '') : null;
}

/** The URLs this browser was told to use instead of the server's, if any. */
export function readOverrides(): Partial<Endpoints> {
  try {
    const saved = JSON.parse(localStorage.getItem(OVERRIDE_KEY) ?? '{}') as Partial<Endpoints>;
    return { coordinator_url: trimmed(saved.coordinator_url) ?? undefined, chain_url: trimmed(saved.chain_url) ?? undefined } as Partial<Endpoints>;
  } catch {
    return {};
  }
}

export function saveOverrides(overrides: Partial<Endpoints>): void {
  localStorage.setItem(OVERRIDE_KEY, JSON.stringify({ coordinator_url: trimmed(overrides.coordinator_url), chain_url: trimmed(overrides.chain_url) }));
}

/** The server's answer, overridden by this browser's saved URLs. */
export async function loadEndpoints(): Promise<Endpoints> {
  let served: Endpoints = { coordinator_url: null, chain_url: null };
  try {
    const response = await fetch('web-config.json', { cache: 'no-store' });
    if (response.ok) {
      const body = (await response.json()) as Partial<Endpoints>;
      served = { coordinator_url: trimmed(body.coordinator_url), chain_url: trimmed(body.chain_url) };
    }
  } catch {
    // Opened from a server without the config (vite dev): the settings page fills the gaps.
  }
  const overrides = readOverrides();
  return { coordinator_url: overrides.coordinator_url ?? served.coordinator_url, chain_url: overrides.chain_url ?? served.chain_url };
}
