// One JSON request to the coordinator or the chain node, with the project's error envelope
// ({error_code, detail, field?}) turned into an ApiFailure the pages can show as it is.

export class ApiFailure extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    detail: string,
  ) {
    super(detail);
    this.name = 'ApiFailure';
  }
}

export interface RequestOptions {
  /** An API key: sent only to the coordinator, as a bearer token. */
  apiKey?: string | null;
  method?: 'GET' | 'POST';
  body?: unknown;
  signal?: AbortSignal;
}

export function headersFor(options: Pick<RequestOptions, 'apiKey' | 'body'>): Record<string, string> {
  const headers: Record<string, string> = { accept: 'application/json' };
  if (options.apiKey) headers.authorization = `Bearer ${options.apiKey}`;
  if (options.body !== undefined) headers['content-type'] = 'application/json';
  return headers;
}

/** Throws an ApiFailure from an answer that is not a success. */
export async function failureOf(response: Response): Promise<ApiFailure> {
  let code = `HTTP_${response.status}`;
  let detail = response.statusText || `HTTP ${response.status}`;
  try {
    const envelope = (await response.json()) as { error_code?: unknown; detail?: unknown };
    if (typeof envelope.error_code === 'string') code = envelope.error_code;
    if (typeof envelope.detail === 'string') detail = envelope.detail;
  } catch {
    // not JSON: keep the status line
  }
  return new ApiFailure(response.status, code, detail);
}

export async function requestJson<T>(base: string, path: string, options: RequestOptions = {}): Promise<T> {
  let response: Response;
  try {
    response = await fetch(`${base}${path}`, {
      method: options.method ?? 'GET',
      headers: headersFor(options),
      body: options.body === undefined ? undefined : JSON.stringify(options.body),
      signal: options.signal,
    });
  } catch (error) {
    if ((error as Error).name === 'AbortError') throw error;
    // A browser reports a refused cross-origin read exactly like a server that is down.
    const crossOrigin = new URL(base).origin !== location.origin;
    const hint = crossOrigin ? `, or it does not allow this page's origin (its --cors-origins must list ${location.origin})` : '';
    throw new ApiFailure(0, 'NETWORK', `${base} did not answer${hint}.`);
  }
  if (!response.ok) throw await failureOf(response);
  return (await response.json()) as T;
}

/** `?a=1&b=2` from the defined fields, or ''. */
export function query(fields: Record<string, string | number | null | undefined>): string {
  const search = new URLSearchParams();
  for (const [name, value] of Object.entries(fields)) if (value !== undefined && value !== null && value !== '') search.set(name, String(value));
  const text = search.toString();
  return text ? `?${text}` : '';
}
