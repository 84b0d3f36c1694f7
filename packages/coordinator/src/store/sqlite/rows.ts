// Reading SQLite rows: the database hands back integers as bigint (safe integers are on), so
// counts and times are turned into numbers here, and NULLs kept as null.

export type Row = Record<string, unknown>;

export const num = (value: unknown): number => Number(value as bigint);
export const numOrNull = (value: unknown): number | null => (value === null ? null : Number(value as bigint));
export const bigOrNull = (value: unknown): bigint | null => (value === null ? null : (value as bigint));
export const strOrNull = (value: unknown): string | null => (value === null ? null : (value as string));
