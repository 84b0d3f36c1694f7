// Which coordinator and chain node this browser talks to: the hosting server's answer, or URLs
// a person enters (kept in localStorage).
import type { Endpoints } from '../api/config.ts';
import { readOverrides, saveOverrides } from '../api/config.ts';

export function SettingsPage({ endpoints }: { endpoints: Endpoints }) {
  const overrides = readOverrides();
  return (
    <>
      <h1>Settings</h1>
      <form
        class="card stack"
        onSubmit={(event) => {
          event.preventDefault();
          const form = new FormData(event.currentTarget);
          saveOverrides({ coordinator_url: String(form.get('coordinator_url') ?? ''), chain_url: String(form.get('chain_url') ?? '') });
          location.reload();
        }}
      >
        <p>In use: coordinator {endpoints.coordinator_url ?? 'none'}, chain node {endpoints.chain_url ?? 'none'}. Leave a field empty to use what the server says.</p>
        <label for="set-coordinator">Coordinator URL</label>
        <input id="set-coordinator" name="coordinator_url" type="url" value={overrides.coordinator_url ?? ''} placeholder="http://127.0.0.1:8080" />
        <label for="set-chain">Chain node URL</label>
        <input id="set-chain" name="chain_url" type="url" value={overrides.chain_url ?? ''} placeholder="http://127.0.0.1:8545" />
        <button type="submit">Save</button>
      </form>
    </>
  );
}
