// Asks for an API key of one role before a console page shows anything, and keeps it in this
// browser only (localStorage); the page sends it to the coordinator and nowhere else.
import type { ComponentChildren } from 'preact';
import { useState } from 'preact/hooks';
import { storeKey, storedKey, type KeyRole } from '../keys.ts';

/** Where `aitbc devnet` writes each role's key (devnet.json). */
const DEVNET_KEY: Record<KeyRole, string> = { client: 'client_key', miner: 'miner_key', admin: 'admin_key' };

export function KeyGate({ role, children }: { role: KeyRole; children: (key: string, forget: () => void) => ComponentChildren }) {
  const [key, setKey] = useState(() => storedKey(role));
  const forget = () => {
    storeKey(role, null);
    setKey(null);
  };
  if (key) return <>{children(key, forget)}</>;
  const inputId = `key-${role}`;
  return (
    <form
      class="card key-form"
      onSubmit={(event) => {
        event.preventDefault();
        const entered = String(new FormData(event.currentTarget).get('key') ?? '').trim();
        if (entered) {
          storeKey(role, entered);
          setKey(entered);
        }
      }}
    >
      <label for={inputId}>Your {role} API key</label>
      <input id={inputId} name="key" type="password" autocomplete="off" spellcheck={false} placeholder="aitbc_…" required />
      <p class="muted">Kept in this browser only, and sent only to the coordinator.</p>
      <p class="muted">
        No key yet? The coordinator's operator makes one (<code>aitbc keys create</code>). On a devnet it is <code>{DEVNET_KEY[role]}</code> in <code>.aitbc/devnet.json</code>.
      </p>
      <button type="submit">Use this key</button>
    </form>
  );
}
