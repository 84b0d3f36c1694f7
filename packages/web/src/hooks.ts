// Loading state for one asynchronous read, re-run when its inputs change.
import { useCallback, useEffect, useRef, useState } from 'preact/hooks';

export interface Loaded<T> {
  data: T | undefined;
  error: Error | undefined;
  loading: boolean;
  reload: () => void;
}

export function useLoad<T>(load: (() => Promise<T>) | null, inputs: unknown[]): Loaded<T> {
  const [state, setState] = useState<{ data?: T; error?: Error; loading: boolean }>({ loading: load !== null });
  const [round, setRound] = useState(0);
  const latest = useRef(0);
  useEffect(() => {
    if (!load) return;
    const mine = ++latest.current;
    setState((previous) => ({ ...previous, loading: true }));
    load().then(
      (data) => mine === latest.current && setState({ data, loading: false }),
      (error: Error) => mine === latest.current && setState({ error, loading: false }),
    );
  }, [...inputs, round]);
  const reload = useCallback(() => setRound((n) => n + 1), []);
  return { data: state.data, error: state.error, loading: state.loading, reload };
}
