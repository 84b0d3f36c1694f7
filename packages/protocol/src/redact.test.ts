import { test } from 'node:test';
import assert from 'node:assert/strict';
import { locatorsOf, redactLocators } from './redact.ts';

test('URLs, hosts with ports, IP addresses and paths are hidden; what went wrong stays', () => {
  const cases: [string, string][] = [
    ['ollama at http://10.1.2.3:11434 answered 500: CUDA out of memory', 'ollama at [redacted] answered 500: CUDA out of memory'],
    ['POST https://gpu-box.internal:8000/v1/chat/completions failed', 'POST [redacted] failed'],
    ['connect ECONNREFUSED 127.0.0.1:11434', 'connect ECONNREFUSED [redacted]'],
    ['cannot reach [::1]:8000 or [fe80::1%eth0]', 'cannot reach [redacted] or [redacted]'],
    ['proxy gpubox:8080 refused', 'proxy [redacted] refused'],
    ['is localhost up?', 'is [redacted] up?'],
    ['cannot open /home/alice/models/llama.gguf: no such file', 'cannot open [redacted]: no such file'],
    ['error at C:\\models\\x.gguf now', 'error at [redacted] now'],
    ['the model "llama3.2" is not loaded; try 1/2 the context and/or fewer tokens', 'the model "llama3.2" is not loaded; try 1/2 the context and/or fewer tokens'],
  ];
  for (const [input, expected] of cases) assert.equal(redactLocators(input), expected, input);
});

test('secrets are hidden wherever they appear, also bare host names', () => {
  const secrets = locatorsOf('http://gpu-box.lan:9000/v1');
  assert.equal(redactLocators('getaddrinfo ENOTFOUND gpu-box.lan (see http://gpu-box.lan:9000/v1)', secrets), 'getaddrinfo ENOTFOUND [redacted] (see [redacted])');
  assert.equal(redactLocators('nothing to hide', ['']), 'nothing to hide');
});
