// Sums of integer columns that cannot overflow. SQLite's sum() raises "integer overflow" once a
// running total passes 2^63, whatever the final total, and the ledger is append-only: one
// oversized row (written before amounts were bounded) would otherwise break every later audit.
// Each value is split into its high and low 32 bits (`>>` keeps the sign, `&` gives 0…2^32−1);
// their sums stay below 2^63 for up to 2^31 rows, and the halves are joined in bigint.

/** SQL select items `<name>_hi, <name>_lo` summing `expression`; 0 over no rows. */
export const exactSum = (expression: string, name: string): string =>
  `coalesce(sum((${expression}) >> 32), 0) AS ${name}_hi, coalesce(sum((${expression}) & 4294967295), 0) AS ${name}_lo`;

/** SQL condition: the split sum `name` is not 0 (the low half carried into the high one). */
export const exactSumIsNotZero = (name: string): string => `((${name}_lo & 4294967295) != 0 OR ${name}_hi + (${name}_lo >> 32) != 0)`;

/** The total of an exactSum read back from its row. */
export const joinSum = (row: Record<string, unknown>, name: string): bigint => (BigInt(row[`${name}_hi`] as bigint) << 32n) + BigInt(row[`${name}_lo`] as bigint);
