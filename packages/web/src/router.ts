// Hash routing (#/block/12): works from any static server and any path prefix, with no server
// fallback needed, and each page has a link a person can share.
import { useEffect, useState } from 'preact/hooks';

export interface Route {
  /** The first segment: '', 'block', 'tx', 'market', … */
  page: string;
  /** The rest, decoded. */
  args: string[];
}

export function parseRoute(hash: string): Route {
  const [page = '', ...args] = hash.replace(/^#\/?/, '').split('/').map((part) => decodeURIComponent(part));
  return { page, args };
}

export function href(page: string, ...args: (string | number)[]): string {
  return `#/${[page, ...args.map((arg) => encodeURIComponent(String(arg)))].join('/')}`;
}

export function useRoute(): Route {
  const [route, setRoute] = useState(() => parseRoute(location.hash));
  useEffect(() => {
    const changed = () => setRoute(parseRoute(location.hash));
    addEventListener('hashchange', changed);
    return () => removeEventListener('hashchange', changed);
  }, []);
  return route;
}
