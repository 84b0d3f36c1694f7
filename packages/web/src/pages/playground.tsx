// Streams a chat completion from the coordinator's OpenAI-compatible endpoint: fetch with
// stream: true, then the event stream's chunks appended as they arrive.
import { useRef, useState } from 'preact/hooks';
import { headersFor, failureOf } from '../api/http.ts';
import { readEventData } from '../api/sse.ts';
import { Failure } from '../components/status.tsx';
import { Section } from '../components/section.tsx';

interface Chunk {
  choices?: { delta?: { content?: string | null } }[];
  aitbc?: { job_id?: string; receipt_id?: string; price?: string };
}

export function Playground({ coordinatorUrl, apiKey, models }: { coordinatorUrl: string; apiKey: string; models: string[] }) {
  const [output, setOutput] = useState('');
  const [running, setRunning] = useState(false);
  const [error, setError] = useState<Error | null>(null);
  const [done, setDone] = useState<Chunk['aitbc'] | null>(null);
  const abort = useRef<AbortController | null>(null);

  const run = async (model: string, prompt: string, maxTokens: number) => {
    abort.current = new AbortController();
    setOutput('');
    setError(null);
    setDone(null);
    setRunning(true);
    try {
      const body = { model, messages: [{ role: 'user', content: prompt }], stream: true, max_tokens: maxTokens };
      const response = await fetch(`${coordinatorUrl}/v1/chat/completions`, { method: 'POST', headers: headersFor({ apiKey, body }), body: JSON.stringify(body), signal: abort.current.signal });
      if (!response.ok || !response.body) throw await failureOf(response);
      let extra: NonNullable<Chunk['aitbc']> = {};
      for await (const data of readEventData(response.body)) {
        const chunk = JSON.parse(data) as Chunk;
        const piece = chunk.choices?.[0]?.delta?.content;
        if (piece) setOutput((text) => text + piece);
        if (chunk.aitbc) extra = { ...extra, ...chunk.aitbc };
      }
      setDone(extra);
    } catch (failure) {
      if ((failure as Error).name !== 'AbortError') setError(failure as Error);
    } finally {
      setRunning(false);
    }
  };

  return (
    <Section id="playground-title" title="Playground">
      <form
        class="stack"
        onSubmit={(event) => {
          event.preventDefault();
          const form = new FormData(event.currentTarget);
          void run(String(form.get('model')), String(form.get('prompt')), Number(form.get('max_tokens')));
        }}
      >
        <label for="pg-model">Model</label>
        <select id="pg-model" name="model" required>
          {models.map((model) => <option value={model}>{model}</option>)}
        </select>
        <label for="pg-prompt">Message</label>
        <textarea id="pg-prompt" name="prompt" rows={3} required>Tell me about the sea.</textarea>
        <label for="pg-max">Most tokens</label>
        <input id="pg-max" name="max_tokens" type="number" min={1} max={4096} value={64} />
        <div class="row">
          <button type="submit" disabled={running}>{running ? 'Streaming…' : 'Send'}</button>
          <button type="button" disabled={!running} onClick={() => abort.current?.abort()}>Stop</button>
        </div>
      </form>
      <h3 id="pg-answer">Answer</h3>
      <output class="answer" aria-labelledby="pg-answer" aria-live="polite" aria-busy={running} data-testid="playground-output">{output}</output>
      {error ? <Failure error={error} /> : null}
      {done ? (
        <p class="muted" data-testid="playground-done">
          Done{done.price ? `: ${done.price} AITBC` : ''}{done.receipt_id ? <> — <a href={`#/receipt/${done.receipt_id}`}>its receipt</a></> : null}
        </p>
      ) : null}
    </Section>
  );
}
