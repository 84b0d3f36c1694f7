import { test } from 'node:test';
import assert from 'node:assert/strict';
import { canonicalize } from './jcs.ts';

test('sorts keys by UTF-16 code units, recursively, without whitespace', () => {
  // RFC 8785 §3.2.3's sorting example: code-unit order puts U+20AC before U+1F600's surrogates
  // and both after ASCII; "\r" (U+000D) sorts first.
  const value = { '€': 'Euro Sign', '\r': 'Carriage Return', '\ufb33': 'Hebrew Letter Dalet With Dagesh', '1': 'One', '😀': 'Emoji: Grinning Face', '\u0080': 'Control', 'ö': 'Latin Small Letter O With Diaeresis' };
  assert.equal(
    canonicalize(value),
    '{"\\r":"Carriage Return","1":"One","\u0080":"Control","ö":"Latin Small Letter O With Diaeresis","€":"Euro Sign","😀":"Emoji: Grinning Face","\ufb33":"Hebrew Letter Dalet With Dagesh"}',
  );
  assert.equal(canonicalize({ b: [3, { z: 1, a: null }], a: true }), '{"a":true,"b":[3,{"a":null,"z":1}]}');
});

test('numbers serialise as ECMAScript does (RFC 8785 §3.2.2.3)', () => {
  const samples: [number, string][] = [[0, '0'], [-0, '0'], [1e21, '1e+21'], [1e-7, '1e-7'], [333333333.3333333, '333333333.3333333'], [4.5, '4.5'], [-1.5e-10, '-1.5e-10'], [9007199254740991, '9007199254740991']];
  for (const [value, text] of samples) assert.equal(canonicalize(value), text);
});

test('strings escape only what JSON requires', () => {
  assert.equal(canonicalize('\u2028 "q" \\ \u0001 é'), '"\u2028 \\"q\\" \\\\ \\u0001 é"');
});

test('refuses values with no JSON form, naming where', () => {
  assert.throws(() => canonicalize({ a: undefined }), /\$\.a is undefined/);
  assert.throws(() => canonicalize({ a: [1, NaN] }), /\$\.a\[1\]/);
  assert.throws(() => canonicalize(10n), TypeError);
  assert.throws(() => canonicalize(new Date(0)), /plain objects/);
  assert.throws(() => canonicalize(() => 1), TypeError);
});
