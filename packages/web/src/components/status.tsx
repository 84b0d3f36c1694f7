// What a section shows while it loads or when its read failed (the API's own words).
import type { ComponentChildren } from 'preact';
import type { Loaded } from '../hooks.ts';

export function Failure({ error }: { error: Error }) {
  const code = (error as { code?: string }).code;
  return (
    <p class="failure" role="alert">
      {code ? <strong>{code}: </strong> : null}
      {error.message}
    </p>
  );
}

/** Renders `children(data)` once loaded; the failure or a loading line before that. */
export function Show<T>({ loaded, children }: { loaded: Loaded<T>; children: (data: T) => ComponentChildren }) {
  if (loaded.error) return <Failure error={loaded.error} />;
  if (loaded.data === undefined) return <p class="muted" aria-busy="true">Loading…</p>;
  return <>{children(loaded.data)}</>;
}

/** A table that scrolls sideways on a narrow screen, reachable by keyboard. */
export function TableBox({ label, children }: { label: string; children: ComponentChildren }) {
  return (
    <div class="table-box" role="region" aria-label={label} tabIndex={0}>
      {children}
    </div>
  );
}

export function Stat({ label, value, testId }: { label: string; value: ComponentChildren; testId?: string }) {
  return (
    <div class="stat">
      <dt>{label}</dt>
      <dd data-testid={testId}>{value}</dd>
    </div>
  );
}

/** A table of `rows`, one `<tr>` each from `row`, under column headings, in a TableBox. */
export function DataTable<T>({ label, testId, head, rows, row }: { label: string; testId?: string; head: string[]; rows: T[]; row: (item: T) => ComponentChildren }) {
  return (
    <TableBox label={label}>
      <table data-testid={testId}>
        <thead>
          <tr>
            {head.map((name) => (
              <th scope="col">{name}</th>
            ))}
          </tr>
        </thead>
        <tbody>{rows.map(row)}</tbody>
      </table>
    </TableBox>
  );
}
