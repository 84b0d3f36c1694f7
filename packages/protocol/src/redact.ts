// Hides where things are in text that crosses a trust boundary: a miner's failure reason reaches
// clients, and a model server's own error may name the server's URL, host and port, or files on
// the miner's machine. Locators become "[redacted]"; the rest of the text (what went wrong) stays.

export const REDACTED = '[redacted]';

const LOCATORS: RegExp[] = [
  // scheme://anything (http, https, ws, unix, file, …), up to whitespace, quotes or brackets.
  /\b[a-z][a-z0-9+.-]{1,15}:\/\/[^\s"'`<>()[\]{}]*/gi,
  // [IPv6] with or without a port.
  /\[[0-9a-f:.]*:[0-9a-f:.]*(?:%[\w.-]+)?\](?::\d{1,5})?/gi,
  // IPv4 with or without a port.
  /\b\d{1,3}(?:\.\d{1,3}){3}(?::\d{1,5})?\b/g,
  // host:port, named hosts (gpu-box.lan:8000, localhost:11434, gpubox:8000).
  /\b[a-z][a-z0-9-]*(?:\.[a-z0-9-]+)*:\d{2,5}\b/gi,
  /\blocalhost\b/gi,
  // Absolute file or URL paths of two or more segments (/home/me/model.gguf, /v1/chat/completions).
  /(?<![\w.:/])\/(?:[\w.~%+@-]+\/)+[\w.~%+@-]*/g,
  // Windows paths (C:\models\x.gguf).
  /\b[a-z]:\\[^\s"'`<>]*/gi,
];

/**
 * `text` with URLs, host:port pairs, IP addresses, `localhost` and absolute paths replaced by
 * "[redacted]", and every one of `secrets` (e.g. a server's base URL and host name) too.
 */
export function redactLocators(text: string, secrets: readonly string[] = []): string {
  let out = text;
  // Longest first, so that a URL goes before the host name inside it.
  for (const secret of [...secrets].filter((s) => s.length >= 3).sort((a, b) => b.length - a.length)) out = out.split(secret).join(REDACTED);
  for (const pattern of LOCATORS) out = out.replace(pattern, REDACTED);
  return out;
}

/** A URL and the parts of it that locate a server (host:port, host name), to pass as `secrets`. */
export function locatorsOf(url: string): string[] {
  try {
    const parsed = new URL(url);
    return [url, parsed.origin, parsed.host, parsed.hostname].filter((part) => part !== '' && part !== 'null');
  } catch {
    return [url];
  }
}
