// Operator settings shared by every process on this database, and the connection itself.

export interface SettingsStore {
  getSetting<T>(name: string): Promise<T | null>;
  putSetting(name: string, value: unknown): Promise<void>;

  /** Throws when the database cannot answer. */
  ping(): Promise<void>;
  close(): Promise<void>;
}
