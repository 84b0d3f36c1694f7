// Model digests: which weights a backend serves, as the `model_digest` of a version-2 receipt
// ("sha256:" + 64 hex digits). Ollama reports one per model; for an OpenAI-compatible server the
// operator names it, or names the GGUF file and the miner hashes it once at start.

import { createHash } from 'node:crypto';
import { createReadStream } from 'node:fs';

const DIGEST = /^(?:sha256:)?([0-9a-f]{64})$/i;

/** `"sha256:<hex>"` from `sha256:<hex>` or a bare 64-digit hex string; undefined for anything else. */
export function normalizeDigest(text: string): string | undefined {
  const match = DIGEST.exec(text.trim());
  return match ? `sha256:${match[1]!.toLowerCase()}` : undefined;
}

/** The SHA-256 of a file, streamed (a GGUF runs to tens of GB; it is never held in memory). */
export async function hashModelFile(path: string): Promise<string> {
  const hash = createHash('sha256');
  for await (const chunk of createReadStream(path, { highWaterMark: 1 << 20 })) hash.update(chunk as Buffer);
  return `sha256:${hash.digest('hex')}`;
}

/** `model=value` as given to --model-digest and --model-file; the model name may itself hold `=`-free tags like `llama3.2:8b`. */
export function parseModelAssignment(text: string, flag: string): [string, string] {
  const at = text.indexOf('=');
  if (at <= 0 || at === text.length - 1) throw new Error(`${flag} wants model=value, e.g. ${flag} llama3.2=${flag === '--model-file' ? '/models/llama3.2.gguf' : 'sha256:…'}; got "${text}"`);
  return [text.slice(0, at), text.slice(at + 1)];
}

/**
 * The digests an operator names for an OpenAI-compatible server: `--model-digest model=sha256:…`
 * as given, `--model-file model=/path/to.gguf` hashed (each file once, in turn). A model named
 * twice is refused rather than one silently winning.
 */
export async function operatorDigests(digestFlags: readonly string[], fileFlags: readonly string[], hashFile = hashModelFile): Promise<Record<string, string>> {
  const digests: Record<string, string> = {};
  const claim = (model: string, flag: string) => {
    if (Object.hasOwn(digests, model)) throw new Error(`${flag}: model "${model}" already has a digest`);
  };
  for (const text of digestFlags) {
    const [model, value] = parseModelAssignment(text, '--model-digest');
    claim(model, '--model-digest');
    const digest = normalizeDigest(value);
    if (!digest) throw new Error(`--model-digest ${model}: "${value}" is not sha256: and 64 hex digits`);
    digests[model] = digest;
  }
  for (const text of fileFlags) {
    const [model, path] = parseModelAssignment(text, '--model-file');
    claim(model, '--model-file');
    digests[model] = await hashFile(path);
  }
  return digests;
}
