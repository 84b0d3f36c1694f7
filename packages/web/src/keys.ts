// API keys a person enters, one per role, kept in this browser's localStorage only: the pages
// send them to the coordinator and nowhere else.

export type KeyRole = 'client' | 'miner' | 'admin';

const storageKey = (role: KeyRole) => `aitbc.key.${role}`;

export function storedKey(role: KeyRole): string | null {
  return localStorage.getItem(storageKey(role));
}

export function storeKey(role: KeyRole, key: string | null): void {
  if (key) localStorage.setItem(storageKey(role), key);
  else localStorage.removeItem(storageKey(role));
}
