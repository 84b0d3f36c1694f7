// JSON over real HTTP, as clients speak to the coordinator and the chain node in tests.

export interface HttpAnswer {
  status: number;
  headers: Headers;
  body: any;
  text: string;
}

export type RequestFn = (method: string, path: string, options?: { key?: string; body?: unknown; rawBody?: string; headers?: Record<string, string> }) => Promise<HttpAnswer>;

/** JSON over real HTTP to `url`; network failures reject (the crash test relies on that). */
export function httpClient(url: string): RequestFn {
  return async (method, path, options = {}) => {
    const headers: Record<string, string> = { ...options.headers };
    if (options.key) headers['x-api-key'] = options.key;
    let body: string | undefined = options.rawBody;
    if (options.body !== undefined) {
      body = JSON.stringify(options.body);
      headers['content-type'] = 'application/json';
    }
    const response = await fetch(url + path, { method, headers, body });
    const text = await response.text();
    let parsed: unknown = null;
    try {
      parsed = text ? JSON.parse(text) : null;
    } catch {
      parsed = null;
    }
    return { status: response.status, headers: response.headers, body: parsed, text };
  };
}
