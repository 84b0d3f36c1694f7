// Maintenance mode, kept in the database so every coordinator process on it agrees, and cached
// here so checking it costs nothing per request (refreshed by the sweeper each tick).

import type { SettingsStore } from '../store/store.ts';

export interface MaintenanceState {
  enabled: boolean;
  message: string;
  retryAfterSeconds: number;
}

const SETTING = 'maintenance';
const OFF: MaintenanceState = { enabled: false, message: '', retryAfterSeconds: 60 };

export class Maintenance {
  private state: MaintenanceState = OFF;

  constructor(private readonly store: SettingsStore) {}

  get current(): MaintenanceState {
    return this.state;
  }

  async refresh(): Promise<MaintenanceState> {
    this.state = (await this.store.getSetting<MaintenanceState>(SETTING)) ?? OFF;
    return this.state;
  }

  /** Throws when the database cannot answer (GET /health). */
  pingDatabase(): Promise<void> {
    return this.store.ping();
  }

  async set(state: MaintenanceState): Promise<MaintenanceState> {
    await this.store.putSetting(SETTING, state);
    this.state = state;
    return state;
  }
}
