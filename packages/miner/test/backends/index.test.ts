// The backends entry point: what it exports and how createBackend picks a backend.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { BackendError, DemoBackend, OllamaBackend, OpenAiBackend, countTokens, createBackend } from '../../src/backends/index.ts';

test('createBackend builds each kind', () => {
  assert.ok(createBackend('demo', {}) instanceof DemoBackend);
  const ollama = createBackend('ollama', {});
  assert.ok(ollama instanceof OllamaBackend);
  assert.equal(ollama.name, 'ollama');
  const openai = createBackend('openai', { url: 'http://127.0.0.1:8000/v1', apiKey: 'k' });
  assert.ok(openai instanceof OpenAiBackend);
  assert.equal(openai.name, 'openai');
  assert.throws(() => createBackend('openai', {}), /needs the server URL/);
});

test('re-exports the interface pieces', () => {
  assert.equal(new BackendError('unavailable', 'x').retryable, true);
  assert.equal(countTokens('a b'), 2);
});
